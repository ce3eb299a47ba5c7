/**
 * A populate call as a task: it runs in a lane of its own (its own database session), so it can
 * go on in the background while the session runs other cells, and it can be cancelled: after the
 * key under way, or at once, when closing its session makes the server roll that key back. The
 * tasks of the process are listed for `%jobs`; a task's failure stays on the task.
 */
import { Lane } from '../connection/lane.js'
import { CancelledError, DataJointError } from '../errors.js'
import type { Condition } from '../query/condition.js'
import type { Row } from '../query/expression.js'
import { type Table, tableOf } from '../table/table.js'
import { type PopulateOptions, type PopulateResult, runPopulate } from './populate.js'
import { type PopulateEvent, progressRenderer } from './progress.js'

export type TaskStatus = 'running' | 'done' | 'failed' | 'cancelled'

export interface TaskProgress {
  /** keys finished (made, failed or skipped) */
  done: number
  failed: number
  total: number
  /** keys per second so far */
  rate: number
  /** seconds to go at that rate, or null before the first key */
  eta: number | null
}

type Runner = (run: { onEvent: (e: PopulateEvent) => void; signal: AbortSignal }) => Promise<PopulateResult>

interface TaskOptions {
  display?: boolean
  background?: boolean
  onEvent?: (e: PopulateEvent) => void
  signal?: AbortSignal
  /** how to stop work done elsewhere (worker processes): after their key, or at once */
  stop?: (now: boolean) => void
}

/** Finished background tasks kept for %jobs. */
const KEEP = 50
const tasks: PopulateTask[] = []
let nextId = 1

export class PopulateTask {
  readonly id = nextId++
  readonly table: string
  readonly background: boolean
  readonly startedAt = Date.now()
  endedAt: number | null = null
  status: TaskStatus = 'running'
  progress: TaskProgress = { done: 0, failed: 0, total: 0, rate: 0, eta: null }
  /** keys whose make failed so far, with the first line of the error */
  readonly errors: Array<{ key: Row; error: string }> = []
  /** what stopped the task (a make's error without suppressErrors, a cancellation), or null */
  error: Error | null = null
  /** the result; rejects with `error` (a failure is also kept on the task, never unhandled) */
  readonly result: Promise<PopulateResult>
  readonly #controller = new AbortController()
  readonly #lane: Lane
  #cancelNow: ((e: Error) => void) | null = null
  readonly #stop: ((now: boolean) => void) | null

