/**
 * The table tiers. Manual rows are entered by people or scripts; Lookup tables hold reference
 * values (their `contents` are inserted on declaration); Imported and Computed rows are made by
 * `make` during populate; Part rows belong to a row of their master and are made with it.
 */
import { Table } from './table.js'
import type { Tier } from './naming.js'

export class Manual extends Table {
  static override readonly tier: Tier = 'manual'
}

export class Lookup extends Table {
  static override readonly tier: Tier = 'lookup'
  /** rows inserted (skipping duplicates) when the table is declared */
  static contents?: ReadonlyArray<Record<string, unknown> | readonly unknown[]>
}

export class Imported extends Table {
  static override readonly tier: Tier = 'imported'
}

export class Computed extends Table {
  static override readonly tier: Tier = 'computed'
}

export class Part extends Table {
  static override readonly tier: Tier = 'part'
}

export const isPartClass = (v: unknown): v is typeof Part => typeof v === 'function' && v.prototype instanceof Part
export const isTableClass = (v: unknown): v is typeof Table => typeof v === 'function' && v.prototype instanceof Table
