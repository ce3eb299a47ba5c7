/**
 * datajoint-ts: DataJoint for TypeScript. `import * as dj from 'datajoint-ts'` gives the
 * configuration, the connection, schemas, the table tiers, and query helpers.
 */
export { config } from './settings/global.js'
export { Config } from './settings/config.js'
export { loadConfig, findProjectConfig } from './settings/sources.js'
export { conn, disconnect } from './connection/global.js'
export { Connection, registerBackend } from './connection/connection.js'
export { schema, openSchema, listSchemas, Schema, type SchemaOptions, type OpenedSchema, type TableClass } from './schema/schema.js'
export { Table } from './table/table.js'
export { Manual, Lookup, Imported, Computed, Part } from './table/tiers.js'
export { QueryExpression, type FetchOptions, type Row } from './query/expression.js'
export { sql, and, not, SqlFragment, type Condition } from './query/condition.js'
export { Heading } from './heading/heading.js'
export type { Attribute } from './heading/attribute.js'
export type { InsertOptions } from './table/insert.js'
export type { DeleteOptions, DeletePreview } from './table/delete.js'
export type { DropOptions } from './table/drop.js'
export type { AlterOptions } from './table/alter.js'
export { setPrompter } from './prompt.js'
export { setLogSink } from './logger.js'
export * from './errors.js'
export { toSnakeCase as fromCamelCase, toCamelCase } from './table/naming.js'
