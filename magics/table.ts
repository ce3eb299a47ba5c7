/**
 * %%table Name [manual|lookup|imported|computed|part of Master]: the cell body is a DataJoint
 * definition. The table is declared in the schema of %schema and its class is bound in the
 * session as Name (a part also as Master.Name). Running an unchanged cell again does nothing; a
 * changed cell says what differs and how to alter. An imported or computed table gets its make in
 * a TypeScript cell: `Name.make = async function (key) { ... }`.
 */
import * as dj from '../runtime/index.js'
import { type Magic, MagicError } from './magic.js'
import { splitArgs } from './parse.js'

type TierName = 'manual' | 'lookup' | 'imported' | 'computed' | 'part'
const BASES: Record<Exclude<TierName, 'part'>, typeof dj.Table> = { manual: dj.Manual, lookup: dj.Lookup, imported: dj.Imported, computed: dj.Computed }
const USAGE = '%%table Name [manual|lookup|imported|computed|part of Master]   (the definition below)'

const isTableClass = (v: unknown): v is typeof dj.Table => typeof v === 'function' && v.prototype instanceof dj.Table

function tierOf(cls: typeof dj.Table): TierName {
  return cls.prototype instanceof dj.Part ? 'part' : (cls.tier as TierName)
}

/** A new class `Name` of the tier, with the definition; auto-populated ones take make as a static. */
function makeClass(name: string, tier: TierName, definition: string): typeof dj.Table {
  const Base = tier === 'part' ? dj.Part : BASES[tier]
  const cls = { [name]: class extends Base {} }[name]!
  ;(cls as { definition?: string }).definition = definition
  if (tier === 'imported' || tier === 'computed') {
    // populate calls make on the table object: a static assignment sets it there
    Object.defineProperty(cls, 'make', {
      configurable: true,
      get: () => (cls.prototype as { make?: unknown }).make,
      set: (fn: unknown) => Object.defineProperty(cls.prototype, 'make', { value: fn, writable: true, configurable: true }),
    })
  }
  return cls
}

type Difference = { kind: 'none' } | { kind: 'alter'; sql: string } | { kind: 'fixed'; why: string }

/** How the live table differs from the class's definition. */
async function difference(cls: typeof dj.Table): Promise<Difference> {
  try {
    const sql = await cls.alter({ dryRun: true, prompt: false })
    return sql === null ? { kind: 'none' } : { kind: 'alter', sql }
  } catch (e) {
    if (!(e instanceof dj.DataJointError)) throw e
    return { kind: 'fixed', why: e.reason.replace(/^alter of .+? (?=cannot )/, '') }
  }
}

function changedError(label: string, database: string, d: Difference): MagicError {
  if (d.kind === 'alter') {
    return new MagicError(`${label} exists in ${database} with a different definition. Altering it to this cell's definition would run:\n  ${d.sql}`, {
      hint: `To apply it, run await ${label}.alter() (${label} now holds this cell's definition); to start over, drop it with await ${label}.drop() and run this cell again.`,
    })
  }
  return new MagicError(`${label} exists in ${database} with a different definition, and alter ${d.kind === 'fixed' ? d.why : ''}`, {
    hint: `Drop it (await ${label}.drop(), which deletes its rows and those of its dependents) and run this cell again, or give the new table another name.`,
  })
}

export const table: Magic = {
  name: 'table',
  kinds: ['cell'],
  usage: USAGE,
  help: [
    'Declares a table in the active schema (%schema NAME) from the DataJoint definition in the cell,',
    'and binds its class as Name. Tiers: manual (default), lookup, imported, computed, part of Master.',
    'Running an unchanged cell again does nothing; a changed one shows the ALTER it would need.',
    'Imported and computed tables get their make in a code cell:',
    '  Name.make = async function (key) { await this.insert1({ ...key, ... }) }',
    'Example:',
    '  %%table Session',
    '  subject_id : int32',
    '  session    : int16',
    '  ---',
    '  session_date : date',
  ].join('\n'),
  async run({ args, body, host, state }) {
    const words = splitArgs(args)
    const [name, ...rest] = words
    if (!name) throw new MagicError('%%table needs the name of the table class.', { hint: `Usage: ${USAGE}` })
    if (!/^[A-Z][A-Za-z0-9]*$/.test(name)) throw new MagicError(`%%table: "${name}" is not a CamelCase class name.`, { hint: 'Table classes are named like Session or SpikeSorting (letters and digits, capital first).' })
    let tier: TierName = 'manual'
    let masterName: string | null = null
    if (rest.length === 3 && rest[0]!.toLowerCase() === 'part' && rest[1]!.toLowerCase() === 'of') {
      tier = 'part'
      masterName = rest[2]!
    } else if (rest.length === 1 && rest[0]!.toLowerCase() in BASES) {
      tier = rest[0]!.toLowerCase() as TierName
    } else if (rest.length) {
      throw new MagicError(`%%table ${name}: unknown tier "${rest.join(' ')}".`, { hint: `Usage: ${USAGE}` })
    }
    const definition = (body ?? '').replace(/^\n+|\s+$/g, '')
    if (!definition.trim()) throw new MagicError(`%%table ${name}: the cell has no definition.`, { hint: 'Write the definition below the %%table line: primary-key attributes, ---, then the others.' })
    const schema = state.schema
    if (!schema) throw new MagicError(`%%table ${name}: there is no active schema.`, { hint: 'Choose one first with %schema NAME.' })

    let master: typeof dj.Table | null = null
    if (masterName) {
      const m = host.context[masterName]
      if (!isTableClass(m) || schema.tables[masterName] !== m) {
        throw new MagicError(`%%table ${name} part of ${masterName}: ${masterName} is not a table of the active schema ${schema.database}.`, { hint: `Declare the master first (%%table ${masterName} ...), then its parts.` })
      }
      master = m
    }
    const label = master ? `${masterName}.${name}` : name
    const holder = (master ?? host.context) as Record<string, unknown>
    const existing = holder[name]
    if (isTableClass(existing) && schema.tables[label] === existing) {
      if (tierOf(existing) !== tier) {
        throw new MagicError(`%%table ${name}: ${label} is already a ${tierOf(existing)} table; the tier is part of the table's name in the database, so it cannot change.`, {
          hint: `Drop it first (await ${label}.drop()) or declare the ${tier} table under another name.`,
        })
      }
      const old = (existing as { definition?: string }).definition
      if (old === definition) return existing
      ;(existing as { definition?: string }).definition = definition
      const d = await difference(existing)
      if (d.kind === 'none') return existing
      // a change alter cannot make leaves the class as it was
      if (d.kind === 'fixed') (existing as { definition?: string }).definition = old
      throw changedError(label, existing.database, d)
    }

    const cls = makeClass(name, tier, definition)
    const before = new Set(await schema.listTables().catch(() => []))
    if (master) {
      Object.defineProperty(master, name, { value: cls, writable: true, configurable: true, enumerable: true })
      try {
        await schema.declare(master)
      } catch (e) {
        delete (master as unknown as Record<string, unknown>)[name]
        throw e
      }
    } else {
      await schema.declare(cls)
    }
    host.context[name] = cls
    if (before.has(cls.tableName)) {
      const d = await difference(cls)
      if (d.kind !== 'none') throw changedError(label, cls.database, d)
    }
    return cls
  },
}
