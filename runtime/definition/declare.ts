/**
 * Declaration: a parsed definition plus its resolved parents becomes a TableDef (columns, primary
 * key, foreign keys, indexes) that the dialect renders as CREATE TABLE. Column types, defaults and
 * comment markers follow datajoint-python 2.x so that either implementation reads the table.
 */
import type { ColumnDef, Dialect, ForeignKeyDef, IndexDef, TableDef } from '../dialect/dialect.js'
import { DataJointError } from '../errors.js'
import type { Heading } from '../heading/heading.js'
import { log } from '../logger.js'
import { type AttributeLine, type ForeignKeyLine, lineError, type ParsedDefinition } from './parse.js'
import { classifyType, commentMarker, type TypeSpec } from './types.js'

/** The 0.14 reading of a type: only uuid keeps its marker; 2.x-only types and codecs are refused. */
function legacySpec(spec: TypeSpec, item: AttributeLine): TypeSpec {
  if (spec.category === 'native' || spec.core === 'uuid') return spec
  if (spec.category === 'codec') {
    throw lineError(`The codec type ${spec.declared} is DataJoint 2.x; this schema is 0.14-compatible`, item.line, item.text, 'Use longblob for a blob in a 0.14 schema, or declare the schema without compatibility: "0.14".')
  }
  const native = V2_ONLY[spec.core!]
  if (native) {
    throw lineError(`The type ${spec.declared} is DataJoint 2.x; this schema is 0.14-compatible`, item.line, item.text, `Write ${native} instead.`)
  }
  return { declared: spec.declared, category: 'native' }
}

export interface ResolvedParent {
  schema: string
  table: string
  heading: Heading
  /** how to name the parent in messages */
  label: string
}

export type ParentResolver = (fk: ForeignKeyLine) => Promise<ResolvedParent>

export interface DeclareOptions {
  schema: string
  table: string
  dialect: Dialect
  resolve: ParentResolver
  /** Imported/Computed tables take their whole primary key from foreign keys unless allowed */
  autoPopulated?: boolean
  allowNewPrimaryKeyFields?: boolean
  /** label of the class for messages */
  label: string
  /**
   * which datajoint-python the table must be readable by: `2.x` (default) writes core-type
   * markers; `0.14` writes the 0.14 format (native types, only `:uuid:` marked)
   */
  compatibility?: '2.x' | '0.14'
}

/** 2.x types that have no 0.14 spelling; 0.14 schemas use the native type instead. */
const V2_ONLY: Record<string, string> = {
  int8: 'tinyint', int16: 'smallint', int32: 'int', int64: 'bigint', float32: 'float', float64: 'double', bytes: 'longblob',
}

export interface Declaration {
  def: TableDef
  /** per foreign key: child attribute → parent attribute */
  foreignKeys: Array<{ parent: ResolvedParent; attributeMap: Record<string, string>; primary: boolean }>
}

const MAX_TABLE_NAME = 64

