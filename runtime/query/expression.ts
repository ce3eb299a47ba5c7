/**
 * Query expressions: immutable and lazy. Every operator returns a new expression; nothing runs
 * until fetch, count, delete or display. An expression is one SELECT: a heading, a FROM clause
 * (a table, a join, or a subquery), the restrictions (WHERE), and optionally computed attributes,
 * a GROUP BY, DISTINCT and an order/limit. An operator that cannot extend the SELECT it is
 * given wraps it as a subquery first, so every combination is correct.
 */
import type { Connection } from '../connection/connection.js'
import { DataJointError } from '../errors.js'
import { type Attribute, computedAttribute } from '../heading/attribute.js'
import type { Heading } from '../heading/heading.js'
import { type Condition, compileCondition, Not, type Restrictor, SqlFragment } from './condition.js'
import { display, type MimeBundle } from '../display.js'
import { previewBundle, previewHtml, previewText } from './preview.js'
import { Top } from './top.js'
import { download } from '../storage/external.js'
import { type Decoder, decoderFor } from './values.js'

export interface FetchOptions {
  /** `objects` (default): one object per row; `columns`: one array (typed where possible) per attribute */
  format?: 'objects' | 'columns'
  /** `"name"`, `"name desc"`, an array of those, or `"KEY"` / `"KEY DESC"` for the primary key */
  orderBy?: string | readonly string[]
  limit?: number
  offset?: number
}

/** A fetched row. Its values are `any`, so that a notebook cell can use them without casts. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Row = Record<string, any>

/** One attribute of the SELECT list that is not a plain column: its SQL over the FROM clause. */
export type SelectMap = ReadonlyMap<string, string>

interface Ordering {
  orderBy: string[]
  limit?: number
  offset?: number
}

let aliasCounter = 0
/** A fresh subquery alias (`$1a`, ...), unique in the process. */
export const nextAlias = () => `$${(++aliasCounter).toString(16)}`

const isQueryClass = (v: unknown): v is new () => QueryExpression =>
  typeof v === 'function' && v.prototype instanceof QueryExpression

/** A query expression, or a table class standing for all its rows. */
export type Operand = QueryExpression | (new () => QueryExpression)

export function asExpression(v: unknown, what: string): QueryExpression {
  if (v instanceof QueryExpression) return v
  if (isQueryClass(v)) return new v()
  throw new DataJointError(`${what} expects a query expression or a table class, got ${v === null ? 'null' : typeof v}.`)
}

export abstract class QueryExpression implements Restrictor {
  /** conditions joined by AND; each already compiled against the heading */
  protected _restrictions: readonly SqlFragment[] = []

  abstract get connection(): Connection
  abstract get heading(): Heading
  /** how the expression is named in messages */
  abstract get label(): string
  /** the FROM clause: a table name, a join, or a subquery with its parameters */
  protected abstract fromClause(): SqlFragment
  /** computed and renamed attributes; null when every attribute is a plain column */
  protected selectMap(): SelectMap | null {
    return null
  }
  protected groupBy(): readonly string[] | null {
    return null
  }
  protected isDistinct(): boolean {
    return false
  }
  protected ordering(): Ordering | null {
    return null
  }
  /** the visible columns the FROM clause provides (more than the heading after a projection) */
  protected fromColumns(): readonly string[] {
    return this.heading.names
  }

  get primaryKey(): string[] {
    return this.heading.primaryKey
  }
  get isRestricted(): boolean {
    return this._restrictions.length > 0
  }
  /** whether restrictions and columns can be added to this SELECT as it is */
  get isSimple(): boolean {
    return this.selectMap() === null && this.groupBy() === null && !this.isDistinct() && this.ordering() === null
  }
  /** simple, and its FROM has no columns beyond the heading (which another operand could collide with) */
  get isPlain(): boolean {
    if (!this.isSimple) return false
    const names = new Set(this.heading.names)
    return this.fromColumns().every((c) => names.has(c))
  }

  /** A copy of this expression (same class) with other restrictions. */
  protected withRestrictions(restrictions: readonly SqlFragment[]): this {
    // a prototype copy keeps the class (a restricted table is still a table); this is why
    // expressions have no #private members: copies made this way would not carry them
    const copy = Object.create(Object.getPrototypeOf(this)) as this
    Object.assign(copy, this)
    copy._restrictions = restrictions
    return copy
  }

  /** This expression as a subquery: `SELECT ... FROM (<this>) AS $n`. */
  asSubquery(): QueryExpression {
    const inner = this.toSQL()
    return new Derived({
      connection: this.connection,
      heading: this.heading.derive(this.heading.attributes),
      from: new SqlFragment(`(${inner.sql}) AS ${this.connection.dialect.quote(nextAlias())}`, inner.params),
      label: this.label,
    })
  }

