/**
 * alter(): brings the secondary attributes of a table in line with its class's current
 * definition. Both the definition and describe() of the live table go through the same
 * declaration, so only real differences become ADD / MODIFY / CHANGE / DROP. A comment starting
 * with `{old_name}` renames an attribute. Keys, foreign keys and indexes cannot be altered.
 */
import { declare } from '../definition/declare.js'
import { parseDefinition } from '../definition/parse.js'
import type { AlterChange, ColumnDef } from '../dialect/dialect.js'
import { DataJointError } from '../errors.js'
import { log } from '../logger.js'
import { confirm } from '../prompt.js'
import { config } from '../settings/global.js'
import type { Table } from './table.js'

export interface AlterOptions {
  /** show the statement and ask before executing (default: dj.config.safemode) */
  prompt?: boolean
  /** only compute the statement */
  dryRun?: boolean
}

export async function alterTable(table: Table, options: AlterOptions = {}): Promise<string | null> {
  const conn = table.connection
  if (conn.inTransaction) throw new DataJointError(`alter of ${table.label} cannot run inside a transaction.`)
  const cls = table.constructor as typeof Table & { definition?: string }
  if (typeof cls.definition !== 'string') throw new DataJointError(`${table.label} has no definition to alter to.`, { hint: 'Set static definition on the class to the new definition.' })
  const schema = table.info.schema
  const resolve = schema.resolverFor(cls)
  const base = { schema: table.database, table: table.tableName, dialect: conn.dialect, resolve, label: table.className, allowNewPrimaryKeyFields: true, compatibility: schema.compatibility }
  const wanted = parseDefinition(cls.definition)
  // renames: "{old_name}" at the start of the new attribute's comment
  const renames = new Map<string, string>()
  for (const line of wanted.secondary) {
    if (line.kind !== 'attribute') continue
    const m = /^\{\s*([a-z][a-z0-9_]*)\s*\}\s*(.*)$/s.exec(line.comment)
    if (!m) continue
    if ([...renames.values()].includes(m[1]!)) throw new DataJointError(`alter of ${table.label}: "${m[1]}" is renamed twice.`)
    renames.set(line.name, m[1]!)
    line.comment = m[2]!
  }
  const next = (await declare(wanted, base)).def
  const current = (await declare(parseDefinition(await table.describe()), base)).def
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b)
  const keySql = (d: typeof next) => d.columns.filter((c) => d.primaryKey.includes(c.name)).map((c) => conn.dialect.columnSql(c))
  if (!same(next.primaryKey, current.primaryKey) || !same(keySql(next), keySql(current))) {
    throw new DataJointError(`alter of ${table.label} cannot change the primary key.`, { hint: 'Declare a new table and copy the data.' })
  }
  if (!same(next.foreignKeys, current.foreignKeys)) throw new DataJointError(`alter of ${table.label} cannot change foreign keys (yet).`)
  if (!same(next.indexes, current.indexes)) throw new DataJointError(`alter of ${table.label} cannot change indexes (yet).`)

  const oldCols = new Map(current.columns.filter((c) => !current.primaryKey.includes(c.name)).map((c) => [c.name, c]))
  const newCols = next.columns.filter((c) => !next.primaryKey.includes(c.name))
  for (const [n, old] of renames) {
    // a rename already applied (the definition still carries "{old}") has nothing left to do
    if (!oldCols.has(old) && oldCols.has(n)) {
      renames.delete(n)
      continue
    }
    if (!oldCols.has(old)) throw new DataJointError(`alter of ${table.label}: cannot rename "${old}" to "${n}": there is no attribute "${old}".`)
  }
  const changes: AlterChange[] = []
  const kept = new Set<string>()
  let prev: string | null = next.primaryKey[next.primaryKey.length - 1] ?? null
  const oldOrder = current.columns.map((c) => c.name)
  let oldPos = -1
  for (const col of newCols) {
    const source = renames.get(col.name) ?? col.name
    const old: ColumnDef | undefined = oldCols.get(source)
    if (!old) {
      changes.push({ kind: 'add', column: col, after: prev })
    } else {
      kept.add(source)
      const pos = oldOrder.indexOf(source)
      const moved = pos < oldPos
      oldPos = Math.max(oldPos, pos)
      if (source !== col.name || moved || conn.dialect.columnSql(old) !== conn.dialect.columnSql({ ...col, name: source })) {
        changes.push({ kind: 'modify', column: col, oldName: source, ...(moved ? { after: prev } : {}) })
      }
    }
    prev = col.name
  }
  for (const name of oldCols.keys()) if (!kept.has(name)) changes.push({ kind: 'drop', name })
  const comment = next.comment !== current.comment ? next.comment : undefined
  if (changes.length === 0 && comment === undefined) {
    if (!options.dryRun) log.warn(`Nothing to alter in ${table.label}.`)
    return null
  }
  const sql = conn.dialect.alterTable(table.database, table.tableName, changes, comment)
  if (options.dryRun) return sql
  if (options.prompt ?? (config.get('safemode') as boolean)) {
    log.info(sql)
    if (!(await confirm('Execute? [yes, No]: ', 'Pass { prompt: false } to alter without asking, or set dj.config.safemode = false.'))) {
      log.info('Alter cancelled')
      return null
    }
  }
  await conn.query(sql)
  await schema.reloadHeading(cls)
  return sql
}
