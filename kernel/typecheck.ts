/**
 * Type checking for the kernel's cells, in a worker thread (typecheck-worker) so that it never
 * holds up the session: `warn` runs the cell at once and reports type errors as a warning beside
 * its output, `strict` refuses a cell with type errors before it runs, `off` checks nothing. The
 * same worker answers completions and quick info from the TypeScript language service.
 */
import type { Worker } from 'node:worker_threads'
import { startThread } from './thread.js'
import type { Diagnostic, Request } from './typecheck-worker.js'

export type TypecheckMode = 'strict' | 'warn' | 'off'
export const TYPECHECK_MODES: readonly TypecheckMode[] = ['strict', 'warn', 'off']
export type { Diagnostic }

type Reply = { id: number; error?: string } & Record<string, unknown>
type Ask = Request extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never

/** What the checker is told a session name is, when no checked cell declares it. */
export function describeName(value: unknown): string {
  const tier = typeof value === 'function' ? (value as { tier?: unknown }).tier : undefined
  const bases: Record<string, string> = { manual: 'Manual', lookup: 'Lookup', imported: 'Imported', computed: 'Computed', part: 'Part' }
  // a table bound by %%table: its members complete, and assigning make() is fine
  if (typeof tier === 'string' && bases[tier]) return `typeof dj.${bases[tier]} & { [member: string]: any }`
  return 'any'
}

export class TypeChecker {
  #worker: Worker | null = null
  #next = 1
  readonly #waiting = new Map<number, (r: Reply) => void>()
  /** a cell has run or been checked: the warm-up has done its part */
  #warmUpDone = false
  /** told when no request is waiting */
  #quiet: Array<() => void> = []
  /** the last cell sent to be checked, and the cells that ran after their check: a new thread is given them again */
  #checking: { cell: number; code: string } | null = null
  readonly #ran: Array<{ cell: number; code: string }> = []
  #heapLimitMb: number | undefined
  /** the cell that ran since the last request */
  #ranNow: number | null = null

  /**
   * `heapLimitMb` caps the checker's heap. V8 sizes a heap's growth by its limit: with the
   * default (a quarter of the machine's memory) the checker's heap grew to three times what it
   * holds before its first full collection. A checker that runs out is started again without the cap.
   */
  constructor(readonly cwd: string = process.cwd(), heapLimitMb: number | undefined = 1024) {
    this.#heapLimitMb = heapLimitMb
  }