  /** Rows matching all the conditions given (DataJoint's `&`). */
  restrict(...conditions: Array<Condition | Top | Universal>): QueryExpression {
    let q: QueryExpression = this
    for (const c of conditions) q = q.restrictOne(c)
    return q
  }

  protected restrictOne(c: Condition | Top | Universal): QueryExpression {
    if (c instanceof Universal) return this
    const base = this.isSimple ? this : this.asSubquery()
    if (c instanceof Top) return Derived.from(base, { ordering: { orderBy: base.orderItems(c.orderBy), limit: c.limit, offset: c.offset } })
    const cond = isQueryClass(c) ? new c() : c
    if (cond instanceof QueryExpression) assertJoinable(base, cond, 'restrict')
    const compiled = compileCondition(cond, base.heading, base.connection.dialect, base.label)
    if (compiled.sql === 'TRUE') return base
    return base.withRestrictions([...base._restrictions, compiled])
  }

  /** Rows matching none of the conditions given (DataJoint's `-`). */
  exclude(...conditions: Condition[]): QueryExpression {
    // a table class inside dj.not stands for all its rows (compileCondition)
    return this.restrict(...conditions.map((c) => new Not(c)))
  }

  /** The restriction as one condition (AND of all), or null when unrestricted. */
  restrictionSql(): SqlFragment | null {
    if (this._restrictions.length === 0) return null
    return new SqlFragment(this._restrictions.map((r) => `(${r.sql})`).join(' AND '), this._restrictions.flatMap((r) => r.params))
  }

  /** The WHERE clause (empty string when unrestricted). */
  whereClause(): SqlFragment {
    const r = this.restrictionSql()
    return r ? new SqlFragment(` WHERE ${r.sql}`, r.params) : new SqlFragment('')
  }

  /** `SELECT DISTINCT attributes ...` of this expression, to be used as a restriction operand. */
  subquery(attributes: readonly string[]): SqlFragment {
    if (this.ordering()) return this.asSubquery().subquery(attributes)
    return this.toSQL({}, attributes, { distinct: true })
  }

  // --- projection -----------------------------------------------------------------------

  /**
   * Keeps, renames, excludes and computes attributes; the primary key is always kept.
   * `proj()` the key only; `proj('a', 'b')`; `proj('...', '-c')` all but c;
   * `proj({ new_name: 'old_name', total: 'a + b' })` renames and computes.
   */
  proj(...args: Array<string | Record<string, string>>): QueryExpression {
    const heading = this.heading
    const keep = new Set<string>()
    const excluded = new Set<string>()
    const named: Array<[string, string]> = []
    for (const a of args) {
      if (typeof a === 'string') {
        if (a === '...') for (const n of heading.secondaryAttributes) keep.add(n)
        else if (a.startsWith('-')) excluded.add(a.slice(1).trim())
        else keep.add(a.trim())
      } else if (a !== null && typeof a === 'object') {
        for (const [k, v] of Object.entries(a)) {
          if (typeof v !== 'string') throw new DataJointError(`proj on ${this.label}: the value of "${k}" must be an attribute name or an SQL expression string.`)
          named.push([k, v.trim()])
        }
      } else {
        throw new DataJointError(`proj on ${this.label}: arguments are attribute names or an object of new names.`)
      }
    }
    for (const n of [...keep, ...excluded]) {
      if (!heading.has(n)) throw new DataJointError(`proj on ${this.label}: attribute "${n}" not found.`, { hint: `The attributes are ${heading.names.join(', ')}.` })
    }
    for (const n of excluded) {
      if (heading.get(n)!.inKey) throw new DataJointError(`proj on ${this.label}: the primary-key attribute "${n}" cannot be excluded.`)
      keep.delete(n)
    }
    const isName = (v: string) => /^[a-z_][a-z0-9_]*$/i.test(v) && heading.has(v)
    const renames = new Map<string, string>() // old → new
    const copies: Array<[string, string]> = [] // new, old: `new: '(old)'` keeps the original too
    const computed: Array<[string, string]> = []
    for (const [n, v] of named) {
      const dup = /^\(\s*([a-z_][a-z0-9_]*)\s*\)$/i.exec(v)
      if (isName(v)) {
        if (renames.has(v)) throw new DataJointError(`proj on ${this.label}: "${v}" is renamed twice.`)
        renames.set(v, n)
      } else if (dup && heading.has(dup[1]!)) copies.push([n, dup[1]!])
      else computed.push([n, v])
    }
    // computed expressions name the attributes of this heading: they need plain columns
    const needsWrap = !this.isSimple && (computed.length > 0 || this.groupBy() !== null || this.isDistinct() || this.ordering() !== null)
    const base: QueryExpression = needsWrap ? this.asSubquery() : this
    const q = (s: string) => base.connection.dialect.quote(s)
    const current = base.selectMap()
    const sqlOf = (n: string) => current?.get(n) ?? q(n)
    const attributes: Attribute[] = []
    const select = new Map<string, string>()
    const taken = new Set<string>()
    const add = (a: Attribute, sql: string) => {
      if (taken.has(a.name)) throw new DataJointError(`proj on ${this.label}: attribute "${a.name}" already exists.`, { hint: 'Choose another name for the new attribute.' })
      taken.add(a.name)
      attributes.push(a)
      if (sql !== q(a.name)) select.set(a.name, sql)
    }
    for (const a of base.heading.attributes) {
      const newName = renames.get(a.name)
      if (newName !== undefined) add({ ...a, name: newName }, sqlOf(a.name))
      else if (a.inKey || keep.has(a.name)) add(a, sqlOf(a.name))
    }
    for (const [n, old] of copies) add({ ...base.heading.get(old)!, name: n, inKey: false }, sqlOf(old))
    for (const [n, expr] of computed) add(computedAttribute(n), expr)
    return Derived.from(base, { heading: base.heading.derive(attributes), select: select.size ? select : null })
  }

