/**
 * The dialect seam: every piece of SQL text that differs between backends (identifier quoting,
 * column types, DDL, catalog queries, upserts, error codes) comes from a Dialect. Tables and
 * queries only ever build SQL through it, so a new backend is a new Dialect and a new Driver.
 * Values are always `?` parameters; drivers whose server wants another placeholder rewrite them.
 */
import type { DataJointError } from '../errors.js'
import type { TypeSpec } from '../definition/types.js'

export type Exec = (sql: string, params?: readonly unknown[]) => Promise<any[]>

/** One column as the declaration wants it created. */
export interface ColumnDef {
  name: string
  sqlType: string
  nullable: boolean
  /** SQL text of the default (already quoted when a literal), or null for none */
  default: string | null
  comment: string
}

export interface ForeignKeyDef {
  columns: string[]
  parentSchema: string
  parentTable: string
  parentColumns: string[]
}

export interface IndexDef {
  unique: boolean
  columns: string[]
}

export interface TableDef {
  schema: string
  table: string
  columns: ColumnDef[]
  primaryKey: string[]
  foreignKeys: ForeignKeyDef[]
  indexes: IndexDef[]
  comment: string
}

/** A column as the catalog reports it, before DataJoint interprets the comment. */
export interface CatalogColumn {
  name: string
  columnType: string
  nullable: boolean
  /** default as the catalog gives it (null when none) */
  default: string | null
  comment: string
  inKey: boolean
  autoIncrement: boolean
}

export interface CatalogForeignKey {
  name: string
  childSchema: string
  childTable: string
  parentSchema: string
  parentTable: string
  /** [child column, parent column] in order */
  columns: Array<[string, string]>
}

export interface CatalogIndex {
  name: string
  unique: boolean
  columns: string[]
}

export interface CatalogTable {
  name: string
  comment: string
}

/** A table of a schema with its columns in order, as a diagram needs them. */
export interface CatalogTableColumns {
  schema: string
  table: string
  comment: string
  columns: Array<{ name: string; inKey: boolean; comment: string }>
}

export type InsertMode = 'insert' | 'skip' | 'replace'

export interface Dialect {
  readonly name: 'mysql' | 'postgresql'
  quote(identifier: string): string
  fullName(schema: string, table: string): string
  /** the SQL column type of a classified declared type */
  columnType(spec: TypeSpec): string
  /** statements run at the start of each session */
  sessionInit(): string[]
  /** the most parameters one statement may bind, if the server limits them */
  readonly maxParameters?: number

  createSchema(schema: string): string
  dropSchema(schema: string): string
  createTable(def: TableDef): string
  dropTable(schema: string, table: string): string
  /** ALTER statements changing secondary columns: add, modify (rename via old name), drop */
  alterTable(schema: string, table: string, changes: AlterChange[], comment?: string): string
  columnSql(column: ColumnDef): string
  /** the SQL of a literal default as written in a definition */
  defaultSql(raw: string): string

  listSchemas(exec: Exec): Promise<string[]>
  schemaExists(exec: Exec, schema: string): Promise<boolean>
  /** the table's comment, or null when the table does not exist */
  tableComment(exec: Exec, schema: string, table: string): Promise<string | null>
  /** lineage of a table's attributes from `~lineage`, or null when the schema has none */
  lineage(exec: Exec, schema: string, table: string): Promise<Map<string, string> | null>
  /** DDL of the 2.x `~lineage` table */
  lineageTable(schema: string): string
  /** LIMIT/OFFSET clause (with its leading space), or '' */
  limit(limit: number | undefined, offset: number | undefined): string
  listTables(exec: Exec, schema: string): Promise<CatalogTable[]>
  columns(exec: Exec, schema: string, table: string): Promise<CatalogColumn[]>
  /** every base table of the schemas with its columns (one catalog query, for diagrams) */
  schemaColumns(exec: Exec, schemas: readonly string[]): Promise<CatalogTableColumns[]>
  /** foreign keys whose child or parent lies in any of the given schemas */
  foreignKeys(exec: Exec, schemas: readonly string[]): Promise<CatalogForeignKey[]>
  indexes(exec: Exec, schema: string, table: string): Promise<CatalogIndex[]>
  /** the largest statement the server accepts, in bytes */
  maxStatementBytes(exec: Exec): Promise<number>

  /** INSERT of rows whose `(?,?),(?,DEFAULT)` tuples are given as `values` */
  insert(full: string, columns: readonly string[], values: string, mode: InsertMode, primaryKey: readonly string[]): string
  /** INSERT ... SELECT */
  insertSelect(full: string, columns: readonly string[], select: string, mode: InsertMode, primaryKey: readonly string[]): string
  readonly startTransaction: string
  /** SQL giving this session's id, as DriverSession.id has it */
  readonly sessionIdSql: string
  /** SQL giving the user the server knows this session as */
  readonly currentUserSql: string
  /** SQL of the ids of the sessions alive on the server (that this user may see) */
  readonly liveSessionsSql: string
  /** SQL of the time `seconds` (an SQL expression, e.g. a `?`) before now */
  secondsAgo(seconds: string): string
  killSession(id: number): string
  /** appended to a SELECT to lock the rows read inside a transaction */
  readonly forUpdate: string

  translateError(err: unknown, sql?: string, params?: readonly unknown[]): DataJointError
  isLostConnection(err: unknown): boolean
}

export type AlterChange =
  /** after: the preceding column; null puts the column first; undefined keeps its place */
  | { kind: 'add'; column: ColumnDef; after: string | null }
  | { kind: 'modify'; column: ColumnDef; oldName: string; after?: string | null }
  | { kind: 'drop'; name: string }

/** Catalog rows, one per column in table order (schema, table, table comment, column, in key, comment), as tables. */
export function groupTableColumns(rows: Array<{ s: string; t: string; tc: string | null; c: string; k: boolean; cc: string | null }>): CatalogTableColumns[] {
  const out: CatalogTableColumns[] = []
  for (const r of rows) {
    let last = out[out.length - 1]
    if (!last || last.schema !== r.s || last.table !== r.t) out.push((last = { schema: r.s, table: r.t, comment: r.tc ?? '', columns: [] }))
    last.columns.push({ name: r.c, inKey: r.k, comment: r.cc ?? '' })
  }
  return out
}

/** Catalog rows, one per column pair of a foreign key in order (child cs.ct.cc → parent ps.pt.pc), as foreign keys. */
export function groupForeignKeys(rows: Array<{ name: string; cs: string; ct: string; cc: string; ps: string; pt: string; pc: string }>): CatalogForeignKey[] {
  const byName = new Map<string, CatalogForeignKey>()
  for (const r of rows) {
    const key = `${r.cs}.${r.ct}.${r.name}`
    let fk = byName.get(key)
    if (!fk) byName.set(key, (fk = { name: r.name, childSchema: r.cs, childTable: r.ct, parentSchema: r.ps, parentTable: r.pt, columns: [] }))
    fk.columns.push([r.cc, r.pc])
  }
  return [...byName.values()]
}

/** Catalog rows, one per column of an index in order, as indexes. */
export function groupIndexes(rows: Array<{ name: string; unique: boolean; col: string }>): CatalogIndex[] {
  const byName = new Map<string, CatalogIndex>()
  for (const r of rows) {
    let ix = byName.get(r.name)
    if (!ix) byName.set(r.name, (ix = { name: r.name, unique: r.unique, columns: [] }))
    ix.columns.push(r.col)
  }
  return [...byName.values()]
}
