/**
 * insert, insert1 and update1. Rows are checked against the heading before anything is sent
 * (unknown, missing and wrongly typed values are reported with the row and attribute), encoded
 * once per attribute, and sent as multi-row statements sized under the server's packet limit,
 * all in one transaction: a failed insert leaves the table as it was.
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import type { Connection } from '../connection/connection.js'
import { DataJointError, MissingAttributeError, UnknownAttributeError } from '../errors.js'
import type { Attribute } from '../heading/attribute.js'
import { compileCondition } from '../query/condition.js'
import { QueryExpression, type Row } from '../query/expression.js'
import { type Encoder, encoderFor } from '../query/values.js'
import { isExternal2, upload } from '../storage/external.js'
import type { Table } from './table.js'

export interface InsertOptions {
  /** keep existing rows with the same primary key instead of failing */
  skipDuplicates?: boolean
  /** drop fields that are not attributes of the table instead of failing */
  ignoreExtraFields?: boolean
  /** overwrite existing rows with the same primary key */
  replace?: boolean
  /** allow inserting into an Imported or Computed table outside its make() */
  allowDirectInsert?: boolean
  /** at most this many rows per statement (default: as many as fit the server's packet size) */
  chunkSize?: number
}

export type InsertSource = Iterable<Row | readonly unknown[]> | QueryExpression | (new () => QueryExpression)

/** Populate runs make() inside this scope, where inserts into the table being populated are allowed. */
const directInsert = new AsyncLocalStorage<ReadonlySet<Function>>()

export function withDirectInsert<T>(tables: Iterable<Function>, fn: () => Promise<T>): Promise<T> {
  const current = directInsert.getStore() ?? new Set()
  return directInsert.run(new Set([...current, ...tables]), fn)
}

const DEFAULT = Symbol('DEFAULT')
const maxBytes = new WeakMap<Connection, number>()

async function statementLimit(conn: Connection): Promise<number> {
  let n = maxBytes.get(conn)
  if (n === undefined) {
    n = await conn.dialect.maxStatementBytes((sql, params) => conn.fetchAll(sql, params ?? []))
    maxBytes.set(conn, n)
  }
  // leave room for the statement text and escaping overhead
  return Math.max(64 * 1024, Math.floor(n * 0.75))
}

/** The same error, naming the table it happened in. */
export function inTable(err: unknown, label: string): unknown {
  if (!(err instanceof DataJointError) || err.reason.includes(label)) return err
  const Ctor = err.constructor as new (m: string, o: object) => DataJointError
  return new Ctor(`${label}: ${err.reason}`, { cause: err.cause, sql: err.sql, params: err.params, hint: err.hint })
}

function checkTier(table: Table, options: InsertOptions): void {
  if ((table.tier === 'imported' || table.tier === 'computed') && !options.allowDirectInsert) {
    if (directInsert.getStore()?.has(table.constructor)) return
    throw new DataJointError(`Inserts into the auto-populated table ${table.label} can only be done inside its make() during populate.`, {
      hint: 'Use Table.populate(), or pass { allowDirectInsert: true } to insert directly.',
    })
  }
  if (options.replace && options.skipDuplicates) {
    throw new DataJointError(`Insert into ${table.label}: replace and skipDuplicates cannot be combined.`, { hint: 'Choose one: replace overwrites existing rows, skipDuplicates keeps them.' })
  }
}

const insertMode = (o: InsertOptions) => (o.replace ? 'replace' : o.skipDuplicates ? 'skip' : 'insert')

const isRequired = (a: Attribute) => !a.nullable && a.default === null && !a.autoIncrement

interface Group {
  fields: Attribute[]
  encoders: Encoder[]
  rows: unknown[][]
  /** rows that need a per-row placeholder list because some values are DEFAULT */
  hasDefault: boolean
}

function describeRow(i: number, total: number): string {
  return total === 1 ? 'the row' : `row ${i + 1}`
}

