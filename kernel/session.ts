/**
 * An evaluation session shared by the Jupyter kernel and the REPL: TypeScript cells (types
 * stripped, re-declarations allowed), top-level await, `dj` preloaded, the value of the last
 * expression as the result, and a display API in every cell.
 */
import { Console } from 'node:console'
import repl from 'node:repl'
import vm from 'node:vm'
import { PassThrough, Writable } from 'node:stream'
import { inspect } from 'node:util'
import { cellMagic, cellMagicEnded, MAGICS, Magics, rewriteMagics, RUNNER, type SessionSetting } from '../magics/index.js'
import * as dj from '../runtime/index.js'
import { IncompleteInput, transpile } from './typescript.js'

export type Bundle = Record<string, unknown>

export interface SessionHooks {
  stream(name: 'stdout' | 'stderr', text: string): void
  display(bundle: Bundle, id: string | null, update: boolean): void
  clear(wait: boolean): void
  /** asks the user (a password is not echoed) */
  input(prompt: string, password: boolean): Promise<string>
}

/** The banner's line about the database: where it connects, or that it is the embedded one and why. */
export function databaseLine(): string {
  const c = dj.config
  if (c.effectiveBackend === 'pglite') {
    const why = c.source('database.backend') === 'default' ? ' (no server configured: set DJ_HOST, or database.host in datajoint.json, to use one)' : ''
    return `Database: embedded PostgreSQL (pglite) in ${c.get('database.path') ?? dj.defaultPglitePath()}${why}`
  }
  const user = c.get('database.user') ?? 'root'
  return `Database: ${c.effectiveBackend} ${user}@${c.effectiveHost}:${c.effectivePort} (connects on first use; dj.config.explain() shows where settings come from)`
}

const SHARED_BUILTINS = [
  'ArrayBuffer', 'SharedArrayBuffer', 'DataView', 'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array',
  'Int32Array', 'Uint32Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array',
  'Map', 'Set', 'WeakMap', 'WeakSet', 'WeakRef', 'FinalizationRegistry', 'Date',
]

/** The bundle a value shows through the display protocol, or null when it has none. */
export function ownBundle(value: unknown): Promise<Bundle> | null {
  const own = value !== null && (typeof value === 'object' || typeof value === 'function') ? (value as Record<symbol, unknown>)[dj.display] : undefined
  return typeof own === 'function' ? Promise.resolve(own.call(value) as Bundle) : null
}

/** The MIME bundle of a value: its own display protocol, else its inspection as text. */
export async function bundleOf(value: unknown): Promise<Bundle> {
  const own = ownBundle(value)
  if (own) return own
  return { 'text/plain': typeof value === 'string' ? inspect(value) : inspect(value, { colors: false, depth: 4 }) }
}

export class Session {
  readonly #server: repl.REPLServer
  readonly context: Record<string, unknown>
  readonly magics: Magics
  #displayCounter = 0
  #fail: ((e: unknown) => void) | null = null
  /** displays still being rendered; a cell ends after them */
  readonly #pending = new Set<Promise<void>>()

  /** names every session has (globals, dj, display...): the rest are the user's */
  readonly #baseline: Set<string>

