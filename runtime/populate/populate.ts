/**
 * populate: for every key of the key source not yet in the table, call `make(key)`. A key is
 * computed in one transaction (its rows and its parts' rows appear together or not at all); the
 * three-part make (makeFetch, makeCompute, makeInsert) computes outside any transaction and
 * inserts in a short one after checking that its inputs did not change. A reserved job is marked
 * done in the same transaction as the key's rows. With `reserveJobs`, the
 * job queue lets any number of workers share the keys. Progress goes out as events.
 */
import { pack } from '../blob/pack.js'
import { CancelledError, DataJointError, DuplicateError } from '../errors.js'
import { log } from '../logger.js'
import type { Condition } from '../query/condition.js'
import { QueryExpression, type Row } from '../query/expression.js'
import { DependencyGraph } from '../schema/dependencies.js'
import { withDirectInsert } from '../table/insert.js'
import { classForTable } from '../table/registry.js'
import { type Table, tableOf } from '../table/table.js'
import { isTableClass } from '../table/tiers.js'
import { Lane } from '../connection/lane.js'
import { JobQueue } from './jobs.js'
import type { PopulateEvent } from './progress.js'

export interface PopulateOptions {
  /** share the keys with other workers through the job queue */
  reserveJobs?: boolean
  /** record errors and go on with the next key (default: stop at the first error) */
  suppressErrors?: boolean
  order?: 'original' | 'reverse' | 'random'
  /** at most this many keys are taken from the key source (before ordering) */
  limit?: number
  /** at most this many make calls */
  maxCalls?: number
  /** keys made at once, each on a database session of its own (datajoint-python's `processes`) */
  concurrency?: number
  /** show progress (the REPL and the kernel draw it) */
  display?: boolean
  /** return a PopulateTask at once and compute in the background, on a session of its own */
  background?: boolean
  /** called with every progress event */
  onEvent?: (event: PopulateEvent) => void
  /** stops after the current key when aborted (workers use it for SIGTERM) */
  signal?: AbortSignal
  /** only jobs of this priority or lower (with reserveJobs) */
  priority?: number
}

export interface PopulateResult {
  successCount: number
  errors: Array<{ key: Row; error: string }>
  /** keys skipped because another worker had them or they were done meanwhile */
  skipped: number
}

type MakeFns = {
  make?: (key: Row) => unknown
  makeFetch?: (key: Row) => unknown
  makeCompute?: (key: Row, fetched: unknown) => unknown
  makeInsert?: (key: Row, computed: unknown, fetched: unknown) => unknown
}

const queues = new WeakMap<Function, JobQueue>()

export function jobsOf(table: Table): JobQueue {
  let q = queues.get(table.constructor)
  if (!q) queues.set(table.constructor, (q = new JobQueue(tableOf(table.constructor as new () => Table))))
  return q
}

/** The default key source: the join of the primary-key parents, each projected to its key. */
export async function defaultKeySource(table: Table): Promise<QueryExpression> {
  const g = await DependencyGraph.load(table.connection, [table.database])
  const pk = new Set(table.primaryKey)
  const edges = g.parents(table.fullTableName).filter((e) => Object.keys(e.attributeMap).every((c) => pk.has(c)))
  if (edges.length === 0) {
    throw new DataJointError(`${table.label} has no foreign keys in its primary key, so it has no key source to populate from.`, {
      hint: 'Start the definition with -> Parent, or give the class a keySource.',
    })
  }
  let source: QueryExpression | null = null
  for (const e of edges) {
    const cls = classForTable(e.parent.full)
    if (!cls) throw new DataJointError(`The parent ${e.parent.full} of ${table.label} is not declared in this process.`, { hint: 'Declare (or open) the schema that holds it first.' })
    const renames = Object.fromEntries(Object.entries(e.attributeMap).filter(([c, p]) => c !== p))
    const parent = tableOf(cls as new () => Table)
    const projected = Object.keys(renames).length ? parent.proj(renames) : parent.proj()
    source = source ? source.join(projected) : projected
  }
  return source!
}