export async function insertRows(table: Table, source: InsertSource, options: InsertOptions = {}): Promise<number> {
  checkTier(table, options)
  // a table class stands for all its rows
  if (typeof source === 'function' && source.prototype instanceof QueryExpression) source = new source()
  if (source instanceof QueryExpression) return insertFromQuery(table, source, options)
  if (source === null || typeof source !== 'object' || typeof (source as Iterable<unknown>)[Symbol.iterator] !== 'function' || typeof source === 'string') {
    throw new DataJointError(`Insert into ${table.label} expects an array of rows (objects or arrays) or a query.`, { hint: 'Use insert1(row) for a single row.' })
  }
  let rows = Array.isArray(source) ? source : [...source]
  if (rows.length === 0) return 0
  const heading = table.heading
  // objects for external stores are uploaded before the transaction: a failed upload inserts nothing
  const external = heading.attributes.filter(isExternal2)
  if (external.length) rows = await uploadRows(table, rows, external)
  const visible = heading.attributes
  const label = table.label
  const groups = new Map<string, Group>()
  const groupFor = (fields: Attribute[], i: number): Group => {
    const key = fields.map((f) => f.name).join('\u0000')
    let g = groups.get(key)
    if (!g) {
      const have = new Set(fields.map((f) => f.name))
      const missing = visible.filter((a) => !have.has(a.name) && isRequired(a))
      if (missing.length) {
        throw new MissingAttributeError(`Insert into ${label}: ${describeRow(i, rows.length)} has no value for ${missing.map((a) => `"${a.name}"`).join(', ')}.`, {
          hint: `Every attribute without a default must be given: ${visible.filter(isRequired).map((a) => a.name).join(', ')}.`,
        })
      }
      groups.set(key, (g = { fields, encoders: fields.map((f) => encoderFor(f, label)), rows: [], hasDefault: false }))
    }
    return g
  }
  let positional: Group | null = null
  rows.forEach((row, i) => {
    let g: Group
    let values: unknown[]
    if (Array.isArray(row)) {
      if (row.length !== visible.length) {
        throw new DataJointError(`Insert into ${label}: ${describeRow(i, rows.length)} has ${row.length} values but the table has ${visible.length} attributes (${visible.map((a) => a.name).join(', ')}).`, {
          hint: 'Give a value for every attribute in heading order, or insert objects.',
        })
      }
      g = positional ??= groupFor(visible, i)
      values = row as unknown[]
    } else if (row !== null && typeof row === 'object') {
      const r = row as Row
      for (const k of Object.keys(r)) {
        if (!heading.has(k) && !options.ignoreExtraFields) {
          throw new UnknownAttributeError(`Insert into ${label}: "${k}" is not an attribute of the table.`, {
            hint: `The attributes are ${visible.map((a) => a.name).join(', ')}. To drop extra fields, pass { ignoreExtraFields: true }.`,
          })
        }
      }
      const fields = visible.filter((a) => r[a.name] !== undefined)
      g = groupFor(fields, i)
      values = g.fields.map((f) => r[f.name])
    } else {
      throw new DataJointError(`Insert into ${label}: ${describeRow(i, rows.length)} is ${row === null ? 'null' : typeof row}, not an object or array.`)
    }
    const encoded = new Array<unknown>(values.length)
    for (let j = 0; j < values.length; j++) {
      let v: unknown
      try {
        v = g.encoders[j]!(values[j])
      } catch (err) {
        throw err instanceof DataJointError && rows.length > 1 ? new DataJointError(`${err.reason} (${describeRow(i, rows.length)})`, { hint: err.hint }) : err
      }
      if (v === null) {
        const a = g.fields[j]!
        if (!a.nullable) {
          if (a.default !== null || a.autoIncrement) {
            v = DEFAULT
            g.hasDefault = true
          } else {
            throw new MissingAttributeError(`Insert into ${label}: "${a.name}" of ${describeRow(i, rows.length)} is null, but the attribute is not nullable.`, {
              hint: 'Give a value, or declare the attribute with "= null" to allow missing values.',
            })
          }
        }
      }
      encoded[j] = v
    }
    g.rows.push(encoded)
  })

  const conn = table.connection
  const limit = await statementLimit(conn)
  const maxParams = conn.dialect.maxParameters
  const mode = insertMode(options)
  const statements: Array<{ sql: string; params: unknown[] }> = []
  for (const g of groups.values()) {
    const cols = g.fields.map((f) => f.name)
    const plain = `(${cols.map(() => '?').join(',')})`
    let tuples: string[] = []
    let params: unknown[] = []
    let bytes = 0
    const flush = () => {
      if (tuples.length === 0) return
      statements.push({ sql: conn.dialect.insert(table.fullTableName, cols, tuples.join(','), mode, table.primaryKey), params })
      tuples = []
      params = []
      bytes = 0
    }
    for (const row of g.rows) {
      const withDefault = g.hasDefault && row.includes(DEFAULT)
      let size = 3
      for (const v of row) if (v !== DEFAULT) size += typeof v === 'string' ? v.length * 2 + 3 : v instanceof Uint8Array ? v.length * 2 + 3 : 24
      const tooMany = maxParams !== undefined && params.length + row.length > maxParams
      if (tuples.length > 0 && (bytes + size > limit || tooMany || (options.chunkSize !== undefined && tuples.length >= options.chunkSize))) flush()
      tuples.push(withDefault ? `(${row.map((v) => (v === DEFAULT ? 'DEFAULT' : '?')).join(',')})` : plain)
      for (const v of row) if (v !== DEFAULT) params.push(v)
      bytes += size
    }
    flush()
  }
  const run = async () => {
    for (const s of statements) await conn.query(s.sql, s.params)
  }
  try {
    if (statements.length > 1 && !conn.inTransaction) await conn.transaction(run)
    else await run()
  } catch (err) {
    throw inTable(err, label)
  }
  return rows.length
}

