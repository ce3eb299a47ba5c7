/**
 * Restrictions: the conditions of `restrict` and `exclude`. A condition is an object (equality on
 * the attributes it shares with the heading; others are ignored, as in DataJoint), an array (OR),
 * a string of SQL, a `dj.sql` fragment with bound values, `dj.and` / `dj.not`, another query
 * (semijoin on the shared attributes), or `true` / `false`.
 */
import type { Dialect } from '../dialect/dialect.js'
import { DataJointError } from '../errors.js'
import type { Heading } from '../heading/heading.js'
import { encoderFor } from './values.js'

/** SQL text with `?` placeholders and their values. */
export class SqlFragment {
  constructor(readonly sql: string, readonly params: readonly unknown[] = []) {}
  toString(): string {
    return this.sql
  }
}

/** A tagged template whose interpolations become bound values: dj.sql`dob > ${date}`. */
export function sql(strings: TemplateStringsArray, ...values: unknown[]): SqlFragment {
  let text = strings[0]!
  const params: unknown[] = []
  values.forEach((v, i) => {
    if (v instanceof SqlFragment) {
      text += v.sql
      params.push(...v.params)
    } else {
      text += '?'
      params.push(v instanceof Date ? v.toISOString().slice(0, 19).replace('T', ' ') : v)
    }
    text += strings[i + 1]!
  })
  return new SqlFragment(text, params)
}

export class AndList {
  constructor(readonly items: readonly Condition[]) {}
}
export class Not {
  constructor(readonly item: Condition) {}
}

/** All of the conditions (a restriction by an array means any of them). */
export const and = (...items: Condition[]) => new AndList(items)
/** The negation of a condition: `A.restrict(dj.not(c))` is `A.exclude(c)`. */
export const not = (item: Condition) => new Not(item)

/** Anything a query can be restricted by: a table class stands for all its rows (`A.exclude(B)`). */
export type Condition = Record<string, unknown> | readonly Condition[] | string | SqlFragment | AndList | Not | boolean | Restrictor | (new () => Restrictor)

/** A query as a restriction operand: it compiles itself to a subquery over given attributes. */
export interface Restrictor {
  readonly heading: Heading
  /** SELECT of the given attributes (DISTINCT) with its parameters */
  subquery(attributes: readonly string[]): SqlFragment
}

const isRestrictor = (c: unknown): c is Restrictor =>
  typeof c === 'object' && c !== null && typeof (c as Restrictor).subquery === 'function' && 'heading' in c

const TRUE = new SqlFragment('TRUE')
const FALSE = new SqlFragment('FALSE')

/** Compiles a condition against the heading of the query it restricts. */
export function compileCondition(c: Condition, heading: Heading, dialect: Dialect, table: string): SqlFragment {
  if (c === true) return TRUE
  if (c === false) return FALSE
  // callers parenthesise each condition where they combine them
  if (typeof c === 'string') return new SqlFragment(c)
  if (c instanceof SqlFragment) return c
  if (c instanceof Not) {
    const inner = compileCondition(c.item, heading, dialect, table)
    return new SqlFragment(`NOT (${inner.sql})`, inner.params)
  }
  if (c instanceof AndList) return combine(c.items.map((i) => compileCondition(i, heading, dialect, table)), 'AND', TRUE)
  if (Array.isArray(c)) return combine(c.map((i) => compileCondition(i, heading, dialect, table)), 'OR', FALSE)
  // a table class inside an array, dj.and or dj.not: all its rows
  if (typeof c === 'function' && typeof (c.prototype as Partial<Restrictor> | undefined)?.subquery === 'function') c = new c()
  if (isRestrictor(c)) {
    const common = heading.names.filter((n) => c.heading.has(n))
    const sub = c.subquery(common)
    if (common.length === 0) return new SqlFragment(`EXISTS (${sub.sql})`, sub.params)
    const cols = common.map((n) => dialect.quote(n)).join(',')
    return new SqlFragment(`(${cols}) IN (${sub.sql})`, sub.params)
  }
  if (typeof c === 'object' && c !== null) {
    if (c instanceof Map) throw new DataJointError('Restrict by a plain object, not a Map.', { hint: 'Use Object.fromEntries(map).' })
    const parts: string[] = []
    const params: unknown[] = []
    for (const [k, v] of Object.entries(c)) {
      const attr = heading.get(k)
      if (!attr || attr.isHidden || v === undefined) continue // DataJoint ignores attributes not in the heading
      if (v === null) {
        parts.push(`${dialect.quote(k)} IS NULL`)
        continue
      }
      if (attr.isBlob || attr.codec) {
        throw new DataJointError(`Cannot restrict ${table} by the blob attribute "${k}".`, { hint: 'Restrict by primary-key or scalar attributes.' })
      }
      parts.push(`${dialect.quote(k)}=?`)
      params.push(encoderFor(attr, table)(v))
    }
    return parts.length ? new SqlFragment(parts.join(' AND '), params) : TRUE
  }
  throw new DataJointError(`Cannot restrict ${table} by a ${typeof c}.`, {
    hint: 'Restrict by an object, an array (OR), a string, dj.sql`...`, dj.and(...), dj.not(...), another query, true or false.',
  })
}

function combine(parts: SqlFragment[], op: 'AND' | 'OR', empty: SqlFragment): SqlFragment {
  if (parts.length === 0) return empty
  if (parts.length === 1) return parts[0]!
  return new SqlFragment(parts.map((p) => `(${p.sql})`).join(` ${op} `), parts.flatMap((p) => p.params))
}
