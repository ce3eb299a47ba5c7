/**
 * A schema: one database holding a pipeline's tables. `dj.schema(name)` makes the handle (nothing
 * is sent yet); `declare(...classes)` creates the database on first use and the tables that are
 * missing, parents first, parts after their masters; `dj.openSchema(name)` makes classes for the
 * tables of an existing schema, whoever made it (this library or datajoint-python 0.14 / 2.x).
 */
import { inspect } from 'node:util'
import type { Connection } from '../connection/connection.js'
import { conn as defaultConnection } from '../connection/global.js'
import { declare, type ResolvedParent } from '../definition/declare.js'
import { type ForeignKeyLine, parseDefinition } from '../definition/parse.js'
import { AccessError, DataJointError } from '../errors.js'
import type { Heading } from '../heading/heading.js'
import { loadHeading } from '../heading/load.js'
import { log } from '../logger.js'
import { confirm } from '../prompt.js'
import { config } from '../settings/global.js'
import { parseTableName, tableNameFor, type Tier } from '../table/naming.js'
import { classLabel, getTableInfo, registerTableClass, setTableInfo } from '../table/registry.js'
import { type Table, tableOf } from '../table/table.js'
import { Computed, Imported, isPartClass, isTableClass, Lookup, Manual, Part } from '../table/tiers.js'
import { unpack } from '../blob/unpack.js'
import { DependencyGraph } from './dependencies.js'
import { callerModule, recordModule } from './origin.js'
import { writeLineage } from './lineage.js'

export type TableClass = typeof Table

export interface SchemaOptions {
  /** names visible to foreign-key references (`-> uni.Student` needs `{ uni }`) */
  context?: Record<string, unknown>
  /** the connection (default: dj.conn()) */
  connection?: Connection
  /** create the database if it is missing (default true) */
  createSchema?: boolean
  /** create missing tables on declare (default dj.config.database.create_tables) */
  createTables?: boolean
  /**
   * the datajoint-python that must read the tables: `2.x` (default; type markers and ~lineage) or
   * `0.14` (its storage format: native types, no markers but :uuid:, no ~lineage)
   */
  compatibility?: '2.x' | '0.14'
}

interface Item {
  cls: TableClass
  /** the master class for parts */
  master: TableClass | null
  /** the name the class is known by (a part's property name on its master) */
  name: string
}

export class Schema {
  /** the schema name as given (without the prefix) */
  readonly name: string
  /** the database name (with dj.config.database.prefix) */
  readonly database: string
  readonly context: Record<string, unknown>
  readonly #connection: Connection | undefined
  readonly #options: SchemaOptions
  readonly #classes = new Map<string, TableClass>()
  #created = false

  constructor(name: string, options: SchemaOptions = {}) {
    if (typeof name !== 'string' || name === '') throw new DataJointError('A schema needs a name.', { hint: "dj.schema('my_pipeline')" })
    this.name = name
    this.database = (config.get('database.prefix') as string) + name
    this.context = options.context ?? {}
    this.#connection = options.connection
    this.#options = options
  }

  get connection(): Connection {
    return this.#connection ?? defaultConnection()
  }

  get compatibility(): '2.x' | '0.14' {
    return this.#options.compatibility ?? '2.x'
  }

