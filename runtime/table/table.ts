/**
 * A table: a class whose rows live in one database table. Users subclass a tier (Manual, Lookup,
 * Imported, Computed, Part) and give it a `definition`; after `schema.declare(...)` the class and
 * its instances are query expressions over the table's rows. Every operation is available on the
 * class itself (`Mouse.insert(...)`, `Mouse.restrict(...)`) as in DataJoint.
 */
import { inspect } from 'node:util'
import type { Connection } from '../connection/connection.js'
import { display, type MimeBundle } from '../display.js'
import { DataJointError } from '../errors.js'
import type { Heading } from '../heading/heading.js'
import type { Condition } from '../query/condition.js'
import { SqlFragment } from '../query/condition.js'
import { type AggrOptions, type FetchOptions, type Operand, QueryExpression, type Row } from '../query/expression.js'
import { alterTable, type AlterOptions } from './alter.js'
import { deletePlan, deleteRows, type DeleteOptions, type DeletePreview } from './delete.js'
import { DependencyGraph } from '../schema/dependencies.js'
import { describeTable } from './describe.js'
import { dropTable, type DropOptions } from './drop.js'
import { insertRows, type InsertOptions, type InsertSource, updateRow } from './insert.js'
import type { Tier } from './naming.js'
import { getTableInfo, type TableInfo } from './registry.js'

type TableCtor<T extends Table> = new () => T

const instances = new WeakMap<Function, Table>()

/** The unrestricted table object of a class (one per class). */
export function tableOf<T extends Table>(cls: TableCtor<T>): T {
  let t = instances.get(cls) as T | undefined
  if (!t) instances.set(cls, (t = new cls()))
  return t
}

export class Table extends QueryExpression {
  /** the definition, in DataJoint's definition language */
  static definition?: string
  /** the tier, set by the tier base classes */
  static readonly tier: Tier = 'manual'

  /** The schema's record of this class; a clear error when the class was never declared. */
  get info(): TableInfo {
    const info = getTableInfo(this.constructor)
    if (!info) {
      throw new DataJointError(`The table class ${this.constructor.name} is not declared in a schema.`, {
        hint: `Call await schema.declare(${this.constructor.name}) first (or open an existing schema with dj.openSchema).`,
      })
    }
    return info
  }

  get connection(): Connection {
    return this.info.schema.connection
  }
  get heading(): Heading {
    return this.info.heading
  }
  get database(): string {
    return this.info.schema.database
  }
  get tableName(): string {
    return this.info.tableName
  }
  get fullTableName(): string {
    return this.connection.dialect.fullName(this.database, this.tableName)
  }
  get tier(): Tier {
    return this.info.tier
  }
  get className(): string {
    const master = this.info.master
    return master ? `${master.name}.${this.constructor.name}` : this.constructor.name
  }
  get label(): string {
    return `${this.className} (${this.fullTableName})`
  }
  protected fromClause(): SqlFragment {
    return new SqlFragment(this.fullTableName)
  }

  /** Inserts rows (objects, or arrays in heading order, or the rows of a query). */
  insert(rows: InsertSource, options: InsertOptions = {}): Promise<number> {
    return insertRows(this, rows, options)
  }
  insert1(row: Row | readonly unknown[], options: InsertOptions = {}): Promise<number> {
    return insertRows(this, [row], options)
  }
  /** Changes secondary attributes of one existing row, found by its primary key. */
  update1(row: Row): Promise<void> {
    return updateRow(this, row)
  }
  /** Deletes the rows of this (restricted) table without cascading or asking. */
  async deleteQuick(): Promise<number> {
    const where = this.whereClause()
    const r = await this.connection.query(`DELETE FROM ${this.fullTableName}${where.sql}`, where.params)
    return r.affectedRows
  }
  /** The rows a delete would remove from each table, without deleting. */
  deletePreview(options: Pick<DeleteOptions, 'partIntegrity'> = {}): Promise<DeletePreview> {
    return deletePlan(this, options).then((p) => p.preview())
  }
  /** Deletes these rows and, in one transaction, every row that depends on them. */
  delete(options: DeleteOptions = {}): Promise<number> {
    return deleteRows(this, options)
  }
  /** Drops this table and every table that depends on it. */
  drop(options: DropOptions = {}): Promise<void> {
    return dropTable(this, options)
  }
  /** Changes secondary attributes to match the class's current definition. */
  alter(options: AlterOptions = {}): Promise<string | null> {
    return alterTable(this, options)
  }
  /** A definition that declares this table as it is in the database. */
  describe(): Promise<string> {
    return describeTable(this)
  }