  // --- join -----------------------------------------------------------------------------

  /** Rows of both, matched on all common attributes (DataJoint's `*`). */
  join(other: Operand, options: { semanticCheck?: boolean; left?: boolean } = {}): QueryExpression {
    if (other instanceof Universal) {
      throw new DataJointError('Joining with dj.U(...) is not supported.', { hint: 'Use dj.U(...).restrict(query) or dj.U(...).aggr(query, {...}).' })
    }
    const b = asExpression(other, 'join')
    if (options.semanticCheck !== false) assertJoinable(this, b, 'join')
    const A = this.heading
    const B = b.heading
    const common = A.names.filter((n) => B.has(n))
    // the 2.x primary key: the determining operand's key, else both
    const aDeterminesB = B.primaryKey.every((k) => A.has(k))
    const bDeterminesA = A.primaryKey.every((k) => B.has(k))
    if (options.left && !aDeterminesB) {
      throw new DataJointError(`A left join requires the left operand to determine the right one: ${this.label} lacks ${B.primaryKey.filter((k) => !A.has(k)).join(', ')}.`)
    }
    let pk: string[]
    let first: Heading
    let second: Heading
    if (aDeterminesB) [pk, first, second] = [A.primaryKey, A, B]
    else if (bDeterminesA) [pk, first, second] = [B.primaryKey, B, A]
    else [pk, first, second] = [[...A.primaryKey, ...B.primaryKey.filter((k) => !A.primaryKey.includes(k))], A, B]
    const keySet = new Set(pk)
    let attrs: Attribute[]
    if (aDeterminesB || bDeterminesA) {
      attrs = [...first.attributes, ...second.attributes.filter((a) => !first.has(a.name))]
    } else {
      const all = [...A.attributes, ...B.attributes.filter((a) => !A.has(a.name))]
      attrs = [...pk.map((k) => all.find((a) => a.name === k)!), ...all.filter((a) => !keySet.has(a.name))]
    }
    attrs = attrs.map((a) => ({ ...a, inKey: keySet.has(a.name) }))
    const d = this.connection.dialect
    const left = this.joinOperand(common.length > 0)
    const right = b.joinOperand(common.length > 0, true)
    const on = common.length
      ? ` USING (${common.map(d.quote).join(', ')})`
      : options.left ? ' ON TRUE' : ''
    const kind = options.left ? 'LEFT JOIN' : common.length ? 'JOIN' : 'CROSS JOIN'
    const where = [...left.restrictions, ...right.restrictions]
    return new Derived({
      connection: this.connection,
      heading: A.derive(attrs),
      from: new SqlFragment(`${left.from.sql} ${kind} ${right.from.sql}${on}`, [...left.from.params, ...right.from.params]),
      restrictions: where,
      fromColumns: [...new Set([...left.columns, ...right.columns])],
      label: `${this.label} * ${b.label}`,
    })
  }

  /** The FROM item of this expression inside a join, and the restrictions that move up with it. */
  protected joinOperand(hasCommon: boolean, right = false): { from: SqlFragment; restrictions: SqlFragment[]; columns: readonly string[] } {
    // a plain table (or join) joins as it is and its restrictions go to the joined WHERE;
    // anything else, or a join chain on the right, becomes a subquery
    const chain = /\bJOIN\b/.test(this.fromClause().sql)
    if (this.isPlain && !(right && chain && hasCommon)) return { from: this.fromClause(), restrictions: [...this._restrictions], columns: this.fromColumns() }
    const s = this.asSubquery()
    return { from: s.fromClause(), restrictions: [], columns: this.heading.names }
  }