  /** The declared classes, by name (`Session`, `Session.Trial`). */
  get tables(): Record<string, TableClass> {
    return Object.fromEntries(this.#classes)
  }

  /** The class of a table by its class name (`Session`, `Session.Trial`) or table name. */
  table(name: string): TableClass {
    const cls = this.#classes.get(name) ?? [...this.#classes.values()].find((c) => getTableInfo(c)?.tableName === name)
    if (!cls) {
      throw new DataJointError(`Schema ${this.database} has no table ${name}.`, { hint: `Its tables are: ${[...this.#classes.keys()].join(', ') || '(none declared)'}.` })
    }
    return cls
  }

  async exists(): Promise<boolean> {
    const conn = this.connection
    return conn.dialect.schemaExists((s, p) => conn.fetchAll(s, p ?? []), this.database)
  }

  async #ensureDatabase(): Promise<void> {
    if (this.#created) return
    if (!(await this.exists())) {
      if (this.#options.createSchema === false) {
        throw new DataJointError(`The schema ${this.database} does not exist.`, { hint: 'Create it with dj.schema(name) (createSchema: true), or check the name and dj.config.database.prefix.' })
      }
      try {
        await this.connection.query(this.connection.dialect.createSchema(this.database))
        log.info(`Created schema ${this.database}`)
      } catch (err) {
        if (err instanceof AccessError) {
          throw new AccessError(`Schema ${this.database} does not exist and could not be created.`, { cause: err, hint: 'Ask your database administrator for the CREATE privilege, or use an existing schema.' })
        }
        throw err
      }
    }
    this.#created = true
  }

  /** The table names of this schema, parents before children (hidden `~` tables left out). */
  async listTables(): Promise<string[]> {
    const conn = this.connection
    const tables = (await conn.dialect.listTables((s, p) => conn.fetchAll(s, p ?? []), this.database)).map((t) => t.name).filter((n) => !n.startsWith('~'))
    const graph = await DependencyGraph.load(conn, [this.database])
    const nodes = tables.map((t) => graph.node(this.database, t).full)
    return graph.topological(nodes).map((n) => n.table)
  }

  #register(item: Item, tableName: string, tier: Tier, heading: Heading): void {
    const existing = getTableInfo(item.cls)
    if (existing && existing.schema !== this) {
      throw new DataJointError(`${item.cls.name} is already declared in schema ${existing.schema.database}.`, { hint: 'A class belongs to one schema; declare a new class for the other schema.' })
    }
    setTableInfo(item.cls, { schema: this, tableName, tier, heading, master: item.master, parts: existing?.parts ?? new Map() })
    if (item.master) getTableInfo(item.master)?.parts.set(item.name, item.cls)
    const label = classLabel(item.cls)
    this.#classes.set(label, item.cls)
    registerTableClass(this.connection.dialect.fullName(this.database, tableName), item.cls)
    if (!item.master && !(label in this)) Object.defineProperty(this, label, { value: item.cls, enumerable: false, configurable: true })
  }