export async function declare(parsed: ParsedDefinition, o: DeclareOptions): Promise<Declaration> {
  if (o.table.length > MAX_TABLE_NAME) {
    throw new DataJointError(`Table name \`${o.table}\` of ${o.label} exceeds the maximum length of ${MAX_TABLE_NAME}.`, { hint: 'Choose a shorter class name.' })
  }
  const columns: ColumnDef[] = []
  const primaryKey: string[] = []
  const foreignKeys: ForeignKeyDef[] = []
  const indexes: IndexDef[] = []
  const resolved: Declaration['foreignKeys'] = []
  const fkPrimary = new Set<string>()
  const has = (name: string) => columns.some((c) => c.name === name)

  for (const [section, items] of [['primary', parsed.primary], ['secondary', parsed.secondary]] as const) {
    const inKey = section === 'primary'
    for (const item of items) {
      if (item.kind === 'foreignKey') {
        if (item.nullable && inKey) {
          throw lineError('Primary dependencies cannot be nullable', item.line, item.text, 'Move the foreign key below "---" or remove [nullable].')
        }
        const parent = await o.resolve(item)
        const parentKey = parent.heading.primaryKey
        for (const [newName, oldName] of Object.entries(item.renames)) {
          if (!parentKey.includes(oldName)) {
            throw lineError(`"${oldName}" is not a primary-key attribute of ${parent.label}`, item.line, item.text, `The primary key of ${parent.label} is (${parentKey.join(', ')}).`)
          }
          if (newName === oldName) continue
        }
        const inverse = new Map(Object.entries(item.renames).map(([n, old]) => [old, n]))
        const childCols: string[] = []
        const attributeMap: Record<string, string> = {}
        for (const p of parentKey) {
          const name = inverse.get(p) ?? p
          childCols.push(name)
          attributeMap[name] = p
          if (inKey) fkPrimary.add(name)
          if (has(name)) continue
          const pa = parent.heading.get(p)!
          columns.push({
            name,
            sqlType: pa.sqlType,
            nullable: item.nullable,
            default: null,
            comment: (pa.isUuid ? ':uuid:' : '') + pa.comment,
          })
          if (inKey) primaryKey.push(name)
        }
        foreignKeys.push({ columns: childCols, parentSchema: parent.schema, parentTable: parent.table, parentColumns: parentKey })
        if (item.unique) indexes.push({ unique: true, columns: childCols })
        resolved.push({ parent, attributeMap, primary: inKey })
        continue
      }
      if (has(item.name)) throw lineError(`Attribute "${item.name}" is declared twice`, item.line, item.text)
      if (item.nullable && inKey) {
        throw lineError('Primary key attributes cannot be nullable', item.line, item.text, 'Remove "= null" or move the attribute below "---".')
      }
      let spec = classifyType(item.type, `attribute "${item.name}" in line ${item.line}`)
      if (o.compatibility === '0.14') spec = legacySpec(spec, item)
      if (spec.category === 'native') {
        log.debug(`${o.label}: native type "${spec.declared}" of attribute "${item.name}"; a core type (int32, float64, …) is portable across backends.`)
      }
      const sqlType = o.dialect.columnType(spec)
      const blobLike = /blob|bytea/i.test(sqlType) || spec.category === 'codec'
      if (inKey && (blobLike || spec.core === 'json')) {
        throw lineError(`Blob, codec and JSON attributes cannot be in the primary key ("${item.name}")`, item.line, item.text, 'Move the attribute below "---".')
      }
      let def: string | null = null
      if (item.default !== null && !item.nullable) {
        if (blobLike) throw lineError(`The default of blob attribute "${item.name}" can only be null`, item.line, item.text)
        def = o.dialect.defaultSql(item.default)
      }
      columns.push({ name: item.name, sqlType, nullable: item.nullable, default: def, comment: commentMarker(spec) + item.comment })
      if (inKey) primaryKey.push(item.name)
    }
  }

  for (const ix of parsed.indexes) {
    for (const a of ix.attributes) {
      if (!has(a)) throw lineError(`The index refers to "${a}", which is not an attribute of the table`, ix.line, ix.text)
    }
    indexes.push({ unique: ix.unique, columns: ix.attributes })
  }

  if (o.autoPopulated && !o.allowNewPrimaryKeyFields) {
    const own = primaryKey.filter((k) => !fkPrimary.has(k))
    if (own.length > 0) {
      throw new DataJointError(
        `${o.label} is auto-populated but declares primary-key attribute(s) of its own: ${own.join(', ')}.`,
        { hint: 'Take the whole primary key from foreign keys (-> Parent), or set dj.config.jobs.allow_new_pk_fields_in_computed_tables = true.' },
      )
    }
  }

  if (primaryKey.length === 0 && o.compatibility === '0.14') {
    throw new DataJointError(`${o.label} has no primary key.`, { hint: 'A table of a 0.14-compatible schema needs at least one primary-key attribute above "---".' })
  }
  if (primaryKey.length === 0) {
    // 2.x singleton table: a hidden key column that allows at most one row
    columns.unshift({ name: '_singleton', sqlType: o.dialect.name === 'postgresql' ? 'boolean' : 'tinyint', nullable: false, default: 'TRUE', comment: ':bool:singleton primary key' })
    primaryKey.push('_singleton')
  }
  // primary-key columns come first, in key order, as DataJoint lays them out
  const ordered = [...primaryKey.map((k) => columns.find((c) => c.name === k)!), ...columns.filter((c) => !primaryKey.includes(c.name))]
  return {
    def: { schema: o.schema, table: o.table, columns: ordered, primaryKey, foreignKeys, indexes, comment: parsed.comment },
    foreignKeys: resolved,
  }
}