  /** Restricting a table keeps it a table (so that delete, update1 and the rest still apply). */
  override restrict(...conditions: Parameters<QueryExpression['restrict']>): this {
    return super.restrict(...conditions) as this
  }
  override exclude(...conditions: Parameters<QueryExpression['exclude']>): this {
    return super.exclude(...conditions) as this
  }

  /** Full names of the tables this one refers to (its foreign keys' parents). */
  async parents(): Promise<string[]> {
    const g = await DependencyGraph.load(this.connection, [this.database])
    return [...new Set(g.parents(this.fullTableName).map((e) => e.parent.full))]
  }
  /** Full names of the tables that refer to this one. */
  async children(): Promise<string[]> {
    const g = await DependencyGraph.load(this.connection, [this.database])
    return [...new Set(g.children(this.fullTableName).map((e) => e.child.full))]
  }
  /** This table and every table it depends on, parents first. */
  async ancestors(): Promise<string[]> {
    const g = await DependencyGraph.load(this.connection, [this.database])
    g.node(this.database, this.tableName)
    return g.ancestors(this.fullTableName).map((n) => n.full)
  }
  /** This table and every table that depends on it, parents first. */
  async descendants(): Promise<string[]> {
    const g = await DependencyGraph.load(this.connection, [this.database])
    g.node(this.database, this.tableName)
    return g.descendants(this.fullTableName).map((n) => n.full)
  }
  /** The part classes of a master, by name. */
  get parts(): Record<string, Function> {
    return Object.fromEntries(this.info.parts)
  }

  override toString(): string {
    return this.label
  }

  [inspect.custom](): string {
    return this.isRestricted ? `${this.label} restricted by ${this.restrictionSql()!.sql}` : this.label
  }

