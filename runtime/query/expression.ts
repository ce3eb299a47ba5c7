/**
 * Query expressions: immutable and lazy. Every operator returns a new expression; nothing runs
 * until fetch, count, delete or display. A table is the simplest expression (its rows); a
 * restriction adds a condition. The rest of the algebra (join, proj, aggr, union) builds on the
 * same pieces: a heading, a FROM clause and the conditions.
 */
import type { Connection } from '../connection/connection.js'
import { DataJointError } from '../errors.js'
import type { Heading } from '../heading/heading.js'
import { type Condition, compileCondition, Not, type Restrictor, SqlFragment } from './condition.js'
import { type Decoder, decoderFor } from './values.js'

export interface FetchOptions {
  /** `objects` (default): one object per row; `columns`: one array per attribute */
  format?: 'objects' | 'columns'
  /** `"name"`, `"name desc"`, an array of those, or `"KEY"` for the primary key */
  orderBy?: string | readonly string[]
  limit?: number
  offset?: number
}

export type Row = Record<string, unknown>

export abstract class QueryExpression implements Restrictor {
  /** conditions joined by AND; each already compiled against the heading */
  protected _restrictions: readonly SqlFragment[] = []

  abstract get connection(): Connection
  abstract get heading(): Heading
  /** how the expression is named in messages */
  abstract get label(): string
  /** the FROM clause: a table name, or a subquery with its parameters */
  protected abstract fromClause(): SqlFragment

  get primaryKey(): string[] {
    return this.heading.primaryKey
  }
  get isRestricted(): boolean {
    return this._restrictions.length > 0
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

  /** Rows matching all the conditions given (DataJoint's `&`). */
  restrict(...conditions: Condition[]): this {
    const d = this.connection.dialect
    const compiled = conditions.map((c) => compileCondition(c, this.heading, d, this.label))
    if (compiled.every((c) => c.sql === 'TRUE')) return this
    return this.withRestrictions([...this._restrictions, ...compiled.filter((c) => c.sql !== 'TRUE')])
  }

  /** Rows matching none of the conditions given (DataJoint's `-`). */
  exclude(...conditions: Condition[]): this {
    return this.restrict(...conditions.map((c) => new Not(c)))
  }

  /** The restriction as one condition (AND of all), or null when unrestricted. */
  restrictionSql(): SqlFragment | null {
    if (this._restrictions.length === 0) return null
    if (this._restrictions.length === 1) return this._restrictions[0]!
    return new SqlFragment(this._restrictions.map((r) => `(${r.sql})`).join(' AND '), this._restrictions.flatMap((r) => r.params))
  }

  /** The WHERE clause (empty string when unrestricted). */
  whereClause(): SqlFragment {
    if (this._restrictions.length === 0) return new SqlFragment('')
    return new SqlFragment(
      ' WHERE ' + this._restrictions.map((r) => `(${r.sql})`).join(' AND '),
      this._restrictions.flatMap((r) => r.params),
    )
  }

  /** `SELECT DISTINCT attributes ...` of this expression, to be used as a restriction operand. */
  subquery(attributes: readonly string[]): SqlFragment {
    const from = this.fromClause()
    const where = this.whereClause()
    const cols = attributes.length ? attributes.map((a) => this.connection.dialect.quote(a)).join(',') : '1'
    return new SqlFragment(`SELECT DISTINCT ${cols} FROM ${from.sql}${where.sql}`, [...from.params, ...where.params])
  }

  /** The SELECT statement of this expression. */
  toSQL(options: FetchOptions = {}, attributes: readonly string[] = this.heading.names): SqlFragment {
    const q = (a: string) => this.connection.dialect.quote(a)
    const from = this.fromClause()
    const where = this.whereClause()
    let text = `SELECT ${attributes.map(q).join(',')} FROM ${from.sql}${where.sql}`
    const order = this.orderBySql(options.orderBy)
    if (order) text += ` ORDER BY ${order}`
    text += this.connection.dialect.limit(options.limit, options.offset)
    return new SqlFragment(text, [...from.params, ...where.params])
  }

  protected orderBySql(orderBy: FetchOptions['orderBy']): string {
    if (orderBy === undefined) return ''
    const items = (typeof orderBy === 'string' ? [orderBy] : [...orderBy]).flatMap((o) =>
      o.trim().toUpperCase() === 'KEY' ? this.primaryKey : [o],
    )
    return items
      .map((item) => {
        const m = /^\s*([a-z][a-z0-9_]*)\s*(asc|desc)?\s*$/i.exec(item)
        if (!m || !this.heading.has(m[1]!)) {
          throw new DataJointError(`Cannot order ${this.label} by "${item}".`, { hint: `Order by attributes of the heading (${this.heading.names.join(', ')}), optionally followed by asc or desc.` })
        }
        return this.connection.dialect.quote(m[1]!) + (m[2] ? ' ' + m[2].toUpperCase() : '')
      })
      .join(', ')
  }

  protected decodersFor(attributes: readonly string[]): Array<[string, Decoder]> {
    const out: Array<[string, Decoder]> = []
    for (const a of attributes) {
      const d = decoderFor(this.heading.get(a)!)
      if (d) out.push([a, d])
    }
    return out
  }

  /** The rows, as plain objects (or columns with `format: 'columns'`). */
  async fetch(options: FetchOptions & { format: 'columns' }): Promise<Record<string, unknown[]>>
  async fetch(options?: FetchOptions): Promise<Row[]>
  async fetch(options: FetchOptions = {}): Promise<Row[] | Record<string, unknown[]>> {
    const names = this.heading.names
    const stmt = this.toSQL(options, names)
    const rows = (await this.connection.query(stmt.sql, stmt.params)).rows as Row[]
    const decoders = this.decodersFor(names)
    if (decoders.length) for (const row of rows) for (const [a, d] of decoders) row[a] = d(row[a])
    if (options.format === 'columns') {
      const cols: Record<string, unknown[]> = {}
      for (const n of names) cols[n] = rows.map((r) => r[n])
      return cols
    }
    return rows
  }

  /** The one row of this expression; an error when there are none or several. */
  async fetch1(): Promise<Row> {
    const rows = await this.fetch({ limit: 2 })
    if (rows.length !== 1) {
      throw new DataJointError(`fetch1 expects exactly one row of ${this.label}, but the query has ${rows.length === 0 ? 'none' : 'more than one'}.`, {
        hint: 'Restrict the query to a single primary key first, e.g. Table.restrict(key).fetch1().',
      })
    }
    return rows[0]!
  }

  /** The primary-key values of the rows. */
  async keys(options: Omit<FetchOptions, 'format'> = {}): Promise<Row[]> {
    const key = this.primaryKey
    const stmt = this.toSQL(options, key)
    const rows = (await this.connection.query(stmt.sql, stmt.params)).rows as Row[]
    const decoders = this.decodersFor(key)
    if (decoders.length) for (const row of rows) for (const [a, d] of decoders) row[a] = d(row[a])
    return rows
  }

  async count(): Promise<number> {
    const from = this.fromClause()
    const where = this.whereClause()
    const rows = await this.connection.fetchAll(`SELECT count(*) AS n FROM ${from.sql}${where.sql}`, [...from.params, ...where.params])
    return Number(rows[0].n)
  }

  /** Whether any row matches. */
  async exists(): Promise<boolean> {
    const from = this.fromClause()
    const where = this.whereClause()
    const rows = await this.connection.fetchAll(`SELECT EXISTS (SELECT 1 FROM ${from.sql}${where.sql}) AS e`, [...from.params, ...where.params])
    return Number(rows[0].e) === 1
  }
}