async function uploadRows(table: Table, rows: ReadonlyArray<Row | readonly unknown[]>, external: Attribute[]): Promise<Array<Row | unknown[]>> {
  const names = table.heading.names
  const index = external.map((a) => names.indexOf(a.name))
  return Promise.all(rows.map(async (row) => {
    if (Array.isArray(row)) {
      const copy = [...row]
      const key = Object.fromEntries(table.primaryKey.map((k) => [k, copy[names.indexOf(k)]]))
      for (const [j, a] of external.entries()) copy[index[j]!] = await upload(a, copy[index[j]!], table.database, table.label, table.tableName, key)
      return copy
    }
    if (row === null || typeof row !== 'object') return row as Row
    const copy: Row = { ...(row as Row) }
    const key = Object.fromEntries(table.primaryKey.map((k) => [k, copy[k]]))
    for (const a of external) if (a.name in copy) copy[a.name] = await upload(a, copy[a.name], table.database, table.label, table.tableName, key)
    return copy
  }))
}

async function insertFromQuery(table: Table, source: QueryExpression, options: InsertOptions): Promise<number> {
  const heading = table.heading
  const extra = source.heading.names.filter((n) => !heading.has(n))
  if (extra.length && !options.ignoreExtraFields) {
    throw new UnknownAttributeError(`Insert into ${table.label}: the query has attributes that are not in the table: ${extra.join(', ')}.`, {
      hint: 'Project them away with .proj(...), or pass { ignoreExtraFields: true }.',
    })
  }
  const cols = source.heading.names.filter((n) => heading.has(n))
  const conn = table.connection
  const select = source.toSQL({}, cols)
  const sql = conn.dialect.insertSelect(table.fullTableName, cols, select.sql, insertMode(options), table.primaryKey)
  try {
    return (await conn.query(sql, select.params)).affectedRows
  } catch (err) {
    throw inTable(err, table.label)
  }
}

export async function updateRow(table: Table, row: Row): Promise<void> {
  const label = table.label
  if (table.isRestricted) throw new DataJointError(`update1 on ${label}: the table is restricted.`, { hint: 'Call update1 on the unrestricted table; the row is found by its primary key.' })
  if (row === null || typeof row !== 'object' || Array.isArray(row)) throw new DataJointError(`update1 on ${label} expects one row as an object.`)
  const heading = table.heading
  for (const k of Object.keys(row)) {
    if (!heading.has(k)) throw new UnknownAttributeError(`update1 on ${label}: "${k}" is not an attribute of the table.`, { hint: `The attributes are ${heading.names.join(', ')}.` })
  }
  const missing = table.primaryKey.filter((k) => row[k] === undefined || row[k] === null)
  if (missing.length) throw new DataJointError(`update1 on ${label}: the row must contain the whole primary key; missing ${missing.join(', ')}.`)
  const dialect = table.connection.dialect
  const key = Object.fromEntries(table.primaryKey.map((k) => [k, row[k]]))
  const cond = compileCondition(key, heading, dialect, label)
  const found = await table.connection.fetchAll(`SELECT count(*) AS n FROM ${table.fullTableName} WHERE ${cond.sql}`, cond.params)
  if (Number(found[0].n) !== 1) {
    throw new DataJointError(`update1 on ${label}: no row has the primary key ${JSON.stringify(key)}.`, { hint: 'update1 changes one existing row; insert it first.' })
  }
  const sets: string[] = []
  const params: unknown[] = []
  const external = heading.attributes.filter(isExternal2)
  if (external.length) row = (await uploadRows(table, [row], external))[0] as Row
  for (const a of heading.attributes) {
    if (a.inKey || !(a.name in row) || row[a.name] === undefined) continue
    const v = encoderFor(a, label)(row[a.name])
    if (v === null) {
      if (!a.nullable && a.default === null) throw new MissingAttributeError(`update1 on ${label}: "${a.name}" is not nullable and has no default.`)
      sets.push(`${dialect.quote(a.name)}=${a.nullable ? 'NULL' : 'DEFAULT'}`)
    } else {
      sets.push(`${dialect.quote(a.name)}=?`)
      params.push(v)
    }
  }
  if (sets.length === 0) return
  try {
    await table.connection.query(`UPDATE ${table.fullTableName} SET ${sets.join(',')} WHERE ${cond.sql}`, [...params, ...cond.params])
  } catch (err) {
    throw inTable(err, label)
  }
}
