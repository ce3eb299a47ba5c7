/** The MySQL/MariaDB dialect: SQL text, catalog queries and error codes of the DataJoint standard backend. */
import {
  AccessError, DataJointError, DeadlockError, DuplicateError, IntegrityError, LostConnectionError, MissingAttributeError,
  MissingTableError, QueryError, QuerySyntaxError, UnknownAttributeError,
} from '../errors.js'
import { mysqlColumnType } from './mysql-types.js'
import {
  type AlterChange, type CatalogColumn, type CatalogForeignKey, type CatalogIndex, type CatalogTable, type CatalogTableColumns, type ColumnDef, type Dialect, type Exec, type InsertMode, type TableDef,
  groupForeignKeys, groupIndexes, groupTableColumns,
} from './dialect.js'

const quote = (id: string) => '`' + id.replace(/`/g, '``') + '`'
const fullName = (schema: string, table: string) => `${quote(schema)}.${quote(table)}`
/** a comment as a double-quoted SQL string, the way DataJoint writes them */
const commentLiteral = (s: string) => '"' + s.replace(/\\/g, '\\\\').replace(/"/g, '\\"') + '"'

const LOST = new Set([2006, 2013, 2055])
const LOST_CODES = new Set(['PROTOCOL_CONNECTION_LOST', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EPIPE', 'EHOSTUNREACH', 'PROTOCOL_SEQUENCE_TIMEOUT'])

function columnSql(c: ColumnDef): string {
  let s = `${quote(c.name)} ${c.sqlType}`
  if (c.default !== null && c.default.toUpperCase() === 'NULL') s += ' DEFAULT NULL'
  else if (c.nullable) s += c.default !== null ? ` DEFAULT ${c.default}` : ' DEFAULT NULL'
  else s += c.default !== null ? ` NOT NULL DEFAULT ${c.default}` : ' NOT NULL'
  if (c.comment) s += ` COMMENT ${commentLiteral(c.comment)}`
  return s
}

function defaultSql(raw: string): string {
  const t = raw.trim()
  const upper = t.toUpperCase()
  if (upper === 'NULL' || /^CURRENT_TIMESTAMP(\(\d*\))?$/.test(upper)) return upper
  if (t.length >= 2 && t.startsWith('"') && t.endsWith('"')) return "'" + t.slice(1, -1).replace(/\\"/g, '"').replace(/'/g, "''") + "'"
  if (t.length >= 2 && t.startsWith("'") && t.endsWith("'")) return t
  return "'" + t.replace(/\\/g, '\\\\').replace(/'/g, "''") + "'"
}

/** A no-op update skips duplicates without INSERT IGNORE's silencing of other errors. */
function skipClause(full: string, mode: InsertMode, primaryKey: readonly string[], columns: readonly string[]): string {
  if (mode !== 'skip') return ''
  const k = quote(primaryKey[0] ?? columns[0]!)
  return ` ON DUPLICATE KEY UPDATE ${k}=${full}.${k}`
}

export const mysqlDialect: Dialect = {
  name: 'mysql',
  quote,
  fullName,
  columnType: mysqlColumnType,
  sessionInit: () => [
    "SET SESSION sql_mode = 'NO_ZERO_DATE,NO_ZERO_IN_DATE,ERROR_FOR_DIVISION_BY_ZERO,STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION,ONLY_FULL_GROUP_BY'",
    'SET SESSION autocommit = 1',
  ],

  createSchema: (s) => `CREATE DATABASE IF NOT EXISTS ${quote(s)}`,
  dropSchema: (s) => `DROP DATABASE IF EXISTS ${quote(s)}`,
  dropTable: (s, t) => `DROP TABLE IF EXISTS ${fullName(s, t)}`,
  columnSql,
  defaultSql,

  createTable(def: TableDef): string {
    const lines = def.columns.map(columnSql)
    lines.push(`PRIMARY KEY (${def.primaryKey.map(quote).join(',')})`)
    for (const fk of def.foreignKeys) {
      lines.push(
        `FOREIGN KEY (${fk.columns.map(quote).join(',')}) REFERENCES ${fullName(fk.parentSchema, fk.parentTable)} ` +
          `(${fk.parentColumns.map(quote).join(',')}) ON UPDATE CASCADE ON DELETE RESTRICT`,
      )
    }
    for (const ix of def.indexes) lines.push(`${ix.unique ? 'UNIQUE ' : ''}INDEX (${ix.columns.map(quote).join(',')})`)
    return `CREATE TABLE IF NOT EXISTS ${fullName(def.schema, def.table)} (\n  ${lines.join(',\n  ')}\n) ENGINE=InnoDB, COMMENT ${commentLiteral(def.comment)}`
  },

  alterTable(schema, table, changes: AlterChange[], comment?: string): string {
    const parts = changes.map((c) => {
      const after = c.kind === 'drop' || c.after === undefined ? '' : c.after === null ? ' FIRST' : ` AFTER ${quote(c.after)}`
      if (c.kind === 'add') return `ADD ${columnSql(c.column)}${after}`
      if (c.kind === 'modify') {
        return c.oldName === c.column.name
          ? `MODIFY ${columnSql(c.column)}${after}`
          : `CHANGE ${quote(c.oldName)} ${columnSql(c.column)}${after}`
      }
      return `DROP ${quote(c.name)}`
    })
    if (comment !== undefined) parts.push(`COMMENT=${commentLiteral(comment)}`)
    return `ALTER TABLE ${fullName(schema, table)} ${parts.join(', ')}`
  },

  async listSchemas(exec: Exec): Promise<string[]> {
    const rows = await exec('SELECT schema_name AS name FROM information_schema.schemata ORDER BY schema_name')
    return rows.map((r) => r.name).filter((n) => !['information_schema', 'mysql', 'performance_schema', 'sys'].includes(n))
  },

  async schemaExists(exec: Exec, schema: string): Promise<boolean> {
    const rows = await exec('SELECT count(*) AS n FROM information_schema.schemata WHERE schema_name = ?', [schema])
    return Number(rows[0].n) > 0
  },

  async tableComment(exec: Exec, schema: string, table: string): Promise<string | null> {
    const rows = await exec('SELECT table_comment AS comment FROM information_schema.tables WHERE table_schema = ? AND table_name = ?', [schema, table])
    return rows.length ? (rows[0].comment ?? '') : null
  },

  async lineage(exec: Exec, schema: string, table: string): Promise<Map<string, string> | null> {
    const has = await exec("SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = ? AND table_name = '~lineage'", [schema])
    if (Number(has[0].n) === 0) return null
    const rows = await exec(`SELECT attribute_name AS a, lineage AS l FROM ${fullName(schema, '~lineage')} WHERE table_name = ?`, [table])
    return new Map(rows.map((r) => [r.a, r.l]))
  },

  lineageTable: (schema: string) =>
    `CREATE TABLE IF NOT EXISTS ${fullName(schema, '~lineage')} (\n` +
    '`table_name` VARCHAR(64) NOT NULL COMMENT "table name within the schema",\n' +
    '`attribute_name` VARCHAR(64) NOT NULL COMMENT "attribute name",\n' +
    '`lineage` VARCHAR(255) NOT NULL COMMENT "origin: schema.table.attribute",\n' +
    'PRIMARY KEY (`table_name`, `attribute_name`)\n) ENGINE=InnoDB',

  limit(limit: number | undefined, offset: number | undefined): string {
    const n = (v: number) => Math.max(0, Math.floor(v))
    if (limit === undefined && offset === undefined) return ''
    // MySQL has no OFFSET without LIMIT: the largest row count stands for "all"
    const l = limit === undefined ? '18446744073709551615' : String(n(limit))
    return ` LIMIT ${l}${offset !== undefined ? ` OFFSET ${n(offset)}` : ''}`
  },

  async listTables(exec: Exec, schema: string): Promise<CatalogTable[]> {
    const rows = await exec(
      "SELECT table_name AS name, table_comment AS comment FROM information_schema.tables WHERE table_schema = ? AND table_type = 'BASE TABLE' ORDER BY table_name",
      [schema],
    )
    return rows.map((r) => ({ name: r.name, comment: r.comment ?? '' }))
  },

  async columns(exec: Exec, schema: string, table: string): Promise<CatalogColumn[]> {
    // SHOW FULL COLUMNS gives defaults unquoted on both MySQL and MariaDB (information_schema does not)
    const rows = await exec(`SHOW FULL COLUMNS FROM ${fullName(schema, table)}`)
    return rows.map((r) => ({
      name: r.Field,
      columnType: String(r.Type),
      nullable: r.Null === 'YES',
      default: r.Default === null || r.Default === undefined ? null : String(r.Default),
      comment: r.Comment ?? '',
      inKey: r.Key === 'PRI',
      autoIncrement: /auto_increment/i.test(r.Extra ?? ''),
    }))
  },

  async schemaColumns(exec: Exec, schemas: readonly string[]): Promise<CatalogTableColumns[]> {
    if (schemas.length === 0) return []
    const marks = schemas.map(() => '?').join(',')
    const rows = await exec(
      `SELECT c.table_schema AS s, c.table_name AS t, t.table_comment AS tc, c.column_name AS c, c.column_key AS k, c.column_comment AS cc
         FROM information_schema.columns c
         JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
        WHERE c.table_schema IN (${marks}) AND t.table_type = 'BASE TABLE'
        ORDER BY c.table_schema, c.table_name, c.ordinal_position`,
      [...schemas],
    )
    return groupTableColumns(rows.map((r) => ({ ...r, k: r.k === 'PRI' })))
  },

  async foreignKeys(exec: Exec, schemas: readonly string[]): Promise<CatalogForeignKey[]> {
    if (schemas.length === 0) return []
    const marks = schemas.map(() => '?').join(',')
    const rows = await exec(
      `SELECT constraint_name AS name, table_schema AS cs, table_name AS ct, column_name AS cc,
              referenced_table_schema AS ps, referenced_table_name AS pt, referenced_column_name AS pc
         FROM information_schema.key_column_usage
        WHERE referenced_table_name IS NOT NULL AND (table_schema IN (${marks}) OR referenced_table_schema IN (${marks}))
        ORDER BY table_schema, table_name, constraint_name, ordinal_position`,
      [...schemas, ...schemas],
    )
    return groupForeignKeys(rows)
  },

  async indexes(exec: Exec, schema: string, table: string): Promise<CatalogIndex[]> {
    const rows = await exec(
      `SELECT index_name AS name, non_unique AS nu, column_name AS col FROM information_schema.statistics
        WHERE table_schema = ? AND table_name = ? AND index_name <> 'PRIMARY' ORDER BY index_name, seq_in_index`,
      [schema, table],
    )
    return groupIndexes(rows.map((r) => ({ name: r.name, unique: Number(r.nu) === 0, col: r.col })))
  },

  async maxStatementBytes(exec: Exec): Promise<number> {
    const rows = await exec('SELECT @@max_allowed_packet AS n')
    return Number(rows[0].n)
  },

  insert(full: string, columns: readonly string[], values: string, mode: InsertMode, primaryKey: readonly string[]): string {
    const head = mode === 'replace' ? 'REPLACE' : 'INSERT'
    return `${head} INTO ${full} (${columns.map(quote).join(',')}) VALUES ${values}${skipClause(full, mode, primaryKey, columns)}`
  },

  insertSelect(full: string, columns: readonly string[], select: string, mode: InsertMode, primaryKey: readonly string[]): string {
    const head = mode === 'replace' ? 'REPLACE' : 'INSERT'
    return `${head} INTO ${full} (${columns.map(quote).join(',')}) ${select}${skipClause(full, mode, primaryKey, columns)}`
  },

  forUpdate: ' FOR UPDATE',
  startTransaction: 'START TRANSACTION WITH CONSISTENT SNAPSHOT',
  sessionIdSql: 'CONNECTION_ID()',
  currentUserSql: 'CURRENT_USER()',
  liveSessionsSql: 'SELECT id FROM information_schema.processlist',
  secondsAgo: (seconds) => `CURRENT_TIMESTAMP(3) - INTERVAL ${seconds} SECOND`,
  killSession: (id) => `KILL ${Number(id)}`,

  isLostConnection(err: unknown): boolean {
    const e = err as { errno?: number; code?: string; fatal?: boolean }
    return (e?.errno !== undefined && LOST.has(e.errno)) || (e?.code !== undefined && LOST_CODES.has(e.code))
  },

  translateError(err: unknown, sql?: string, params?: readonly unknown[]): DataJointError {
    if (err instanceof DataJointError) return err
    const e = err as { errno?: number; code?: string; sqlMessage?: string; message?: string }
    // without its final period: the messages below add one (driver messages like "...connection." had two)
    const msg = (e?.sqlMessage ?? e?.message ?? String(err)).replace(/\.$/, '')
    const o = { cause: err, sql, params }
    if (mysqlDialect.isLostConnection(err)) {
      return new LostConnectionError(`Lost connection to the database server: ${msg}.`, {
        ...o, hint: 'Check that the server is running and reachable (dj.config.database.host/port, DJ_HOST/DJ_PORT); DataJoint reconnects on the next statement outside a transaction.',
      })
    }
    switch (e?.errno) {
      case 1062:
        return new DuplicateError(`${msg}.`, { ...o, hint: 'A row with this primary key already exists. Use skipDuplicates: true to keep the existing row, or replace: true to overwrite it.' })
      case 1451:
      case 1217:
      case 3730:
        return new IntegrityError(`Cannot delete or drop: rows in another table refer to it (${msg}).`, { ...o, hint: 'Use delete() (which cascades to dependent tables) or delete the dependent rows first.' })
      case 1452:
      case 1216:
        return new IntegrityError(`The referenced parent row does not exist (${msg}).`, { ...o, hint: 'Insert the parent row first: every foreign key must match an existing row of its parent table.' })
      case 1213:
        return new DeadlockError(`${msg}.`, { ...o, hint: 'Concurrent transactions took the same rows in opposite orders; run the statement or transaction again.' })
      case 1146:
        return new MissingTableError(`${msg}.`, { ...o, hint: 'Declare the table first (schema.declare(...)) or check the schema name and dj.config.database.prefix.' })
      case 1044:
      case 1045:
      case 1142:
      case 1143:
      case 1227:
      case 1370:
      case 1698: // MariaDB/MySQL: access denied to a user that also authenticates by unix_socket/auth_socket
        return new AccessError(`Access denied: ${msg}.`, { ...o, hint: 'Check the user name and password (DJ_USER, DJ_PASS or dj.config.database) and ask your database administrator for the privilege.' })
      case 1064:
        return new QuerySyntaxError(`SQL syntax error: ${msg}.`, { ...o, hint: 'Check the restriction strings and computed expressions of the query.' })
      case 1054:
        return new UnknownAttributeError(`${msg}.`, { ...o, hint: 'Check the attribute names against the table heading (Table.heading).' })
      case 1048:
        return new MissingAttributeError(`${msg}.`, { ...o, hint: 'The attribute is not nullable: give it a value, or declare it with "= null".' })
      case 1364:
        return new MissingAttributeError(`${msg}.`, { ...o, hint: 'Provide a value for every attribute that has no default.' })
      case 1406:
        return new QueryError(`${msg}.`, { ...o, hint: 'The value is longer than the attribute type allows.' })
      case 1366:
      case 1265:
      case 1264:
      case 1292:
        return new QueryError(`Invalid value: ${msg}.`, { ...o, hint: 'The value does not fit the attribute type; check the type in the table definition.' })
      default:
        return new QueryError(`${msg}.`, o)
    }
  },
}