  // --- aggregation ----------------------------------------------------------------------

  /**
   * One row per row of this expression with aggregates over the matching rows of `group`:
   * `Course.aggr(Enroll, { n: 'count(*)' })`. Rows without matches are kept (2.x) unless
   * `{ excludeNonmatching: true }`; strings before the object keep attributes of this side.
   */
  aggr(group: Operand, ...args: Array<string | Record<string, string> | AggrOptions>): QueryExpression {
    const { keep, computations, options } = aggrArguments(args, this.label)
    const g = asExpression(group, 'aggr')
    const A = this.heading
    const missing = A.primaryKey.filter((k) => !g.heading.has(k))
    if (missing.length) {
      throw new DataJointError(`aggr of ${g.label} by ${this.label}: the group lacks the primary-key attribute(s) ${missing.join(', ')}.`, {
        hint: 'Aggregation requires the group expression to contain all primary key attributes of the grouping expression.',
      })
    }
    if (options.semanticCheck !== false) assertJoinable(this, g, 'aggr')
    const base: QueryExpression = this.isPlain ? this : this.asSubquery()
    const d = base.connection.dialect
    const common = A.names.filter((n) => g.heading.has(n))
    // the group is joined as a subquery unless it is a bare table: its restrictions must not filter the grouping side
    const gFrom = g.isPlain && !g.isRestricted && !/\bJOIN\b/.test(g.fromClause().sql) ? g.fromClause() : g.asSubquery().fromClause()
    const kind = options.excludeNonmatching || options.keepAllRows === false ? 'JOIN' : 'LEFT JOIN'
    const keepNames = new Set<string>(keep.includes('...') ? A.secondaryAttributes : keep)
    for (const k of keepNames) if (!A.has(k)) throw new DataJointError(`aggr on ${this.label}: attribute "${k}" not found.`)
    const attributes: Attribute[] = [...A.attributes.filter((a) => a.inKey || keepNames.has(a.name))]
    const select = new Map<string, string>()
    for (const [n, expr] of computations) {
      if (attributes.some((a) => a.name === n)) throw new DataJointError(`aggr on ${this.label}: attribute "${n}" already exists.`)
      attributes.push(computedAttribute(n))
      select.set(n, expr)
    }
    return new Derived({
      connection: base.connection,
      heading: A.derive(attributes),
      from: new SqlFragment(`${base.fromClause().sql} ${kind} ${gFrom.sql}${common.length ? ` USING (${common.map(d.quote).join(', ')})` : ' ON TRUE'}`, [...base.fromClause().params, ...gFrom.params]),
      restrictions: [...base._restrictions],
      select,
      groupBy: A.primaryKey,
      label: `${this.label}.aggr(${g.label})`,
    })
  }

  // --- union ----------------------------------------------------------------------------

  /** Rows of either (DataJoint's `+`): same primary key, no shared secondary attributes. */
  union(other: Operand): QueryExpression {
    const b = asExpression(other, 'union')
    const A = this.heading
    const B = b.heading
    const same = A.primaryKey.length === B.primaryKey.length && A.primaryKey.every((k) => B.primaryKey.includes(k))
    if (!same) throw new DataJointError(`The operands of a union must share the same primary key: (${A.primaryKey.join(', ')}) vs (${B.primaryKey.join(', ')}).`)
    const shared = A.secondaryAttributes.filter((n) => B.has(n))
    if (shared.length) throw new DataJointError(`The operands of a union must not share any secondary attributes (${shared.join(', ')}).`, { hint: 'Project them away or rename them with .proj().' })
    const d = this.connection.dialect
    const q = d.quote
    const pk = A.primaryKey
    let from: SqlFragment
    let attributes: Attribute[]
    if (A.secondaryAttributes.length === 0 && B.secondaryAttributes.length === 0) {
      const a = this.toSQL({}, pk)
      const bs = b.toSQL({}, pk)
      from = new SqlFragment(`((${a.sql}) UNION (${bs.sql})) AS ${q(nextAlias())}`, [...a.params, ...bs.params])
      attributes = A.attributes
    } else {
      // an outer union: A with B's attributes where they match, then B's rows missing from A
      attributes = [...A.attributes, ...B.secondaryAttributes.map((n) => ({ ...B.get(n)!, nullable: true }))]
      const names = attributes.map((a) => a.name)
      const a = this.toSQL()
      const bs = b.toSQL()
      const leftPart = `SELECT ${names.map(q).join(',')} FROM (${a.sql}) AS ${q(nextAlias())} LEFT JOIN (${bs.sql}) AS ${q(nextAlias())} USING (${pk.map(q).join(', ')})`
      const onlyB = b.exclude(this.proj())
      const bOnly = onlyB.toSQL({}, names, { nullFor: new Set(A.secondaryAttributes) })
      from = new SqlFragment(`((${leftPart}) UNION (${bOnly.sql})) AS ${q(nextAlias())}`, [...a.params, ...bs.params, ...bOnly.params])
    }
    return new Derived({ connection: this.connection, heading: A.derive(attributes), from, label: `${this.label} + ${b.label}` })
  }