  /** @internal use Table.populate(...) or followPopulate(...) */
  constructor(table: string, runner: Runner, options: TaskOptions) {
    this.table = table
    this.background = options.background ?? false
    this.#stop = options.stop ?? null
    this.#lane = new Lane(`populate ${this.id} of ${this.table}`)
    const render = options.display ? progressRenderer(this) : null
    const signal = options.signal ? AbortSignal.any([options.signal, this.#controller.signal]) : this.#controller.signal
    const onEvent = (e: PopulateEvent) => {
      if (e.type !== 'start' && e.type !== 'end') this.progress = { done: e.done, failed: e.failed, total: e.total, rate: e.rate, eta: e.eta }
      if (e.type === 'start') this.progress = { ...this.progress, total: e.total }
      if (e.type === 'error') this.errors.push({ key: e.key, error: e.error.split('\n')[0]! })
      options.onEvent?.(e)
      // the task reports its own end, with how it ended
      if (e.type !== 'end') render?.(e)
    }
    const run = this.#lane.run(() => runner({ onEvent, signal }))
    run.catch(() => {}) // after an immediate cancel its outcome no longer matters
    const cancelled = new Promise<never>((_, reject) => (this.#cancelNow = reject))
    cancelled.catch(() => {})
    this.result = Promise.race([run, cancelled]).then(
      async (r) => {
        await this.#finish(signal.aborted && this.progress.done < this.progress.total ? 'cancelled' : 'done', null)
        render?.(this.#endEvent())
        return r
      },
      async (e: Error) => {
        await this.#finish(e instanceof CancelledError ? 'cancelled' : 'failed', e)
        render?.(this.#endEvent())
        throw e
      },
    )
    this.result.catch(() => {})
    tasks.push(this)
    if (this.background) {
      while (tasks.filter((t) => t.status !== 'running').length > KEEP) tasks.splice(tasks.findIndex((t) => t.status !== 'running'), 1)
    } else {
      void this.result.catch(() => {}).finally(() => tasks.splice(tasks.indexOf(this), 1))
    }
  }

  /**
   * Stops the task: after the key under way (default), or with `{ now: true }` at once, rolling
   * that key back (its session is closed; the server undoes its open transaction).
   */
  cancel(options: { now?: boolean } = {}): void {
    if (this.status !== 'running') return
    this.#controller.abort()
    this.#stop?.(options.now ?? false)
    if (options.now) {
      const e = new CancelledError(`The populate of ${this.table} was cancelled; the key under way was rolled back.`, {
        hint: `${this.progress.done} of ${this.progress.total} keys were finished before it; populate again to go on.`,
      })
      void this.#lane.end(e)
      this.#cancelNow?.(e)
    }
  }

  /** Seconds since the start, or the run time of a finished task. */
  get elapsed(): number {
    return ((this.endedAt ?? Date.now()) - this.startedAt) / 1000
  }

  /** One line: `populate 2 of Summary: done, 10/10 in 1.2 s, 1 failed`. */
  summary(): string {
    const p = this.progress
    const counts = `${p.done}/${p.total}${p.failed ? `, ${p.failed} failed` : ''}`
    const how = this.status === 'running' ? `running, ${counts}${p.eta !== null ? `, ${Math.round(p.eta)} s to go` : ''}` : `${this.status}, ${counts} in ${this.elapsed.toFixed(1)} s`
    const why = this.status === 'failed' && this.error ? `: ${this.error.message.split('\n')[0]}` : ''
    return `populate ${this.id} of ${this.table}: ${how}${why}`
  }

  async #finish(status: TaskStatus, error: Error | null): Promise<void> {
    if (this.endedAt === null) {
      this.status = status
      this.error = error
      this.endedAt = Date.now()
    }
    await this.#lane.end()
  }

  #endEvent(): PopulateEvent {
    // how it ended is on the task (status, error, elapsed), which every renderer is given
    return { type: 'end', table: this.table, ...this.progress }
  }
}

/** Starts populate as a task (Table.populate calls this). */
export function startPopulate(table: Table, restrictions: Condition[], options: PopulateOptions): PopulateTask {
  // checked here: inside its lane the task would not see the caller's transaction
  if (table.connection.inTransaction) throw new DataJointError('populate cannot run inside a transaction.')
  return new PopulateTask(table.className, ({ onEvent, signal }) => runPopulate(table, restrictions, { ...options, onEvent, signal }), options)
}

/**
 * A task that follows a populate done by other processes (`dj worker`s) through the database: the
 * keys of the key source made since it started, and the errors in the job table, until `until`
 * settles (the workers have exited).
 */
export function followPopulate(target: AutoTable | (abstract new () => unknown), until: Promise<unknown>, options: TaskOptions & { interval?: number } = {}): PopulateTask {
  const table = (typeof target === 'function' ? tableOf(target as new () => Table) : target) as AutoTable
  return new PopulateTask(table.className, async ({ onEvent }) => {
    const started = Date.now()
    const first = await table.progress()
    const keys = table.primaryKey
    const keyOf = (j: Row) => Object.fromEntries(keys.filter((k) => k in j).map((k) => [k, j[k]]))
    // errors already in the job table are not this run's
    const before = new Set((await table.jobs.list('error')).map((j) => JSON.stringify(keyOf(j))))
    const total = first.remaining
    onEvent({ type: 'start', table: table.className, total })
    let finished = false
    void until.finally(() => (finished = true))
    let done = 0
    let errors: Row[] = []
    for (;;) {
      if (!finished) await Promise.race([until.catch(() => {}), new Promise((r) => setTimeout(r, options.interval ?? 250))])
      const now = await table.progress()
      const seen = errors.length
      errors = (await table.jobs.list('error')).filter((j) => !before.has(JSON.stringify(keyOf(j))))
      const made = Math.max(0, total - now.remaining)
      const elapsed = (Date.now() - started) / 1000
      const rate = elapsed > 0 ? (made + errors.length) / elapsed : 0
      done = Math.min(total, made + errors.length)
      const counts = { table: table.className, done, failed: errors.length, total, rate, eta: rate > 0 ? (total - done) / rate : null }
      for (const j of errors.slice(seen)) onEvent({ type: 'error', key: keyOf(j), error: String(j.error_message ?? ''), ...counts })
      onEvent({ type: 'done', key: {}, ...counts })
      if (finished) break
    }
    await until
    return {
      successCount: done - errors.length,
      errors: errors.map((j) => ({ key: keyOf(j), error: String(j.error_message ?? '') })),
      skipped: 0,
    }
  }, options)
}

/** What followPopulate reads of a table. */
interface AutoTable {
  className: string
  primaryKey: string[]
  progress(): Promise<{ remaining: number }>
  jobs: { list(status: 'error'): Promise<Row[]> }
}

/** The populate tasks of this process: running ones, and the last finished background ones. */
export function populateTasks(): readonly PopulateTask[] {
  return [...tasks]
}

/** Cancels the running foreground populates at once (an interrupted cell); resolves when they have ended. */
export async function cancelForeground(): Promise<void> {
  const running = tasks.filter((t) => !t.background && t.status === 'running')
  for (const t of running) t.cancel({ now: true })
  await Promise.allSettled(running.map((t) => t.result))
}