  /**
   * Declares table classes: creates the tables that do not exist (parents first; parts right
   * after their master), loads the headings of those that do, and inserts Lookup contents.
   */
  async declare(...classes: TableClass[]): Promise<this> {
    recordModule(classes, callerModule(new Error().stack))
    const items: Item[] = []
    for (const cls of classes) {
      if (!isTableClass(cls as unknown)) throw new DataJointError(`schema.declare expects table classes; got ${typeof cls === 'function' ? (cls as Function).name || 'a function' : typeof cls}.`, { hint: 'Pass classes that extend dj.Manual, dj.Lookup, dj.Imported or dj.Computed.' })
      if (isPartClass(cls as unknown)) throw new DataJointError(`${cls.name} is a Part table: declare its master, where it is a static property.`, { hint: 'class Session extends dj.Manual { static Trial = class extends dj.Part { ... } }' })
      items.push({ cls, master: null, name: cls.name })
      for (const key of Object.getOwnPropertyNames(cls)) {
        const v = (cls as unknown as Record<string, unknown>)[key]
        if (isPartClass(v)) {
          if (!/^[A-Z]/.test(key)) throw new DataJointError(`The part table ${cls.name}.${key} must be named in CamelCase.`)
          items.push({ cls: v, master: cls, name: key })
        }
      }
    }
    await this.#ensureDatabase()
    const conn = this.connection
    const existing = new Set((await conn.dialect.listTables((s, p) => conn.fetchAll(s, p ?? []), this.database)).map((t) => t.name))
    const state = new Map<TableClass, 'pending' | 'done'>()
    const byName = new Map<string, Item>()
    for (const it of items) byName.set(it.master ? `${it.master.name}.${it.name}` : it.name, it)

    const tableNameOf = (it: Item): string => {
      if (it.master) return tableNameFor(it.name, 'part', tableNameOf(items.find((x) => x.cls === it.master)!))
      const tier = (it.cls as unknown as { tier: Tier }).tier
      return tableNameFor(it.name, tier)
    }

    const declareOne = async (it: Item): Promise<void> => {
      const s = state.get(it.cls)
      if (s === 'done') return
      if (s === 'pending') throw new DataJointError(`Cyclic foreign keys around ${classLabel(it.cls)}.`, { hint: 'Foreign keys must form a directed acyclic graph.' })
      state.set(it.cls, 'pending')
      if (it.master) await declareOne(items.find((x) => x.cls === it.master)!)
      const tableName = tableNameOf(it)
      const tier: Tier = it.master ? 'part' : (it.cls as unknown as { tier: Tier }).tier
      const label = it.master ? `${it.master.name}.${it.name}` : it.name
      if (!existing.has(tableName)) {
        if ((this.#options.createTables ?? config.get('database.create_tables')) === false) {
          throw new DataJointError(`The table ${label} (${this.database}.${tableName}) does not exist and creating tables is off.`, { hint: 'Set dj.config.database.create_tables = true or createTables: true.' })
        }
        const definition = (it.cls as unknown as { definition?: unknown }).definition
        if (typeof definition !== 'string') {
          throw new DataJointError(`${label} has no definition.`, { hint: 'Give the class a static definition = `...` string in the DataJoint definition language.' })
        }
        const parsed = parseDefinition(definition)
        const decl = await declare(parsed, {
          schema: this.database,
          table: tableName,
          dialect: conn.dialect,
          label,
          autoPopulated: tier === 'imported' || tier === 'computed',
          allowNewPrimaryKeyFields: config.get('jobs.allow_new_pk_fields_in_computed_tables') as boolean,
          compatibility: this.compatibility,
          resolve: (fk) => this.#resolve(fk, it, byName, declareOne),
        })
        try {
          await conn.query(conn.dialect.createTable(decl.def))
        } catch (err) {
          throw err instanceof DataJointError ? new (err.constructor as typeof DataJointError)(`Declaring ${label}: ${err.reason}`, { cause: err.cause, sql: err.sql, hint: err.hint }) : err
        }
        const inherited = new Map<string, { schema: string; table: string; attribute: string }>()
        for (const fk of decl.foreignKeys) {
          for (const [child, parent] of Object.entries(fk.attributeMap)) {
            if (!inherited.has(child)) inherited.set(child, { schema: fk.parent.schema, table: fk.parent.table, attribute: parent })
          }
        }
        if (this.compatibility === '2.x') await writeLineage(conn, { schema: this.database, table: tableName, primaryKey: decl.def.primaryKey, inherited })
        existing.add(tableName)
        log.debug(`Declared ${conn.dialect.fullName(this.database, tableName)}`)
      }
      this.#register(it, tableName, tier, await loadHeading(conn, this.database, tableName))
      state.set(it.cls, 'done')
    }

    for (const it of items) await declareOne(it)
    for (const it of items) await this.#insertContents(it.cls)
    return this
  }

  async #insertContents(cls: TableClass): Promise<void> {
    const contents = (cls as unknown as typeof Lookup).contents
    if (!contents || !(cls.prototype instanceof Lookup)) return
    const t = tableOf(cls as unknown as new () => Table)
    if (contents.length <= (await t.count())) return
    if (t.heading.attributes.some((a) => a.autoIncrement)) {
      log.warn(`${cls.name} has an auto_increment attribute: its contents are not inserted automatically.`)
      return
    }
    await t.insert(contents, { skipDuplicates: true })
  }