  // --- SQL ------------------------------------------------------------------------------

  /** The SELECT statement of this expression (DataJoint's make_sql). */
  toSQL(options: FetchOptions = {}, attributes: readonly string[] = this.heading.names, extra: { distinct?: boolean; nullFor?: ReadonlySet<string> } = {}): SqlFragment {
    const own = this.ordering()
    const limited = options.limit !== undefined || options.offset !== undefined
    if (own && (limited || options.orderBy !== undefined)) return this.asSubquery().toSQL(options, attributes, extra)
    const d = this.connection.dialect
    const select = this.selectMap()
    const cols = attributes.map((a) => {
      if (extra.nullFor?.has(a)) return `NULL AS ${d.quote(a)}`
      const e = select?.get(a)
      return e ? `${e} AS ${d.quote(a)}` : d.quote(a)
    })
    const from = this.fromClause()
    const where = this.whereClause()
    const distinct = this.isDistinct() || extra.distinct
    let text = `SELECT ${distinct ? 'DISTINCT ' : ''}${cols.length ? cols.join(',') : '1'} FROM ${from.sql}${where.sql}`
    const group = this.groupBy()
    if (group && group.length) text += ` GROUP BY ${group.map(d.quote).join(', ')}`
    // a limit without an order takes the primary key's order, so that pages are stable
    const ordering = own ?? (limited || options.orderBy !== undefined
      ? { orderBy: this.orderItems(options.orderBy ?? 'KEY'), limit: options.limit, offset: options.offset }
      : null)
    if (ordering) {
      if (ordering.orderBy.length) text += ` ORDER BY ${ordering.orderBy.join(', ')}`
      text += d.limit(ordering.limit, ordering.offset)
    }
    return new SqlFragment(text, [...from.params, ...where.params])
  }

  /** The SQL of this expression as text (values shown as `?`), for tuning and curiosity. */
  sql(options: FetchOptions = {}): string {
    return this.toSQL(options).sql
  }

  protected orderItems(orderBy: FetchOptions['orderBy']): string[] {
    if (orderBy === undefined) return []
    const q = this.connection.dialect.quote
    const items = (typeof orderBy === 'string' ? orderBy.split(',') : [...orderBy].flatMap((o) => o.split(','))).map((s) => s.trim()).filter(Boolean)
    return items.flatMap((item) => {
      const key = /^KEY(\s+(ASC|DESC))?$/i.exec(item)
      if (key) return this.primaryKey.map((k) => q(k) + (key[2] ? ' ' + key[2].toUpperCase() : ''))
      const m = /^([a-z_][a-z0-9_]*)(\s+(asc|desc))?$/i.exec(item)
      if (!m || !this.heading.has(m[1]!)) {
        throw new DataJointError(`Cannot order ${this.label} by "${item}".`, { hint: `Order by attributes of the heading (${this.heading.names.join(', ')}), optionally followed by asc or desc, or by KEY.` })
      }
      return [q(m[1]!) + (m[3] ? ' ' + m[3].toUpperCase() : '')]
    })
  }

  protected decodersFor(attributes: readonly string[]): Array<[string, Decoder]> {
    const out: Array<[string, Decoder]> = []
    for (const a of attributes) {
      const d = decoderFor(this.heading.get(a)!)
      if (d) out.push([a, d])
    }
    return out
  }

  /** Decodes fetched rows in place: column values, then values kept in external stores. */
  protected async decodeRows(rows: Row[], names: readonly string[], decoders = this.decodersFor(names)): Promise<void> {
    if (decoders.length) for (const row of rows) for (const [a, d] of decoders) row[a] = d(row[a])
    await this.downloadExternal(rows, names)
  }

  /** The rows with only the given attributes, decoded (fetch and the previews build on it). */
  async rows(names: readonly string[], options: FetchOptions = {}): Promise<Row[]> {
    const stmt = this.toSQL(options, names)
    const rows = (await this.connection.query(stmt.sql, stmt.params)).rows as Row[]
    await this.decodeRows(rows, names)
    return rows
  }

  protected keyOf(row: Row): Row {
    return Object.fromEntries(this.primaryKey.map((k) => [k, row[k]]))
  }

