/**
 * Table names as DataJoint stores them: the class name in snake case with a tier prefix
 * (`#` Lookup, `_` Imported, `__` Computed, none for Manual), parts as `master__part`, and
 * `~` for hidden system tables. These rules are the storage format shared with datajoint-python.
 */
import { DataJointError } from '../errors.js'

export type Tier = 'manual' | 'lookup' | 'imported' | 'computed' | 'part'

export const TIER_PREFIX: Record<Exclude<Tier, 'part'>, string> = { manual: '', lookup: '#', imported: '_', computed: '__' }

/** `ProcessedEMG` → `processed_e_m_g`: an underscore before every capital except the first. */
export function toSnakeCase(className: string): string {
  if (!/^[A-Z][A-Za-z0-9]*$/.test(className)) {
    throw new DataJointError(`The class name "${className}" is not a valid DataJoint table class name.`, {
      hint: 'Table classes are named in CamelCase, starting with a capital letter, with letters and digits only (e.g. `SessionTrial`).',
    })
  }
  return className.replace(/(?<!^)([A-Z])/g, '_$1').toLowerCase()
}

/** `processed_e_m_g` → `ProcessedEMG`. */
export function toCamelCase(snake: string): string {
  return snake.split('_').map((w) => (w ? w[0]!.toUpperCase() + w.slice(1) : '')).join('')
}

export function tableNameFor(className: string, tier: Tier, masterTable?: string): string {
  if (tier === 'part') {
    if (!masterTable) throw new DataJointError(`The part table ${className} has no master.`)
    return `${masterTable}__${toSnakeCase(className)}`
  }
  return TIER_PREFIX[tier] + toSnakeCase(className)
}

export interface ParsedTableName {
  tier: Tier | 'hidden'
  /** the master's stored name for parts, else the table's own */
  master: string
  /** the part's snake name, for parts */
  part?: string
  className: string
}

/** The tier and class name a stored table name stands for (how openSchema recognises tables). */
export function parseTableName(name: string): ParsedTableName | null {
  if (name.startsWith('~')) return { tier: 'hidden', master: name, className: name }
  const m = /^(#|__|_)?([a-z][a-z0-9_]*?)(?:__([a-z][a-z0-9_]*))?$/.exec(name)
  if (!m) return null
  const prefix = m[1] ?? ''
  const tier: Tier = prefix === '#' ? 'lookup' : prefix === '_' ? 'imported' : prefix === '__' ? 'computed' : 'manual'
  const master = prefix + m[2]!
  if (m[3]) return { tier: 'part', master, part: m[3], className: toCamelCase(m[3]) }
  return { tier, master, className: toCamelCase(m[2]!) }
}