  /** Finds the table a foreign-key line refers to. */
  async #resolve(fk: ForeignKeyLine, it: Item, batch: Map<string, Item>, declareOne: (it: Item) => Promise<void>): Promise<ResolvedParent> {
    const conn = this.connection
    const where = `in line ${fk.line} of the definition of ${classLabel(it.cls) || it.name}: \`${fk.text}\``
    if (fk.fullName) {
      const { schema, table } = fk.fullName
      try {
        return { schema, table, heading: await loadHeading(conn, schema, table), label: conn.dialect.fullName(schema, table) }
      } catch (err) {
        throw new DataJointError(`The foreign key reference ${conn.dialect.fullName(schema, table)} ${where} does not exist.`, { cause: err })
      }
    }
    const [first, ...rest] = fk.ref
    let value: unknown
    let batchItem: Item | undefined
    if (first === 'master') {
      if (!it.master) throw new DataJointError(`"-> master" ${where}: only part tables have a master.`)
      value = it.master
    } else if (batch.has(fk.ref.join('.'))) {
      batchItem = batch.get(fk.ref.join('.'))
      value = batchItem!.cls
    } else if (batch.has(first!)) {
      value = batch.get(first!)!.cls
    } else if (this.#classes.has(first!)) {
      value = this.#classes.get(first!)
    } else if (first! in this.context) {
      value = this.context[first!]
    } else if (first === it.master?.name) {
      value = it.master
    } else {
      throw new DataJointError(`The foreign key reference "${fk.ref.join('.')}" ${where} could not be resolved.`, {
        hint: `Declare ${first} in the same schema.declare(...) call or before, or make it visible with dj.schema(name, { context: { ${first} } }).`,
      })
    }
    if (!batchItem) {
      for (const name of rest) {
        if (value instanceof Schema) value = value.table(name)
        else if (value !== null && (typeof value === 'object' || typeof value === 'function') && name in (value as object)) value = (value as Record<string, unknown>)[name]
        else throw new DataJointError(`The foreign key reference "${fk.ref.join('.')}" ${where} could not be resolved: "${name}" not found.`)
      }
    }
    if (!isTableClass(value)) throw new DataJointError(`The foreign key reference "${fk.ref.join('.')}" ${where} is not a table class.`)
    const cls = value as TableClass
    const pending = [...batch.values()].find((x) => x.cls === cls)
    if (pending) await declareOne(pending)
    const info = getTableInfo(cls)
    if (!info) throw new DataJointError(`The foreign key reference "${fk.ref.join('.')}" ${where} is a class that is not declared yet.`, { hint: 'Declare the parent first, or in the same declare call.' })
    return { schema: info.schema.database, table: info.tableName, heading: info.heading, label: classLabel(cls) }
  }

  /** Reads the heading of a declared class again (after alter). */
  async reloadHeading(cls: TableClass): Promise<void> {
    const info = getTableInfo(cls)
    if (!info) return
    info.heading = await loadHeading(this.connection, this.database, info.tableName)
  }

  /** A resolver for re-declaring a class's definition (alter compares declarations). */
  resolverFor(cls: TableClass): (fk: ForeignKeyLine) => Promise<ResolvedParent> {
    const info = getTableInfo(cls)!
    const it: Item = { cls, master: (info.master as TableClass) ?? null, name: cls.name }
    return (fk) => this.#resolve(fk, it, new Map(), async () => {})
  }

  /** Makes classes for the tables of the schema that have none yet (openSchema uses it). */
  async makeClasses(): Promise<this> {
    const conn = this.connection
    const names = await this.listTables()
    const masters = new Map<string, TableClass>()
    const bases: Record<Exclude<Tier, 'part'>, TableClass> = { manual: Manual, lookup: Lookup, imported: Imported, computed: Computed }
    const parts: Array<{ table: string; master: string; className: string }> = []
    for (const table of names) {
      const p = parseTableName(table)
      if (!p || p.tier === 'hidden') continue
      if (p.tier === 'part') {
        parts.push({ table, master: p.master, className: p.className })
        continue
      }
      const existing = [...this.#classes.values()].find((c) => getTableInfo(c)?.tableName === table)
      if (existing) {
        masters.set(table, existing)
        continue
      }
      const Base = bases[p.tier]
      const cls = { [p.className]: class extends Base {} }[p.className]! as TableClass
      this.#register({ cls, master: null, name: p.className }, table, p.tier, await loadHeading(conn, this.database, table))
      masters.set(table, cls)
    }
    for (const part of parts) {
      const master = masters.get(part.master)
      if (!master) {
        log.warn(`The table ${this.database}.${part.table} looks like a part of ${part.master}, which does not exist; skipped.`)
        continue
      }
      if ((master as unknown as Record<string, unknown>)[part.className]) continue
      const cls = { [part.className]: class extends Part {} }[part.className]! as TableClass
      Object.defineProperty(master, part.className, { value: cls, enumerable: true, configurable: true })
      this.#register({ cls, master, name: part.className }, part.table, 'part', await loadHeading(conn, this.database, part.table))
    }
    return this
  }

  /**
   * The rows of a 0.14 schema's `~jobs` table (reservations and errors of datajoint-python 0.14
   * workers), with `key` and `error_stack` unpacked; empty when the schema has none.
   */
  async legacyJobs(): Promise<Array<Record<string, unknown>>> {
    const conn = this.connection
    const exec = (s: string, p?: readonly unknown[]) => conn.fetchAll(s, p ?? [])
    if ((await conn.dialect.tableComment(exec, this.database, '~jobs')) === null) return []
    const rows = await conn.fetchAll(`SELECT * FROM ${conn.dialect.fullName(this.database, '~jobs')} ORDER BY timestamp`)
    for (const r of rows) {
      if (r.key) r.key = unpack(r.key)
      if (r.error_stack) r.error_stack = unpack(r.error_stack)
    }
    return rows
  }

  /** Drops the whole schema (every table and its data), after confirmation in safemode. */
  async drop(options: { prompt?: boolean; force?: boolean } = {}): Promise<void> {
    if (!(await this.exists())) {
      log.warn(`Schema ${this.database} does not exist; nothing to drop.`)
      return
    }
    if (!options.force && (options.prompt ?? (config.get('safemode') as boolean))) {
      const ok = await confirm(`Proceed to delete entire schema \`${this.database}\`? [yes, No]: `, 'Pass { force: true } to drop without asking, or set dj.config.safemode = false.')
      if (!ok) {
        log.info('Schema drop cancelled')
        return
      }
    }
    await this.connection.query(this.connection.dialect.dropSchema(this.database))
    this.#created = false
    log.info(`Dropped schema ${this.database}`)
  }

  toString(): string {
    const names = [...this.#classes.keys()]
    return `Schema ${this.database}${names.length ? ` (${names.join(', ')})` : ''}`
  }

  [inspect.custom](): string {
    return this.toString()
  }
}

/** A schema whose table classes are also its properties (`uni.Student`). */
export type OpenedSchema = Schema & Record<string, TableClass>

export function schema(name: string, options: SchemaOptions = {}): Schema {
  return new Schema(name, options)
}

/** The tables of an existing schema as classes: tiers from the names, parts under their masters. */
export async function openSchema(name: string, options: Omit<SchemaOptions, 'createSchema' | 'createTables'> = {}): Promise<OpenedSchema> {
  const s = new Schema(name, { ...options, createSchema: false, createTables: false })
  if (!(await s.exists())) {
    throw new DataJointError(`The schema ${s.database} does not exist.`, { hint: 'Check the name (dj.listSchemas() lists them) and dj.config.database.prefix.' })
  }
  await s.makeClasses()
  return s as OpenedSchema
}

export async function listSchemas(connection: Connection = defaultConnection()): Promise<string[]> {
  return connection.dialect.listSchemas((s, p) => connection.fetchAll(s, p ?? []))
}