  /** Values kept in external stores are fetched and decoded after the query. */
  protected async downloadExternal(rows: Row[], names: readonly string[]): Promise<void> {
    const external = names.map((n) => this.heading.get(n)!).filter((a) => a.codec?.store !== null && a.codec?.store !== undefined)
    if (external.length === 0) return
    const database = this.databaseOf()
    const conn = this.connection
    const db = { fetchAll: (sql: string, params: unknown[]) => conn.fetchAll(sql, params), fullName: (s: string, t: string) => conn.dialect.fullName(s, t) }
    await Promise.all(rows.flatMap((row) => external.map(async (a) => {
      row[a.name] = await download(a, row[a.name], database, db)
    })))
  }

  /** The schema of the rows' table (for external paths); expressions over one table keep it. */
  protected databaseOf(): string {
    const m = /`([^`]+)`\.`/.exec(this.fromClause().sql)
    return m ? m[1]! : ''
  }

  protected expandAttributes(attributes: readonly string[]): string[] {
    const out: string[] = []
    for (const a of attributes) {
      if (a === 'KEY') out.push(...this.primaryKey)
      else if (!this.heading.has(a)) throw new DataJointError(`fetch from ${this.label}: attribute "${a}" not found.`, { hint: `The attributes are ${this.heading.names.join(', ')}.` })
      else out.push(a)
    }
    return [...new Set(out)]
  }

  /**
   * The rows. `fetch()` → plain objects; `fetch({ format: 'columns' })` → one array per
   * attribute; `fetch('a', 'b')` → [values of a, values of b] (one attribute: its values);
   * `fetch('KEY')` → primary-key objects. Options (orderBy, limit, offset) come last.
   */
  async fetch(options: FetchOptions & { format: 'columns' }): Promise<Record<string, unknown[] | ArrayLike<number>>>
  async fetch(options?: FetchOptions): Promise<Row[]>
  async fetch(...attributesAndOptions: Array<string | FetchOptions>): Promise<any>
  async fetch(...args: Array<string | FetchOptions | undefined>): Promise<any> {
    const last = args[args.length - 1]
    const options: FetchOptions = last !== undefined && typeof last === 'object' ? last : {}
    const attrs = args.filter((a): a is string => typeof a === 'string')
    if (attrs.length === 0) {
      const names = this.heading.names
      const rows = await this.rows(names, options)
      return options.format === 'columns' ? toColumns(rows, names, this.heading) : rows
    }
    if (attrs.length === 1 && attrs[0] === 'KEY') return this.rows(this.primaryKey, options)
    const names = this.expandAttributes(attrs)
    const rows = await this.rows(names, options)
    const columns = attrs.map((a) => (a === 'KEY' ? rows.map((r) => this.keyOf(r)) : rows.map((r) => r[a])))
    return columns.length === 1 ? columns[0] : columns
  }

  /**
   * The one row of this expression, an error when there are none or several. With attribute
   * names: their values (one name: the value; `'KEY'`: the primary key).
   */
  async fetch1(): Promise<Row>
  async fetch1(...attributes: string[]): Promise<any>
  async fetch1(...attributes: string[]): Promise<any> {
    const names = attributes.length ? this.expandAttributes(attributes) : this.heading.names
    const rows = await this.rows(names)
    if (rows.length !== 1) {
      throw new DataJointError(`fetch1 expects exactly one row of ${this.label}, but the query has ${rows.length === 0 ? 'none' : rows.length}.`, {
        hint: 'Restrict the query to a single primary key first, e.g. Table.restrict(key).fetch1().',
      })
    }
    const row = rows[0]!
    if (attributes.length === 0) return row
    const values = attributes.map((a) => (a === 'KEY' ? this.keyOf(row) : row[a]))
    return values.length === 1 ? values[0] : values
  }

  /** The primary-key values of the rows. */
  async keys(options: Omit<FetchOptions, 'format'> = {}): Promise<Row[]> {
    return this.rows(this.primaryKey, options)
  }

  /** The first rows in primary-key order. */
  head(limit = 25): Promise<Row[]> {
    return this.fetch({ orderBy: 'KEY', limit })
  }

  /** The last rows in primary-key order. */
  async tail(limit = 25): Promise<Row[]> {
    return (await this.fetch({ orderBy: 'KEY DESC', limit })).reverse()
  }

  /** Streams the rows without holding them all in memory. */
  async *[Symbol.asyncIterator](): AsyncIterator<Row> {
    const names = this.heading.names
    const stmt = this.toSQL({}, names)
    const decoders = this.decodersFor(names)
    for await (const row of this.connection.stream(stmt.sql, stmt.params)) {
      await this.decodeRows([row], names, decoders)
      yield row as Row
    }
  }

  async count(): Promise<number> {
    const d = this.connection.dialect
    if (this.isSimple) {
      const from = this.fromClause()
      const where = this.whereClause()
      const rows = await this.connection.fetchAll(`SELECT count(*) AS n FROM ${from.sql}${where.sql}`, [...from.params, ...where.params])
      return Number(rows[0].n)
    }
    const inner = this.toSQL({}, this.primaryKey.length ? this.primaryKey : this.heading.names)
    const rows = await this.connection.fetchAll(`SELECT count(*) AS n FROM (${inner.sql}) AS ${d.quote(nextAlias())}`, inner.params)
    return Number(rows[0].n)
  }

  /** Whether any row matches. */
  async exists(): Promise<boolean> {
    const inner = this.toSQL({}, [])
    const rows = await this.connection.fetchAll(`SELECT EXISTS (${inner.sql}) AS e`, inner.params)
    return Number(rows[0].e) === 1
  }

  /** A text preview in DataJoint's layout: the first rows, the primary key marked, the total. */
  preview(options: { limit?: number; width?: number } = {}): Promise<string> {
    return previewText(this, options)
  }

  /** An HTML table preview for notebooks. */
  previewHtml(options: { limit?: number } = {}): Promise<string> {
    return previewHtml(this, options)
  }

  /** The display protocol of the kernel and REPL: a MIME bundle of this query's preview. */
  async [display](): Promise<MimeBundle> {
    return previewBundle(this)
  }
}