/**
 * The key source of a table: its static `keySource` (a query, a table class, or a function
 * returning a query), else the default.
 */
export async function keySourceOf(table: Table): Promise<QueryExpression> {
  const custom = (table.constructor as unknown as { keySource?: unknown }).keySource
  let q: unknown
  if (custom === undefined) q = await defaultKeySource(table)
  else if (custom instanceof QueryExpression) q = custom
  else if (isTableClass(custom)) q = tableOf(custom as unknown as new () => Table)
  else if (typeof custom === 'function') q = await (custom as () => unknown).call(table)
  if (!(q instanceof QueryExpression)) throw new DataJointError(`The keySource of ${table.label} must be a query expression, a table class or a function returning a query.`)
  const missing = q.primaryKey.filter((k) => !table.heading.has(k))
  if (missing.length) throw new DataJointError(`The key source of ${table.label} has key attribute(s) ${missing.join(', ')} that the table lacks.`)
  return q
}

function shuffle<T>(a: T[]): T[] {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1))
    ;[a[i], a[j]] = [a[j]!, a[i]!]
  }
  return a
}

function errorText(err: unknown): string {
  if (err instanceof Error) return err.message ? `${err.name}: ${err.message}` : err.name
  return String(err)
}

/** The populate loop, in the caller's lane (Table.populate runs it as a PopulateTask, see task.ts). */
export async function runPopulate(table: Table, restrictions: Condition[], options: PopulateOptions = {}): Promise<PopulateResult> {
  const conn = table.connection
  if (table.isRestricted) throw new DataJointError(`Cannot populate the restricted table ${table.label}.`, { hint: 'Pass the conditions to populate(...) instead.' })
  const fns = table as unknown as MakeFns
  const threePart = typeof fns.makeFetch === 'function' && typeof fns.makeCompute === 'function' && typeof fns.makeInsert === 'function'
  if (!threePart && typeof fns.make !== 'function') {
    throw new DataJointError(`${table.label} has no make(key) method.`, { hint: 'Define async make(key) { ... } that inserts the rows for the key (or makeFetch, makeCompute and makeInsert).' })
  }
  const source = (await keySourceOf(table)).restrict(...restrictions)
  const jobs = options.reserveJobs ? jobsOf(table) : null
  let keys: Row[]
  if (jobs) {
    await jobs.refresh(source)
    keys = await jobs.pending(source, options.limit)
  } else {
    keys = await source.proj().exclude(table.proj()).keys(options.limit !== undefined ? { limit: options.limit, orderBy: 'KEY' } : {})
  }
  if (options.order === 'reverse') keys.reverse()
  else if (options.order === 'random') shuffle(keys)
  else if (options.order !== undefined && options.order !== 'original') throw new DataJointError(`populate order must be 'original', 'reverse' or 'random', not "${options.order}".`)
  if (options.maxCalls !== undefined) keys = keys.slice(0, options.maxCalls)

  const parts = [...table.info.parts.values()]
  const allowed = [table.constructor, ...parts]
  const result: PopulateResult = { successCount: 0, errors: [], skipped: 0 }
  const started = Date.now()
  const emit = (e: PopulateEvent) => options.onEvent?.(e)
  const counts = () => {
    const done = result.successCount + result.errors.length + result.skipped
    const elapsed = (Date.now() - started) / 1000
    const rate = elapsed > 0 ? done / elapsed : 0
    return { done, failed: result.errors.length, total: keys.length, rate, eta: rate > 0 ? (keys.length - done) / rate : null }
  }
  emit({ type: 'start', table: table.className, total: keys.length })

  // one loop per lane: with concurrency N, N keys are made at once, each on a session of its own
  const queue = keys.slice()
  let failure: { err: unknown; key: Row } | null = null
  const makeKeys = async () => {
    while (queue.length && failure === null && !options.signal?.aborted) {
      const key = queue.shift()!
      if (jobs && !(await jobs.reserve(key))) {
        result.skipped++
        emit({ type: 'skipped', table: table.className, key, ...counts() })
        continue
      }
      emit({ type: 'started', table: table.className, key, ...counts() })
      const t0 = Date.now()
      const complete = async () => {
        if (jobs) await jobs.complete(key, (Date.now() - t0) / 1000)
      }
      try {
        let made = true
        await withDirectInsert(allowed, async () => {
          if (threePart) {
            const fetched = await fns.makeFetch!.call(table, { ...key })
            const computed = await fns.makeCompute!.call(table, { ...key }, fetched)
            await conn.transaction(async () => {
              if (await table.restrict(key).exists()) return (made = false)
              const again = await fns.makeFetch!.call(table, { ...key })
              if (!pack(again, { compress: false }).equals(pack(fetched, { compress: false }))) {
                throw new DataJointError(`The inputs of ${table.className} for ${JSON.stringify(key)} changed while it was computed; nothing was inserted.`, {
                  hint: 'Populate again to compute with the new inputs.',
                })
              }
              await fns.makeInsert!.call(table, { ...key }, computed, fetched)
              await complete()
            })
          } else {
            // the key was missing when the keys were listed; if another process made it since,
            // make's insert meets the primary key and the key counts as skipped
            try {
              await conn.transaction(async () => {
                await fns.make!.call(table, { ...key })
                await complete()
              })
            } catch (err) {
              if (!(err instanceof DuplicateError) || !(await table.restrict(key).exists())) throw err
              made = false
              await complete()
            }
          }
        })
        if (made) result.successCount++
        else result.skipped++
        emit({ type: 'done', table: table.className, key, ...counts() })
      } catch (err) {
        // cancelled at once: the key was rolled back with the session, there is nothing to record
        if (err instanceof CancelledError) {
          failure ??= { err, key }
          return
        }
        const message = errorText(err)
        if (jobs) {
          try {
            await jobs.error(key, message, (err as Error)?.stack ?? message)
          } catch (e2) {
            log.error(`Could not record the error of ${table.className} ${JSON.stringify(key)} in its job queue: ${errorText(e2)}`)
          }
        }
        result.errors.push({ key, error: message })
        emit({ type: 'error', table: table.className, key, error: message, ...counts() })
        if (!options.suppressErrors) failure ??= { err, key }
      }
    }
  }
  const concurrency = options.concurrency ?? 1
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new DataJointError(`populate concurrency must be a whole number of at least 1, not ${concurrency}.`)
  const here = Lane.current()
  const lanes = Array.from({ length: Math.min(concurrency, keys.length) - 1 }, (_, i) => new Lane(`${here?.name ?? `populate of ${table.className}`}, lane ${i + 2}`, here))
  try {
    await Promise.all([makeKeys(), ...lanes.map((l) => l.run(makeKeys))])
  } finally {
    await Promise.all(lanes.map((l) => l.end()))
  }
  emit({ type: 'end', table: table.className, ...counts() })
  // assigned inside the loops, which the compiler does not follow
  const failed = failure as { err: unknown; key: Row } | null
  if (failed) {
    const { err, key } = failed
    throw err instanceof DataJointError && !(err instanceof CancelledError) ? err.suggest(`while populating ${table.className} for ${JSON.stringify(key)}`) : err
  }
  return result
}

export interface Progress {
  total: number
  remaining: number
  done: number
}

/** How many keys of the key source are done and how many remain. */
export async function progress(table: Table, restrictions: Condition[]): Promise<Progress> {
  const source = (await keySourceOf(table)).restrict(...restrictions)
  const [total, remaining] = await Promise.all([source.proj().count(), source.proj().exclude(table.proj()).count()])
  return { total, remaining, done: total - remaining }
}
