/**
 * Attribute types of the definition language (DataJoint 2.x): portable core types, native SQL
 * types passed through, and codecs in angle brackets. Classification is backend-neutral; the
 * dialect turns a TypeSpec into its SQL column type.
 */
import { DataJointError } from '../errors.js'

export type CoreType =
  | 'int8' | 'int16' | 'int32' | 'int64' | 'float32' | 'float64' | 'bool' | 'uuid' | 'json' | 'bytes'
  | 'date' | 'datetime' | 'char' | 'varchar' | 'enum' | 'decimal'

export interface CodecRef {
  name: string
  /** store name; '' for the default store (`<blob@>`), null when the value lives in the row */
  store: string | null
}

export interface TypeSpec {
  /** the type as written in the definition, trimmed */
  declared: string
  category: 'core' | 'native' | 'codec'
  core?: CoreType
  /** text inside the parentheses of a parameterised core type: `40`, `3,1`, `'F','M'` */
  args?: string
  codec?: CodecRef
  /** the core type a codec stores into (bytes in the row, json for store references) */
  storage?: CoreType
}

const CORE: Array<[CoreType, RegExp]> = [
  ['float32', /^float32$/i],
  ['float64', /^float64$/i],
  ['int64', /^int64$/i],
  ['int32', /^int32$/i],
  ['int16', /^int16$/i],
  ['int8', /^int8$/i],
  ['bool', /^bool$/i],
  ['uuid', /^uuid$/i],
  ['json', /^jsonb?$/i],
  ['bytes', /^bytes$/i],
  ['date', /^date$/i],
  ['datetime', /^datetime(\s*\(\s*(\d+)\s*\))?$/i],
  ['char', /^char\s*\(\s*(\d+)\s*\)$/i],
  ['varchar', /^varchar\s*\(\s*(\d+)\s*\)$/i],
  ['enum', /^enum\s*\((.+)\)$/is],
  ['decimal', /^decimal\s*\(\s*(\d+\s*,\s*\d+)\s*\)$/i],
]

/** Native SQL types accepted as written (with a portability warning), as in datajoint-python 2.x. */
const NATIVE: RegExp[] = [
  /^((tiny|small|medium|big)?int|integer)(\s*\(\s*\d+\s*\))?(\s+unsigned)?(\s+zerofill)?(\s+auto_increment)?$/i,
  /^serial$/i,
  /^(numeric|decimal)(\s*\(\s*\d+(\s*,\s*\d+)?\s*\))?(\s+unsigned)?$/i,
  /^(double|float|real)(\s*\(\s*\d+(\s*,\s*\d+)?\s*\))?(\s+unsigned)?$/i,
  /^(var)?char\s*\(.+\)$/i,
  /^(time|timestamp|year)(\s*\(\s*\d+\s*\))?$/i,
  /^(tiny|small|medium|long)blob$/i,
  /^(tiny|small|medium|long)?text$/i,
]

/** Codecs known to this implementation and where they put their bytes. */
const CODECS: Record<string, { inRow: CoreType | null; inStore: CoreType | null }> = {
  blob: { inRow: 'bytes', inStore: 'json' },
  attach: { inRow: 'bytes', inStore: 'json' },
  hash: { inRow: null, inStore: 'json' },
  object: { inRow: null, inStore: 'json' },
  npy: { inRow: null, inStore: 'json' },
  filepath: { inRow: null, inStore: 'json' },
}

const STORE_NAME = /^[a-z][-\w]*$/

/**
 * Classifies a declared type; throws a DataJointError naming the attribute for anything unknown.
 * `where` is a phrase such as `attribute "x" in line 3` used in messages.
 */
export function classifyType(declared: string, where: string): TypeSpec {
  const t = declared.trim()
  for (const [core, re] of CORE) {
    const m = re.exec(t)
    if (m) {
      const args = core === 'datetime' ? m[2] : m[1]
      return { declared: t, category: 'core', core, ...(args !== undefined ? { args: args.trim() } : {}) }
    }
  }
  if (t.startsWith('<') && t.endsWith('>')) return { declared: t, category: 'codec', ...codecSpec(t, where) }
  if (NATIVE.some((re) => re.test(t))) return { declared: t, category: 'native' }
  throw new DataJointError(`Unsupported attribute type "${t}" for ${where}.`, {
    hint: 'Use a core type (int8…int64, float32, float64, bool, uuid, json, bytes, date, datetime, char(n), varchar(n), enum(...), decimal(p,s)), a native SQL type, or a codec such as <blob>, <attach>, <blob@store>.',
  })
}

function codecSpec(t: string, where: string): { codec: CodecRef; storage: CoreType } {
  const m = /^<\s*([A-Za-z_][\w-]*)\s*(@\s*([^>\s]*))?\s*>$/.exec(t)
  if (!m) throw new DataJointError(`Malformed codec type "${t}" for ${where}.`, { hint: 'Write a codec as <name> or <name@store>, e.g. <blob> or <blob@raw>.' })
  const name = m[1]!
  const store = m[2] !== undefined ? m[3]! : null
  const known = CODECS[name]
  if (!known) {
    throw new DataJointError(`Unknown codec <${name}> for ${where}.`, { hint: `Known codecs: ${Object.keys(CODECS).map((c) => `<${c}>`).join(', ')}.` })
  }
  if (store !== null && store !== '' && !STORE_NAME.test(store)) {
    throw new DataJointError(`Invalid store name "${store}" in ${t} for ${where}.`, { hint: 'Store names start with a lowercase letter and contain letters, digits, "_" or "-".' })
  }
  const storage = store === null ? known.inRow : known.inStore
  if (!storage) {
    throw new DataJointError(`The codec <${name}> needs a store: write <${name}@storename> (or <${name}@> for the default store) for ${where}.`)
  }
  return { codec: { name, store }, storage }
}

/** The `:type:` prefix datajoint-python 2.x writes into the column comment (none for native types). */
export function commentMarker(spec: TypeSpec): string {
  return spec.category === 'native' ? '' : `:${spec.declared}:`
}

export function isBlobLike(spec: TypeSpec, sqlType: string): boolean {
  return /blob|bytea/i.test(sqlType) || spec.core === 'bytes'
}
