/**
 * The display protocol: objects that can show themselves implement `[display]()` returning a MIME
 * bundle (`text/plain` always, `text/html` for tables, SVG and a Vega-Lite spec object for
 * diagrams). The kernel and the REPL only pick which MIME type to show. The key is the registered symbol `Symbol.for('Jupyter.display')`.
 */
export const display: unique symbol = Symbol.for('Jupyter.display')

/** MIME type → data: text for most types, a JSON object for `application/*+json` ones. */
export type MimeBundle = Record<string, unknown>
