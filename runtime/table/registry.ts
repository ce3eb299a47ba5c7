/**
 * What a schema knows about each table class once it is declared: where the table lives, its
 * tier, heading, master and parts. Kept beside the classes (not on them) so that user classes
 * stay plain and a class can never be half-declared.
 */
import type { Heading } from '../heading/heading.js'
import type { Schema } from '../schema/schema.js'
import type { Tier } from './naming.js'

export interface TableInfo {
  schema: Schema
  tableName: string
  tier: Tier
  heading: Heading
  /** the master class of a part table */
  master: Function | null
  /** part classes of a master, by their property name */
  parts: Map<string, Function>
}

const infos = new WeakMap<Function, TableInfo>()

export function setTableInfo(cls: Function, info: TableInfo): void {
  infos.set(cls, info)
}

export function getTableInfo(cls: Function): TableInfo | undefined {
  return infos.get(cls)
}

/** Declared classes by where their table lives, so that names can be shown (describe, diagrams). */
const byTable = new Map<string, Function>()

export function registerTableClass(fullName: string, cls: Function): void {
  byTable.set(fullName, cls)
}

export function classForTable(fullName: string): Function | undefined {
  return byTable.get(fullName)
}

/** `Master.Part` for parts, the class name otherwise. */
export function classLabel(cls: Function): string {
  const master = infos.get(cls)?.master
  return master ? `${master.name}.${cls.name}` : cls.name
}
