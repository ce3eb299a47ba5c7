/**
 * The PostgreSQL dialect (a server through `pg`, or PGlite in process), matching what
 * datajoint-python 2.3's PostgreSQL adapter writes: schemas as PostgreSQL schemas, enums as
 * types named by a hash of their values, comments and indexes as statements after the table,
 * `ON CONFLICT` for skipped duplicates, SQLSTATE codes for errors.
 */
import { createHash } from 'node:crypto'
import type { CoreType, TypeSpec } from '../definition/types.js'
import {
  AccessError, DataJointError, DeadlockError, DuplicateError, IntegrityError, LostConnectionError, MissingAttributeError,
  MissingTableError, QueryError, QuerySyntaxError, UnknownAttributeError,
} from '../errors.js'
import {
  type AlterChange, type CatalogColumn, type CatalogForeignKey, type CatalogIndex, type CatalogTable, type CatalogTableColumns, type ColumnDef, type Dialect, type Exec, type InsertMode, type TableDef,
  groupForeignKeys, groupIndexes, groupTableColumns,
} from './dialect.js'

const quote = (id: string) => '"' + id.replace(/"/g, '""') + '"'
const fullName = (schema: string, table: string) => `${quote(schema)}.${quote(table)}`
const literal = (s: string) => "'" + s.replace(/'/g, "''") + "'"

const CORE_SQL: Partial<Record<CoreType, string>> = {
  int8: 'smallint',
  int16: 'smallint',
  int32: 'integer',
  int64: 'bigint',
  float32: 'real',
  float64: 'double precision',
  bool: 'boolean',
  uuid: 'uuid',
  json: 'jsonb',
  bytes: 'bytea',
}

/** MySQL-style native types a definition may use, in PostgreSQL terms. */
function nativeType(declared: string): string {
  const t = declared.trim().toLowerCase()
  const m = /^(tiny|small|medium|big)?int(?:eger)?(?:\(\d+\))?(\s+unsigned)?$/.exec(t)
  if (m) return ({ tiny: 'smallint', small: 'smallint', medium: 'integer', big: 'bigint' } as Record<string, string>)[m[1] ?? ''] ?? (m[2] ? 'bigint' : 'integer')
  if (/^(tiny|medium|long)?blob$/.test(t) || /^(var)?binary\(\d+\)$/.test(t)) return 'bytea'
  if (/^(tiny|medium|long)?text$/.test(t)) return 'text'
  if (t === 'double' || t === 'float(53)') return 'double precision'
  if (t === 'float') return 'real'
  // MySQL's year has no PostgreSQL type: a small integer holds it
  if (t === 'year' || t === 'year(4)') return 'smallint'
  if (/^datetime(\(\d\))?$/.test(t)) return t.replace('datetime', 'timestamp')
  if (/^decimal\(/.test(t)) return t.replace('decimal', 'numeric')
  return declared
}

export function postgresColumnType(spec: TypeSpec): string {
  if (spec.category === 'native') return nativeType(spec.declared)
  const core = spec.category === 'codec' ? spec.storage! : spec.core!
  const sql = CORE_SQL[core]
  if (sql) return sql
  const declared = spec.category === 'codec' ? core : spec.declared
  // enum(...) stays as written here: createTable turns it into the schema's enum type
  return nativeType(declared)
}

/** The values of `enum('a', 'b')`, or null. */
function enumValues(sqlType: string): string[] | null {
  const m = /^enum\s*\(([\s\S]*)\)$/i.exec(sqlType.trim())
  if (!m) return null
  return [...m[1]!.matchAll(/'((?:[^']|'')*)'|"((?:[^"]|"")*)"/g)].map((x) => (x[1] !== undefined ? x[1].replace(/''/g, "'") : x[2]!.replace(/""/g, '"')))
}

/** datajoint-python's enum type name: `enum_` + the first 8 hex digits of MD5 of the sorted values joined by `_`. */
export function enumTypeName(values: readonly string[]): string {
  return 'enum_' + createHash('md5').update([...values].sort().join('_')).digest('hex').slice(0, 8)
}

function columnSql(c: ColumnDef, schema?: string): string {
  const values = enumValues(c.sqlType)
  const type = values && schema ? fullName(schema, enumTypeName(values)) : c.sqlType
  let s = `${quote(c.name)} ${type}`
  if (c.default !== null && c.default.toUpperCase() === 'NULL') s += ' DEFAULT NULL'
  else if (c.nullable) s += c.default !== null ? ` DEFAULT ${c.default}` : ' DEFAULT NULL'
  else s += c.default !== null ? ` NOT NULL DEFAULT ${c.default}` : ' NOT NULL'
  return s
}

function defaultSql(raw: string): string {
  const t = raw.trim()
  const upper = t.toUpperCase()
  if (upper === 'NULL' || /^CURRENT_TIMESTAMP(\(\d*\))?$/.test(upper)) return upper
  if (t.length >= 2 && t.startsWith('"') && t.endsWith('"')) return literal(t.slice(1, -1).replace(/\\"/g, '"'))
  if (t.length >= 2 && t.startsWith("'") && t.endsWith("'")) return t
  return literal(t)
}

/** Enum types a table needs, created before it (an existing one is kept). */
function enumTypes(schema: string, columns: readonly ColumnDef[]): string[] {
  const out = new Map<string, string>()
  for (const c of columns) {
    const values = enumValues(c.sqlType)
    if (!values) continue
    const name = fullName(schema, enumTypeName(values))
    out.set(name, `DO $$ BEGIN CREATE TYPE ${name} AS ENUM (${values.map(literal).join(', ')}); EXCEPTION WHEN duplicate_object THEN NULL; END $$`)
  }
  return [...out.values()]
}

const comments = (schema: string, table: string, columns: readonly ColumnDef[]) =>
  columns.filter((c) => c.comment).map((c) => `COMMENT ON COLUMN ${fullName(schema, table)}.${quote(c.name)} IS ${literal(c.comment)}`)

/** A default as the catalog gives it (`'1'::smallint`, `'U'::"db".enum_x`), as MySQL reports it: the bare value. */
function catalogDefault(expr: string | null): string | null {
  if (expr === null) return null
  const e = expr.trim()
  if (/^NULL(::.*)?$/i.test(e)) return null
  const lit = /^'((?:[^']|'')*)'(?:::[\w\s."()[\]]+)?$/.exec(e)
  if (lit) return lit[1]!.replace(/''/g, "'")
  const num = /^\(?(-?[\d.]+(?:e[+-]?\d+)?)\)?(?:::[\w\s."()]+)?$/i.exec(e)
  if (num) return num[1]!
  if (/^(CURRENT_TIMESTAMP|now\(\))/i.test(e)) return 'CURRENT_TIMESTAMP'
  if (/^(true|false)$/i.test(e)) return e.toLowerCase()
  return e
}

/** format_type() output in the terms the heading reads (`character varying(8)` → `varchar(8)`). */
function catalogType(formatted: string, enumLabels: string[] | null): string {
  if (enumLabels) return `enum(${enumLabels.map(literal).join(',')})`
  return formatted
    .replace(/^character varying/, 'varchar')
    .replace(/^character\b/, 'char')
    .replace(/^timestamp(\(\d\))? without time zone$/, 'timestamp$1')
    .replace(/^time(\(\d\))? without time zone$/, 'time$1')
}

const LOST_STATES = new Set(['57P01', '57P02', '57P03', '08000', '08003', '08006', '08001', '08004'])
const LOST_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EPIPE', 'EHOSTUNREACH'])

function conflict(mode: InsertMode, primaryKey: readonly string[], columns: readonly string[]): string {
  if (mode === 'insert') return ''
  const key = `(${primaryKey.map(quote).join(',')})`
  if (mode === 'skip') return ` ON CONFLICT ${key} DO NOTHING`
  const rest = columns.filter((c) => !primaryKey.includes(c))
  return rest.length ? ` ON CONFLICT ${key} DO UPDATE SET ${rest.map((c) => `${quote(c)} = EXCLUDED.${quote(c)}`).join(', ')}` : ` ON CONFLICT ${key} DO NOTHING`
}

export const postgresDialect: Dialect = {
  name: 'postgresql',
  quote,
  fullName,
  columnType: postgresColumnType,
  sessionInit: () => ["SET TIME ZONE 'UTC'", 'SET client_min_messages = WARNING'],
  maxParameters: 65535,

  createSchema: (s) => `CREATE SCHEMA IF NOT EXISTS ${quote(s)}`,
  dropSchema: (s) => `DROP SCHEMA IF EXISTS ${quote(s)} CASCADE`,
  dropTable: (s, t) => `DROP TABLE IF EXISTS ${fullName(s, t)} CASCADE`,
  columnSql: (c) => columnSql(c),
  defaultSql,

  createTable(def: TableDef): string {
    const lines = def.columns.map((c) => columnSql(c, def.schema))
    lines.push(`PRIMARY KEY (${def.primaryKey.map(quote).join(', ')})`)
    for (const fk of def.foreignKeys) {
      lines.push(
        `FOREIGN KEY (${fk.columns.map(quote).join(', ')}) REFERENCES ${fullName(fk.parentSchema, fk.parentTable)} ` +
          `(${fk.parentColumns.map(quote).join(', ')}) ON UPDATE CASCADE ON DELETE RESTRICT`,
      )
    }
    const statements = [
      ...enumTypes(def.schema, def.columns),
      `CREATE TABLE IF NOT EXISTS ${fullName(def.schema, def.table)} (\n${lines.join(',\n')}\n)`,
      ...def.indexes.map((ix) => `CREATE ${ix.unique ? 'UNIQUE ' : ''}INDEX IF NOT EXISTS ${quote(`idx_${def.table}_${ix.columns.join('_')}`.slice(0, 63))} ON ${fullName(def.schema, def.table)} (${ix.columns.map(quote).join(', ')})`),
      `COMMENT ON TABLE ${fullName(def.schema, def.table)} IS ${literal(def.comment)}`,
      ...comments(def.schema, def.table, def.columns),
    ]
    return statements.join(';\n')
  },

  alterTable(schema, table, changes: AlterChange[], comment?: string): string {
    const full = fullName(schema, table)
    const out: string[] = []
    const added: ColumnDef[] = []
    for (const c of changes) {
      if (c.kind === 'drop') out.push(`ALTER TABLE ${full} DROP COLUMN ${quote(c.name)}`)
      else if (c.kind === 'add') {
        out.push(...enumTypes(schema, [c.column]), `ALTER TABLE ${full} ADD COLUMN ${columnSql(c.column, schema)}`)
        added.push(c.column)
      } else {
        if (c.oldName !== c.column.name) out.push(`ALTER TABLE ${full} RENAME COLUMN ${quote(c.oldName)} TO ${quote(c.column.name)}`)
        const col = quote(c.column.name)
        const values = enumValues(c.column.sqlType)
        const type = values ? fullName(schema, enumTypeName(values)) : c.column.sqlType
        out.push(...enumTypes(schema, [c.column]), `ALTER TABLE ${full} ALTER COLUMN ${col} TYPE ${type} USING ${col}::text::${type}`)
        out.push(`ALTER TABLE ${full} ALTER COLUMN ${col} ${c.column.nullable ? 'DROP NOT NULL' : 'SET NOT NULL'}`)
        out.push(c.column.default !== null && c.column.default.toUpperCase() !== 'NULL' ? `ALTER TABLE ${full} ALTER COLUMN ${col} SET DEFAULT ${c.column.default}` : `ALTER TABLE ${full} ALTER COLUMN ${col} DROP DEFAULT`)
        added.push(c.column)
      }
    }
    out.push(...comments(schema, table, added))
    if (comment !== undefined) out.push(`COMMENT ON TABLE ${full} IS ${literal(comment)}`)
    return out.join(';\n')
  },

  async listSchemas(exec: Exec): Promise<string[]> {
    const rows = await exec("SELECT nspname AS name FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' AND nspname NOT IN ('information_schema', 'public') ORDER BY nspname")
    return rows.map((r) => r.name)
  },

  async schemaExists(exec: Exec, schema: string): Promise<boolean> {
    const rows = await exec('SELECT count(*) AS n FROM pg_namespace WHERE nspname = ?', [schema])
    return Number(rows[0].n) > 0
  },

  async tableComment(exec: Exec, schema: string, table: string): Promise<string | null> {
    const rows = await exec(
      "SELECT obj_description(c.oid, 'pg_class') AS comment FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ? AND c.relname = ? AND c.relkind IN ('r', 'p')",
      [schema, table],
    )
    return rows.length ? (rows[0].comment ?? '') : null
  },

  async lineage(exec: Exec, schema: string, table: string): Promise<Map<string, string> | null> {
    if ((await postgresDialect.tableComment(exec, schema, '~lineage')) === null) return null
    const rows = await exec(`SELECT attribute_name AS a, lineage AS l FROM ${fullName(schema, '~lineage')} WHERE table_name = ?`, [table])
    return new Map(rows.map((r) => [r.a, r.l]))
  },

  lineageTable: (schema: string) =>
    `CREATE TABLE IF NOT EXISTS ${fullName(schema, '~lineage')} (\n` +
    '"table_name" varchar(64) NOT NULL,\n"attribute_name" varchar(64) NOT NULL,\n"lineage" varchar(255) NOT NULL,\n' +
    'PRIMARY KEY ("table_name", "attribute_name")\n)',

  limit(limit: number | undefined, offset: number | undefined): string {
    const n = (v: number) => Math.max(0, Math.floor(v))
    return `${limit !== undefined ? ` LIMIT ${n(limit)}` : ''}${offset !== undefined ? ` OFFSET ${n(offset)}` : ''}`
  },

  async listTables(exec: Exec, schema: string): Promise<CatalogTable[]> {
    const rows = await exec(
      "SELECT c.relname AS name, obj_description(c.oid, 'pg_class') AS comment FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ? AND c.relkind IN ('r', 'p') ORDER BY c.relname",
      [schema],
    )
    return rows.map((r) => ({ name: r.name, comment: r.comment ?? '' }))
  },

  async columns(exec: Exec, schema: string, table: string): Promise<CatalogColumn[]> {
    const rows = await exec(
      `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS notnull,
              pg_get_expr(d.adbin, d.adrelid) AS dflt, col_description(c.oid, a.attnum) AS comment,
              coalesce(a.attnum = ANY (i.indkey), false) AS inkey, a.attidentity AS ident,
              (SELECT array_agg(e.enumlabel ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = a.atttypid) AS labels
         FROM pg_attribute a
         JOIN pg_class c ON c.oid = a.attrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
         LEFT JOIN pg_index i ON i.indrelid = c.oid AND i.indisprimary
        WHERE n.nspname = ? AND c.relname = ? AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY a.attnum`,
      [schema, table],
    )
    return rows.map((r) => {
      const labels = typeof r.labels === 'string' ? parseTextArray(r.labels) : (r.labels as string[] | null)
      const dflt = r.dflt === null ? null : String(r.dflt)
      return {
        name: r.name,
        columnType: catalogType(String(r.type), labels),
        nullable: !(r.notnull === true || r.notnull === 't'),
        default: /^nextval\(/.test(dflt ?? '') ? null : catalogDefault(dflt),
        comment: r.comment ?? '',
        inKey: r.inkey === true || r.inkey === 't',
        autoIncrement: (r.ident ?? '') !== '' || /^nextval\(/.test(dflt ?? ''),
      }
    })
  },

  async schemaColumns(exec: Exec, schemas: readonly string[]): Promise<CatalogTableColumns[]> {
    if (schemas.length === 0) return []
    const rows = await exec(
      `SELECT n.nspname AS s, c.relname AS t, obj_description(c.oid, 'pg_class') AS tc, a.attname AS c,
              coalesce(a.attnum = ANY (i.indkey), false) AS k, col_description(c.oid, a.attnum) AS cc
         FROM pg_attribute a
         JOIN pg_class c ON c.oid = a.attrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         LEFT JOIN pg_index i ON i.indrelid = c.oid AND i.indisprimary
        WHERE n.nspname IN (${schemas.map(() => '?').join(',')}) AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY n.nspname, c.relname, a.attnum`,
      [...schemas],
    )
    return groupTableColumns(rows.map((r) => ({ ...r, k: r.k === true || r.k === 't' })))
  },

  async foreignKeys(exec: Exec, schemas: readonly string[]): Promise<CatalogForeignKey[]> {
    if (schemas.length === 0) return []
    const marks = schemas.map(() => '?').join(',')
    const rows = await exec(
      `SELECT con.conname AS name, cn.nspname AS cs, cc.relname AS ct, ca.attname AS cc, pn.nspname AS ps, pc.relname AS pt, pa.attname AS pc
         FROM pg_constraint con
         JOIN pg_class cc ON cc.oid = con.conrelid JOIN pg_namespace cn ON cn.oid = cc.relnamespace
         JOIN pg_class pc ON pc.oid = con.confrelid JOIN pg_namespace pn ON pn.oid = pc.relnamespace
         CROSS JOIN LATERAL unnest(con.conkey, con.confkey) WITH ORDINALITY AS k(child, parent, ord)
         JOIN pg_attribute ca ON ca.attrelid = con.conrelid AND ca.attnum = k.child
         JOIN pg_attribute pa ON pa.attrelid = con.confrelid AND pa.attnum = k.parent
        -- in the order the foreign keys were declared: by their first column
        WHERE con.contype = 'f' AND (cn.nspname IN (${marks}) OR pn.nspname IN (${marks}))
        ORDER BY cn.nspname, cc.relname, con.conkey[1], con.conname, k.ord`,
      [...schemas, ...schemas],
    )
    return groupForeignKeys(rows)
  },

  async indexes(exec: Exec, schema: string, table: string): Promise<CatalogIndex[]> {
    const rows = await exec(
      `SELECT ic.relname AS name, i.indisunique AS u, a.attname AS col
         FROM pg_index i
         JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_class ic ON ic.oid = i.indexrelid
         CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
         JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
        WHERE n.nspname = ? AND c.relname = ? AND NOT i.indisprimary
        ORDER BY ic.relname, k.ord`,
      [schema, table],
    )
    return groupIndexes(rows.map((r) => ({ name: r.name, unique: r.u === true || r.u === 't', col: r.col })))
  },

  // a statement is bounded by its parameters (65535) long before its size
  maxStatementBytes: async () => 256 * 1024 * 1024,

  insert(full: string, columns: readonly string[], values: string, mode: InsertMode, primaryKey: readonly string[]): string {
    return `INSERT INTO ${full} (${columns.map(quote).join(',')}) VALUES ${values}${conflict(mode, primaryKey, columns)}`
  },

  insertSelect(full: string, columns: readonly string[], select: string, mode: InsertMode, primaryKey: readonly string[]): string {
    return `INSERT INTO ${full} (${columns.map(quote).join(',')}) ${select}${conflict(mode, primaryKey, columns)}`
  },

  forUpdate: ' FOR UPDATE',
  startTransaction: 'BEGIN',
  sessionIdSql: 'pg_backend_pid()',
  currentUserSql: 'current_user',
  liveSessionsSql: 'SELECT pid FROM pg_stat_activity',
  secondsAgo: (seconds) => `(CURRENT_TIMESTAMP(3) - (${seconds})::float8 * INTERVAL '1 second')`,
  killSession: (id) => `SELECT pg_terminate_backend(${Number(id)})`,

  isLostConnection(err: unknown): boolean {
    const e = err as { code?: string; message?: string }
    if (e?.code !== undefined && (LOST_STATES.has(e.code) || LOST_CODES.has(e.code))) return true
    return /Connection terminated|Client has encountered a connection error|not queryable/i.test(e?.message ?? '')
  },

  translateError(err: unknown, sql?: string, params?: readonly unknown[]): DataJointError {
    if (err instanceof DataJointError) return err
    const e = err as { code?: string; message?: string; detail?: string }
    const msg = (e?.message ?? String(err)).replace(/\.$/, '') + (e?.detail ? ` (${e.detail.replace(/\.$/, '')})` : '')
    const o = { cause: err, sql, params }
    if (postgresDialect.isLostConnection(err)) {
      return new LostConnectionError(`Lost connection to the database server: ${msg}.`, {
        ...o, hint: 'Check that the server is running and reachable (dj.config.database.host/port, DJ_HOST/DJ_PORT); DataJoint reconnects on the next statement outside a transaction.',
      })
    }
    switch (e?.code) {
      case '23505':
        return new DuplicateError(`${msg}.`, { ...o, hint: 'A row with this primary key already exists. Use skipDuplicates: true to keep the existing row, or replace: true to overwrite it.' })
      case '23001':
      case '23503':
        return /update or delete on table/.test(msg)
          ? new IntegrityError(`Cannot delete or drop: rows in another table refer to it (${msg}).`, { ...o, hint: 'Use delete() (which cascades to dependent tables) or delete the dependent rows first.' })
          : new IntegrityError(`The referenced parent row does not exist (${msg}).`, { ...o, hint: 'Insert the parent row first: every foreign key must match an existing row of its parent table.' })
      case '40P01':
      case '40001':
        return new DeadlockError(`${msg}.`, { ...o, hint: 'Concurrent transactions took the same rows in opposite orders; run the statement or transaction again.' })
      case '42P01':
      case '3F000':
        return new MissingTableError(`${msg}.`, { ...o, hint: 'Declare the table first (schema.declare(...)) or check the schema name and dj.config.database.prefix.' })
      case '28P01':
      case '28000':
      case '42501':
        return new AccessError(`Access denied: ${msg}.`, { ...o, hint: 'Check the user name and password (DJ_USER, DJ_PASS or dj.config.database) and ask your database administrator for the privilege.' })
      case '42601':
        return new QuerySyntaxError(`SQL syntax error: ${msg}.`, { ...o, hint: 'Check the restriction strings and computed expressions of the query (on PostgreSQL, strings take single quotes).' })
      case '42703':
        return new UnknownAttributeError(`${msg}.`, { ...o, hint: 'Check the attribute names against the table heading (Table.heading).' })
      case '23502':
        return new MissingAttributeError(`${msg}.`, { ...o, hint: 'The attribute is not nullable: give it a value, or declare it with "= null".' })
      case '22001':
        return new QueryError(`${msg}.`, { ...o, hint: 'The value is longer than the attribute type allows.' })
      case '22P02':
      case '22007':
      case '22008':
      case '22003':
        return new QueryError(`Invalid value: ${msg}.`, { ...o, hint: 'The value does not fit the attribute type; check the type in the table definition.' })
      default:
        return new QueryError(`${msg}.`, o)
    }
  },
}

/** A PostgreSQL text array (`{a,"b c"}`), for drivers that return arrays unparsed. */
function parseTextArray(s: string): string[] {
  const inner = s.replace(/^\{|\}$/g, '')
  if (!inner) return []
  return [...inner.matchAll(/"((?:[^"\\]|\\.)*)"|([^,]+)/g)].map((m) => (m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]!))
}