  // --- the same operations on the class ---------------------------------------------------
  static restrict<T extends Table>(this: TableCtor<T>, ...conditions: Parameters<QueryExpression['restrict']>): T {
    return tableOf(this).restrict(...conditions)
  }
  static exclude<T extends Table>(this: TableCtor<T>, ...conditions: Parameters<QueryExpression['exclude']>): T {
    return tableOf(this).exclude(...conditions)
  }
  static fetch(this: TableCtor<Table>, options: FetchOptions & { format: 'columns' }): Promise<Record<string, unknown[] | ArrayLike<number>>>
  static fetch(this: TableCtor<Table>, options?: FetchOptions): Promise<Row[]>
  static fetch(this: TableCtor<Table>, ...attributesAndOptions: Array<string | FetchOptions>): Promise<any>
  static fetch(this: TableCtor<Table>, ...args: Array<string | FetchOptions | undefined>): Promise<any> {
    return tableOf(this).fetch(...(args as Array<string | FetchOptions>))
  }
  static fetch1(this: TableCtor<Table>): Promise<Row>
  static fetch1(this: TableCtor<Table>, ...attributes: string[]): Promise<any>
  static fetch1(this: TableCtor<Table>, ...attributes: string[]): Promise<any> {
    return tableOf(this).fetch1(...attributes)
  }
  static proj(this: TableCtor<Table>, ...args: Array<string | Record<string, string>>): QueryExpression {
    return tableOf(this).proj(...args)
  }
  static join(this: TableCtor<Table>, other: Operand, options?: { semanticCheck?: boolean; left?: boolean }): QueryExpression {
    return tableOf(this).join(other, options)
  }
  static aggr(this: TableCtor<Table>, group: Operand, ...args: Array<string | Record<string, string> | AggrOptions>): QueryExpression {
    return tableOf(this).aggr(group, ...args)
  }
  static union(this: TableCtor<Table>, other: Operand): QueryExpression {
    return tableOf(this).union(other)
  }
  static head(this: TableCtor<Table>, limit?: number): Promise<Row[]> {
    return tableOf(this).head(limit)
  }
  static tail(this: TableCtor<Table>, limit?: number): Promise<Row[]> {
    return tableOf(this).tail(limit)
  }
  static exists(this: TableCtor<Table>): Promise<boolean> {
    return tableOf(this).exists()
  }
  static preview(this: TableCtor<Table>, options?: { limit?: number; width?: number }): Promise<string> {
    return tableOf(this).preview(options)
  }
  static sql(this: TableCtor<Table>, options?: FetchOptions): string {
    return tableOf(this).sql(options)
  }
  static keys(this: TableCtor<Table>, options?: Omit<FetchOptions, 'format'>): Promise<Row[]> {
    return tableOf(this).keys(options)
  }
  static count(this: TableCtor<Table>): Promise<number> {
    return tableOf(this).count()
  }
  static insert(this: TableCtor<Table>, rows: InsertSource, options?: InsertOptions): Promise<number> {
    return tableOf(this).insert(rows, options)
  }
  static insert1(this: TableCtor<Table>, row: Row | readonly unknown[], options?: InsertOptions): Promise<number> {
    return tableOf(this).insert1(row, options)
  }
  static update1(this: TableCtor<Table>, row: Row): Promise<void> {
    return tableOf(this).update1(row)
  }
  static delete(this: TableCtor<Table>, options?: DeleteOptions): Promise<number> {
    return tableOf(this).delete(options)
  }
  static deleteQuick(this: TableCtor<Table>): Promise<number> {
    return tableOf(this).deleteQuick()
  }
  static deletePreview(this: TableCtor<Table>, options?: Pick<DeleteOptions, 'partIntegrity'>): Promise<DeletePreview> {
    return tableOf(this).deletePreview(options)
  }
  static drop(this: TableCtor<Table>, options?: DropOptions): Promise<void> {
    return tableOf(this).drop(options)
  }
  static alter(this: TableCtor<Table>, options?: AlterOptions): Promise<string | null> {
    return tableOf(this).alter(options)
  }
  static describe(this: TableCtor<Table>): Promise<string> {
    return tableOf(this).describe()
  }
  static get heading(): Heading {
    return tableOf(this as unknown as TableCtor<Table>).heading
  }
  static get primaryKey(): string[] {
    return tableOf(this as unknown as TableCtor<Table>).primaryKey
  }
  static get fullTableName(): string {
    return tableOf(this as unknown as TableCtor<Table>).fullTableName
  }
  static get tableName(): string {
    return tableOf(this as unknown as TableCtor<Table>).tableName
  }
  static get database(): string {
    return tableOf(this as unknown as TableCtor<Table>).database
  }
  static parents(this: TableCtor<Table>): Promise<string[]> {
    return tableOf(this).parents()
  }
  static children(this: TableCtor<Table>): Promise<string[]> {
    return tableOf(this).children()
  }
  static ancestors(this: TableCtor<Table>): Promise<string[]> {
    return tableOf(this).ancestors()
  }
  static descendants(this: TableCtor<Table>): Promise<string[]> {
    return tableOf(this).descendants()
  }
  /** A table class shows its rows' preview in the kernel and the REPL. */
  static [display](this: TableCtor<Table>): Promise<MimeBundle> {
    return tableOf(this)[display]()
  }
  /** `for await (const row of Table)` streams the rows. */
  static [Symbol.asyncIterator](this: TableCtor<Table>): AsyncIterator<Row> {
    return tableOf(this)[Symbol.asyncIterator]()
  }
  static toSQL(this: TableCtor<Table>, options?: FetchOptions): SqlFragment {
    return tableOf(this).toSQL(options)
  }
}
