/**
 * The 2.x `~lineage` table: for every table, where each key attribute (and each inherited
 * secondary attribute) originates (`schema.table.attribute`). datajoint-python 2.x uses it to
 * check that joins match attributes of the same origin; we write it on every declaration.
 */
import type { Connection } from '../connection/connection.js'
import { MissingTableError } from '../errors.js'

const TABLE = '~lineage'

export async function ensureLineageTable(conn: Connection, schema: string): Promise<void> {
  await conn.query(conn.dialect.lineageTable(schema))
}

async function lineageOf(conn: Connection, schema: string, table: string, attribute: string): Promise<string> {
  try {
    const rows = await conn.fetchAll(
      `SELECT lineage FROM ${conn.dialect.fullName(schema, TABLE)} WHERE table_name = ? AND attribute_name = ?`,
      [table, attribute],
    )
    if (rows.length) return rows[0].lineage
  } catch (err) {
    // a parent schema without lineage (made by 0.14, or before lineage existed)
    if (!(err instanceof MissingTableError)) throw err
  }
  return `${schema}.${table}.${attribute}`
}

export interface LineageInput {
  schema: string
  table: string
  primaryKey: string[]
  /** inherited attributes: child attribute → its parent */
  inherited: Map<string, { schema: string; table: string; attribute: string }>
}

export async function writeLineage(conn: Connection, t: LineageInput): Promise<void> {
  await ensureLineageTable(conn, t.schema)
  const rows: Array<[string, string, string]> = []
  for (const [attr, p] of t.inherited) rows.push([t.table, attr, await lineageOf(conn, p.schema, p.table, p.attribute)])
  for (const k of t.primaryKey) if (!t.inherited.has(k) && !k.startsWith('_')) rows.push([t.table, k, `${t.schema}.${t.table}.${k}`])
  const full = conn.dialect.fullName(t.schema, TABLE)
  await conn.query(`DELETE FROM ${full} WHERE table_name = ?`, [t.table])
  if (rows.length) {
    await conn.query(`INSERT INTO ${full} (table_name, attribute_name, lineage) VALUES ${rows.map(() => '(?,?,?)').join(',')}`, rows.flat())
  }
}

export async function dropLineage(conn: Connection, schema: string, table: string): Promise<void> {
  try {
    await conn.query(`DELETE FROM ${conn.dialect.fullName(schema, TABLE)} WHERE table_name = ?`, [table])
  } catch (err) {
    if (!(err instanceof MissingTableError)) throw err
  }
}
