/** Loading a table's heading from the catalog. */
import type { Connection } from '../connection/connection.js'
import { MissingTableError } from '../errors.js'
import { attributeFromCatalog } from './attribute.js'
import { Heading } from './heading.js'

export async function loadHeading(conn: Connection, schema: string, table: string): Promise<Heading> {
  const exec = (sql: string, params?: readonly unknown[]) => conn.fetchAll(sql, params ?? [])
  const comment = await conn.dialect.tableComment(exec, schema, table)
  if (comment === null) {
    throw new MissingTableError(`The table ${conn.dialect.fullName(schema, table)} does not exist.`, {
      hint: 'Check the schema name (and dj.config.database.prefix), or declare the table first.',
    })
  }
  const columns = await conn.dialect.columns(exec, schema, table)
  const lineage = await conn.dialect.lineage(exec, schema, table)
  return new Heading(columns.map((c) => attributeFromCatalog(c, lineage?.get(c.name) ?? null)), comment, lineage !== null)
}