/** Any expression that is not a table: its parts are fixed when it is made. */
export interface DerivedState {
  connection: Connection
  heading: Heading
  from: SqlFragment
  label: string
  restrictions?: readonly SqlFragment[]
  select?: SelectMap | null
  groupBy?: readonly string[] | null
  distinct?: boolean
  ordering?: Ordering | null
  /** visible columns of the FROM clause (default: the heading's) */
  fromColumns?: readonly string[]
}

export class Derived extends QueryExpression {
  readonly state: DerivedState

  constructor(state: DerivedState) {
    super()
    this.state = state
    this._restrictions = state.restrictions ?? []
  }

  /** The same SELECT with some parts replaced. */
  static from(q: QueryExpression, change: Partial<Omit<DerivedState, 'connection'>>): Derived {
    const s = q as unknown as { fromClause(): SqlFragment; selectMap(): SelectMap | null; groupBy(): readonly string[] | null; isDistinct(): boolean; ordering(): Ordering | null; fromColumns(): readonly string[]; _restrictions: readonly SqlFragment[] }
    return new Derived({
      connection: q.connection,
      heading: q.heading,
      from: s.fromClause(),
      label: q.label,
      restrictions: s._restrictions,
      select: s.selectMap(),
      groupBy: s.groupBy(),
      distinct: s.isDistinct(),
      ordering: s.ordering(),
      fromColumns: s.fromColumns(),
      ...change,
    })
  }

  get connection(): Connection {
    return this.state.connection
  }
  get heading(): Heading {
    return this.state.heading
  }
  get label(): string {
    return this.state.label
  }
  protected fromClause(): SqlFragment {
    return this.state.from
  }
  protected override selectMap(): SelectMap | null {
    return this.state.select ?? null
  }
  protected override groupBy(): readonly string[] | null {
    return this.state.groupBy ?? null
  }
  protected override isDistinct(): boolean {
    return this.state.distinct ?? false
  }
  protected override ordering(): Ordering | null {
    return this.state.ordering ?? null
  }
  protected override fromColumns(): readonly string[] {
    return this.state.fromColumns ?? this.heading.names
  }
  override toString(): string {
    return `${this.label}: ${this.sql()}`
  }
}

export interface AggrOptions {
  /** drop rows of the grouping side that have no match (2.x default: keep them) */
  excludeNonmatching?: boolean
  /** the 0.14 spelling: false drops non-matching rows */
  keepAllRows?: boolean
  semanticCheck?: boolean
}

const AGGR_OPTION_KEYS = new Set(['excludeNonmatching', 'keepAllRows', 'semanticCheck'])

function aggrArguments(args: Array<string | Record<string, string> | AggrOptions>, label: string) {
  const keep: string[] = []
  const computations: Array<[string, string]> = []
  let options: AggrOptions = {}
  for (const a of args) {
    if (typeof a === 'string') keep.push(a)
    else if (a && typeof a === 'object' && Object.keys(a).length > 0 && Object.keys(a).every((k) => AGGR_OPTION_KEYS.has(k))) options = a as AggrOptions
    else if (a && typeof a === 'object') {
      for (const [k, v] of Object.entries(a)) {
        if (typeof v !== 'string') throw new DataJointError(`aggr on ${label}: the computation "${k}" must be an SQL expression string such as 'count(*)'.`)
        computations.push([k, v])
      }
    }
  }
  return { keep, computations, options }
}

