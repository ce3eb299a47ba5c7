/**
 * The display protocol: objects that can show themselves implement `[display]()` returning a MIME
 * bundle (`text/plain` always, `text/html` for tables). The kernel and the REPL only pick which
 * MIME type to show. The key is the registered symbol `Symbol.for('Jupyter.display')`.
 */
export const display: unique symbol = Symbol.for('Jupyter.display')

export type MimeBundle = Record<string, string>
