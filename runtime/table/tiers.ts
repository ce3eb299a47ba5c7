/**
 * The table tiers. Manual rows are entered by people or scripts; Lookup tables hold reference
 * values (their `contents` are inserted on declaration); Imported and Computed rows are made by
 * `make` during populate; Part rows belong to a row of their master and are made with it.
 */
import type { JobQueue } from '../populate/jobs.js'
import { jobsOf, keySourceOf, type PopulateOptions, type PopulateResult, type Progress, progress } from '../populate/populate.js'
import { type PopulateTask, startPopulate } from '../populate/task.js'
import type { Condition } from '../query/condition.js'
import type { QueryExpression } from '../query/expression.js'
import { Table, tableOf } from './table.js'
import type { Tier } from './naming.js'
import { isPlainObject } from '../plain.js'

export class Manual extends Table {
  static override readonly tier: Tier = 'manual'
}

export class Lookup extends Table {
  static override readonly tier: Tier = 'lookup'
  /** rows inserted (skipping duplicates) when the table is declared */
  static contents?: ReadonlyArray<Record<string, unknown> | readonly unknown[]>
}

const OPTION_KEYS = new Set(['reserveJobs', 'suppressErrors', 'order', 'limit', 'maxCalls', 'concurrency', 'display', 'background', 'onEvent', 'signal', 'priority'])

/** populate's arguments: restrictions, then optionally an object of options. */
function populateArguments(args: Array<Condition | PopulateOptions>): [Condition[], PopulateOptions] {
  const last = args[args.length - 1]
  const isOptions = isPlainObject(last) &&
    Object.keys(last).length > 0 && Object.keys(last).every((k) => OPTION_KEYS.has(k))
  return isOptions ? [args.slice(0, -1) as Condition[], last as PopulateOptions] : [args as Condition[], {}]
}

/** Imported and Computed tables: filled by make(key) through populate. */
export class AutoPopulated extends Table {
  /** the keys to make: a query, a table class, or a function returning a query (default: the primary-key parents) */
  static keySource?: unknown

  /**
   * Calls make(key) for every key of the key source (restricted by the conditions given) that is
   * not in the table yet. The last argument may be options: { reserveJobs, suppressErrors,
   * order, limit, maxCalls, display, background, onEvent, signal }. With `background: true` it
   * returns a PopulateTask at once (progress, cancel(), result) and computes on a session of its own.
   */
  populate(...args: [...restrictions: Condition[], options: PopulateOptions & { background: true }]): PopulateTask
  populate(...args: Array<Condition | PopulateOptions>): Promise<PopulateResult>
  populate(...args: Array<Condition | PopulateOptions>): Promise<PopulateResult> | PopulateTask {
    const [restrictions, options] = populateArguments(args)
    try {
      const task = startPopulate(this, restrictions, options)
      return options.background ? task : task.result
    } catch (e) {
      if (options.background) throw e
      return Promise.reject(e)
    }
  }
  /** { total, remaining, done } for the key source (restricted by the conditions given). */
  progress(...restrictions: Condition[]): Promise<Progress> {
    return progress(this, restrictions)
  }
  /** The job queue (`~~name`) used by populate({ reserveJobs: true }). */
  get jobs(): JobQueue {
    return jobsOf(this)
  }
  /** The key source, resolved. */
  keySource(): Promise<QueryExpression> {
    return keySourceOf(this)
  }

  static populate(this: new () => AutoPopulated, ...args: [...restrictions: Condition[], options: PopulateOptions & { background: true }]): PopulateTask
  static populate(this: new () => AutoPopulated, ...args: Array<Condition | PopulateOptions>): Promise<PopulateResult>
  static populate(this: new () => AutoPopulated, ...args: Array<Condition | PopulateOptions>): Promise<PopulateResult> | PopulateTask {
    return tableOf(this).populate(...(args as Array<Condition | PopulateOptions>))
  }
  static progress(this: new () => AutoPopulated, ...restrictions: Condition[]): Promise<Progress> {
    return tableOf(this).progress(...restrictions)
  }
  static get jobs(): JobQueue {
    return tableOf(this as unknown as new () => AutoPopulated).jobs
  }
}

export class Imported extends AutoPopulated {
  static override readonly tier: Tier = 'imported'
}

export class Computed extends AutoPopulated {
  static override readonly tier: Tier = 'computed'
}

export class Part extends Table {
  static override readonly tier: Tier = 'part'
}

export const isPartClass = (v: unknown): v is typeof Part => typeof v === 'function' && v.prototype instanceof Part
export const isTableClass = (v: unknown): v is typeof Table => typeof v === 'function' && v.prototype instanceof Table