  constructor(readonly hooks: SessionHooks, settings: Record<string, SessionSetting> = {}) {
    const sink = new PassThrough()
    sink.resume()
    this.#server = repl.start({ input: new PassThrough(), output: sink, terminal: false, prompt: '', useGlobal: false })
    this.context = this.#server.context
    // the REPL runs cells in a domain, which takes their errors (thrown or rejected) instead of
    // the callback: hear them first so that the cell fails instead of hanging
    const domain = (this.#server as unknown as { _domain?: NodeJS.EventEmitter })._domain
    domain?.prependListener('error', (e: unknown) => this.#fail?.(e))
    const out = (name: 'stdout' | 'stderr') => new Writable({ write: (chunk, _enc, done) => (hooks.stream(name, String(chunk)), done()) })
    this.context.console = new Console({ stdout: out('stdout'), stderr: out('stderr'), colorMode: false })
    this.context.dj = dj
    // the context has built-ins of its own: a cell's `new Float64Array()` or `new Map()` would
    // fail the runtime's instanceof checks. Those without literal syntax are taken from this
    // realm ({} and [] stay the context's; the runtime recognises them by shape).
    for (const name of SHARED_BUILTINS) this.context[name] = (globalThis as Record<string, unknown>)[name]
    const show = (value: unknown, id: string, update: boolean) => {
      const p = bundleOf(value).then((b) => hooks.display(b, id, update)).finally(() => this.#pending.delete(p))
      this.#pending.add(p)
    }
    const display = (value: unknown, options: { id?: string } = {}) => {
      const id = options.id ?? `dj-display-${++this.#displayCounter}`
      show(value, id, false)
      return { id, update: (v: unknown) => show(v, id, true) }
    }
    const mime = (type: string) => (data: unknown) => hooks.display({ [type]: data, 'text/plain': typeof data === 'string' ? data : JSON.stringify(data) }, null, false)
    Object.assign(display, { html: mime('text/html'), markdown: mime('text/markdown'), svg: mime('image/svg+xml'), json: mime('application/json'), mime: (b: Bundle) => hooks.display(b, null, false) })
    this.context.display = display
    this.context.clearOutput = (options: { wait?: boolean } = {}) => hooks.clear(options.wait ?? false)
    this.magics = new Magics({
      context: this.context,
      evaluate: (code) => this.evaluate(code),
      input: (prompt, options = {}) => hooks.input(prompt, options.password ?? false),
      print: (text) => hooks.stream('stdout', text),
      settings,
    })
    Object.defineProperty(this.context, RUNNER, { value: this.magics, enumerable: false })
    this.#baseline = new Set(Object.getOwnPropertyNames(this.context))
  }

  /** The names cells and magics have added to the session, with their values. */
  userNames(): Array<[string, unknown]> {
    return Object.getOwnPropertyNames(this.context).filter((n) => !this.#baseline.has(n) && /^[A-Za-z_$][\w$]*$/.test(n)).map((n) => [n, this.context[n]])
  }

  /** Waits for the displays a cell started. */
  async flush(): Promise<void> {
    while (this.#pending.size) await Promise.allSettled([...this.#pending])
  }

  /** Whether the code is a complete entry ('complete'), needs more lines, or cannot parse. */
  async isComplete(code: string): Promise<'complete' | 'incomplete' | 'invalid'> {
    // a cell magic takes lines until a blank one, as in IPython
    if (cellMagic(code)) return cellMagicEnded(code) && code.trim().includes('\n') ? 'complete' : 'incomplete'
    try {
      await transpile(rewriteMagics(code))
      return 'complete'
    } catch (e) {
      return e instanceof IncompleteInput ? 'incomplete' : 'invalid'
    }
  }

  /** Interrupts since the session began: code whose translation outlasts one does not run. */
  #interrupts = 0

  /** An interrupt came (SIGINT): code still being translated is dropped. */
  interrupted(): void {
    this.#interrupts++
  }

  /** Runs a cell; resolves with the value of its last expression. */
  async evaluate(code: string): Promise<unknown> {
    const at = this.#interrupts
    const js = code.trim() === '' ? 'undefined' : await transpile(rewriteMagics(code))
    if (at !== this.#interrupts) throw Object.assign(new Error('the cell was interrupted'), { name: 'KeyboardInterrupt' })
    return this.#run(js)
  }

  #run(js: string): Promise<unknown> {
    // a magic (%time) evaluates code within a cell: the outer cell's failure handler comes back after
    const outer = this.#fail
    if (!/\bawait\b/.test(js)) {
      // without await the cell is a plain script: run it so that SIGINT (an interrupt) stops it
      // even in a busy loop. (The REPL's own breakEvalOnSigint would also hold SIGINT while a
      // top-level await is pending, and the signal would then end the process.)
      try {
        return Promise.resolve(vm.runInContext(js, this.context, { filename: 'cell.ts', breakOnSigint: true, displayErrors: false, importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER }))
      } catch (e) {
        return Promise.reject(e)
      }
    }
    return new Promise((resolve, reject) => {
      this.#fail = reject
      this.#server.eval(js, this.context, 'cell.ts', (err, result) => (err ? reject(err instanceof repl.Recoverable ? new SyntaxError('Unexpected end of input') : err) : resolve(result)))
    }).finally(() => (this.#fail = outer))
  }

  /** Names visible in the session that start with `prefix`, and members for `expr.prefix`. */
  async complete(code: string, cursor: number): Promise<{ matches: string[]; start: number; end: number }> {
    const before = code.slice(0, cursor)
    const magic = /^(\s*%%?)([\w-]*)$/.exec(before)
    if (magic) {
      const names = MAGICS.filter((x) => x.kinds.includes(magic[1]!.trim() === '%%' ? 'cell' : 'line')).map((x) => x.name)
      return { matches: names.filter((n) => n.startsWith(magic[2]!)).map((n) => magic[1]!.trim() + n), start: cursor - before.trimStart().length, end: cursor }
    }
    // `owner.partial` or `partial`: identifiers and dots only, so completion runs no calls
    const m = /((?:[A-Za-z_$][\w$]*\.)*)([A-Za-z_$][\w$]*)?$/.exec(before)!
    const owner = m[1] ? m[1].slice(0, -1) : null
    const partial = m[2] ?? ''
    let names: string[]
    if (owner) {
      let value: unknown
      try {
        value = await this.evaluate(owner)
      } catch {
        return { matches: [], start: cursor, end: cursor }
      }
      names = []
      for (let o: any = value; o !== null && o !== undefined && o !== Object.prototype && o !== Function.prototype; o = Object.getPrototypeOf(o)) {
        names.push(...Object.getOwnPropertyNames(o))
      }
    } else {
      names = [...Object.getOwnPropertyNames(this.context).filter((n) => n !== RUNNER), ...['const', 'let', 'class', 'await', 'async', 'function', 'import']]
    }
    const matches = [...new Set(names)].filter((n) => n.startsWith(partial) && !n.startsWith('#') && n !== 'constructor').sort()
    return { matches, start: cursor - partial.length, end: cursor }
  }
}