  /** Starts the worker and loads the compiler and the runtime's types, so that the first cell does not wait for them. */
  warm(): void {
    // a few rounds over the kinds of code cells hold, so that the compiler's own code is warm too
    const sample = (i: number) => [
      ...Array.from({ length: 20 }, (_, k) => `interface S${k} { id: number; label: string }\nconst s${k}: S${k} = { id: ${k + i}, label: "a" }`),
      'const samples = [{ id: 1, label: "a" }].map((s) => ({ ...s, id: s.id + 1 }))',
      'class Counter<T> { items: T[] = []; add(x: T) { this.items.push(x); return this.items.length } }',
      'async function total(xs: number[]): Promise<number> { return xs.reduce((a, b) => a + b, 0) }',
      `const q = dj.config.get("display.limit") ?? ${i}`,
    ].join('\n')
    // one round at a time, and only while no cell waits: a cell's check waits for one round at most.
    // Once cells are checked they warm the compiler themselves, and the rounds left are dropped.
    // Cell -1 is never kept: the session's own cells are not affected
    void (async () => {
      for (let i = 0; i < 12 && !this.#warmUpDone; i++) {
        while (this.#waiting.size > 0) await new Promise<void>((resolve) => this.#quiet.push(resolve))
        if (this.#warmUpDone) break
        await this.#ask({ op: 'check', cell: -1, code: sample(i), names: {} }).catch(() => {})
      }
    })()
  }

  /** A cell is running: the warm-up (background work of its own) gives way to it and to the cells' checks. */
  stopWarming(): void {
    this.#warmUpDone = true
  }

  /**
   * Type errors of a cell (its line magics already rewritten), with the session's other names.
   * `ran`: the cell has run already, and later cells see its declarations (else commit() says so).
   */
  async check(cell: number, code: string, names: Record<string, string>, ran = false): Promise<Diagnostic[]> {
    this.#warmUpDone = true
    if (ran) this.#ran.push({ cell, code })
    this.#checking = ran ? null : { cell, code }
    const r = await this.#ask({ op: 'check', cell, code, names, ...(ran ? { keep: true } : {}) })
    return r.diagnostics as Diagnostic[]
  }

  /** The cell ran: later cells see its declarations. (The checker is told with the next request, which saves a message each way.) */
  commit(cell: number): void {
    if (this.#checking?.cell === cell) this.#ran.push(this.#checking)
    this.#checking = null
    this.#ranNow = cell
  }

  async completions(code: string, cursor: number, names: Record<string, string>, timeoutMs: number): Promise<string[]> {
    const r = await this.#ask({ op: 'complete', code, cursor, names }, timeoutMs)
    return (r.names as string[]) ?? []
  }

  async info(code: string, cursor: number, names: Record<string, string>, timeoutMs: number): Promise<string | null> {
    const r = await this.#ask({ op: 'info', code, cursor, names }, timeoutMs)
    return (r.text as string | null) ?? null
  }

  async close(): Promise<void> {
    const w = this.#worker
    this.#worker = null
    if (w) await w.terminate()
  }

  #start(): Worker {
    if (this.#worker) return this.#worker
    // a small young generation: the checker's garbage is short-lived, and a large nursery stays
    // committed after a check (about 20 MB of the kernel's memory for no gain in speed)
    const limits = { maxYoungGenerationSizeMb: 4, ...(this.#heapLimitMb ? { maxOldGenerationSizeMb: this.#heapLimitMb } : {}) }
    const w = startThread(import.meta.url, 'typecheck-worker', { cwd: this.cwd }, limits)
    // the checker must never keep the kernel alive or take it down
    w.unref()
    w.on('message', (r: Reply) => {
      this.#waiting.get(r.id)?.(r)
      this.#waiting.delete(r.id)
      if (this.#waiting.size === 0) for (const go of this.#quiet.splice(0)) go()
    })
    const fail = (e: unknown) => {
      // (error and exit both come; by then a new thread may have taken over)
      if (this.#worker !== w) return
      // cells run unchecked until the next one starts a new thread: said where the kernel logs
      process.stderr.write(`dj: the type checker stopped (${String((e as Error)?.message ?? e)}); the next cell starts it again\n`)
      for (const done of this.#waiting.values()) done({ id: 0, error: `the type checker stopped: ${String((e as Error)?.message ?? e)}` })
      this.#waiting.clear()
      for (const go of this.#quiet.splice(0)) go()
      this.#worker = null
    }
    w.on('error', (e: Error & { code?: string }) => {
      if (e.code === 'ERR_WORKER_OUT_OF_MEMORY') this.#heapLimitMb = undefined
      fail(e)
    })
    w.on('exit', fail)
    this.#worker = w
    // a thread started again (the last one stopped) knows the session's cells before it answers
    if (this.#ran.length) {
      const id = this.#next++
      this.#waiting.set(id, () => {})
      w.postMessage({ op: 'replay', id, cells: this.#ran })
    }
    return w
  }

  #ask(request: Ask, timeoutMs?: number): Promise<Reply> {
    const id = this.#next++
    const w = this.#start()
    return new Promise<Reply>((resolve, reject) => {
      const timer = timeoutMs === undefined ? null : setTimeout(() => (this.#waiting.delete(id), reject(new Error('the type checker is busy'))), timeoutMs)
      this.#waiting.set(id, (r) => {
        if (timer) clearTimeout(timer)
        if (r.error) reject(new Error(r.error))
        else resolve(r)
      })
      const ran = this.#ranNow
      this.#ranNow = null
      w.postMessage({ ...request, id, ...(ran === null ? {} : { ran }) })
    })
  }
}

/** Diagnostics as the lines a user reads: `line 3: Type 'string' is not assignable to type 'number'. (TS2322)`. */
export function formatDiagnostics(ds: readonly Diagnostic[], label = 'TypeScript'): string {
  return ds.map((d) => `${label}: line ${d.line}, column ${d.column}: ${d.message} (TS${d.code})`).join('\n')
}