/** DataJoint's join compatibility (2.x semantic matching): namesakes must share their lineage. */
export function assertJoinable(a: QueryExpression, b: QueryExpression, op: string): void {
  if (a.connection !== b.connection) {
    throw new DataJointError(`Cannot ${op} expressions from different connections (${a.label}, ${b.label}).`)
  }
  if (!a.heading.lineageAvailable || !b.heading.lineageAvailable) return
  for (const name of a.heading.names) {
    if (!b.heading.has(name)) continue
    const la = a.heading.get(name)!.lineage
    const lb = b.heading.get(name)!.lineage
    if (la === null || lb === null) {
      throw new DataJointError(`Cannot ${op} ${a.label} and ${b.label} on attribute "${name}": it has no lineage on ${la === null ? 'the left' : 'the right'} side (a secondary attribute of its own table, or computed).`, {
        hint: 'Rename one of the attributes with .proj(), or pass { semanticCheck: false } to match namesakes anyway.',
      })
    }
    if (la !== lb) {
      throw new DataJointError(`Cannot ${op} ${a.label} and ${b.label} on attribute "${name}": different lineages (${la} vs ${lb}).`, {
        hint: 'Use .proj() to rename one of the attributes, or pass { semanticCheck: false }.',
      })
    }
  }
}

const INT32 = /^((tiny|small|medium)?int|integer)\b(?!.*unsigned)/i
const UINT32 = /^(tiny|small|medium)?int\b.*unsigned/i
const FLOAT = /^(float|double|real)\b/i

/** Columns of rows; numeric columns without nulls become typed arrays. */
function toColumns(rows: Row[], names: readonly string[], heading: Heading): Record<string, unknown[] | ArrayLike<number>> {
  const out: Record<string, unknown[] | ArrayLike<number>> = {}
  for (const n of names) {
    const values = rows.map((r) => r[n])
    const a = heading.get(n)!
    const plain = !a.codec && !a.isBool && values.every((v) => typeof v === 'number')
    if (plain && FLOAT.test(a.sqlType)) out[n] = Float64Array.from(values as number[])
    else if (plain && INT32.test(a.sqlType)) out[n] = Int32Array.from(values as number[])
    else if (plain && UINT32.test(a.sqlType)) out[n] = Uint32Array.from(values as number[])
    else out[n] = values
  }
  return out
}

/**
 * `dj.U('a', 'b')`: all combinations of the named attributes. Restricted by a query it gives the
 * distinct combinations present there; `aggr` groups another query by them.
 */
export class Universal {
  readonly attributes: readonly string[]
  constructor(attributes: readonly string[]) {
    this.attributes = attributes
  }

  restrict(query: Operand): QueryExpression {
    if (!(query instanceof QueryExpression) && !isQueryClass(query)) {
      throw new DataJointError('dj.U(...) can only be restricted by a query expression.', { hint: 'Restrict the query itself, then take dj.U(...).restrict(query).' })
    }
    const q = asExpression(query, 'dj.U(...).restrict')
    const missing = this.attributes.filter((a) => !q.heading.has(a))
    if (missing.length) throw new DataJointError(`dj.U(${this.attributes.join(', ')}) restricted by ${q.label}: it has no attribute ${missing.join(', ')}.`)
    const base = q.isSimple ? q : q.asSubquery()
    const attributes = this.attributes.map((n) => ({ ...base.heading.get(n)!, inKey: true }))
    return Derived.from(base, { heading: base.heading.derive(attributes), select: null, distinct: true, label: `dj.U(${this.attributes.join(', ')}) & ${q.label}` })
  }

  aggr(group: Operand, ...args: Array<string | Record<string, string> | AggrOptions>): QueryExpression {
    const { computations, options } = aggrArguments(args, 'dj.U')
    if (options.keepAllRows || options.excludeNonmatching === false) {
      throw new DataJointError('dj.U(...).aggr cannot keep non-matching rows: dj.U has no rows of its own.')
    }
    const g = asExpression(group, 'dj.U(...).aggr')
    const missing = this.attributes.filter((a) => !g.heading.has(a))
    if (missing.length) throw new DataJointError(`dj.U(${this.attributes.join(', ')}).aggr(${g.label}): the group has no attribute ${missing.join(', ')}.`)
    const base = g.isSimple ? g : g.asSubquery()
    const attributes: Attribute[] = this.attributes.map((n) => ({ ...base.heading.get(n)!, inKey: true }))
    const select = new Map<string, string>()
    for (const [n, expr] of computations) {
      attributes.push(computedAttribute(n))
      select.set(n, expr)
    }
    return Derived.from(base, {
      heading: base.heading.derive(attributes),
      select,
      groupBy: this.attributes.length ? this.attributes : [],
      label: `dj.U(${this.attributes.join(', ')}).aggr(${g.label})`,
    })
  }
}

/** `dj.U(...attributes)`. */
export const U = (...attributes: string[]) => new Universal(attributes)
