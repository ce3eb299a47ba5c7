/** A blob value as the fixtures describe values (test/fixtures README, "Value descriptions"). */
import * as dj from '../../runtime/index.js'

const { NDArray, MatCell, MatStruct, RecArray, Tuple, Complex, Decimal, UUID, DateTime } = dj.blob

const TYPED: Array<[Function, InstanceType<typeof NDArray>['dtype']]> = [
  [Float64Array, 'float64'], [Float32Array, 'float32'], [Int8Array, 'int8'], [Int16Array, 'int16'], [Uint16Array, 'uint16'],
  [Int32Array, 'int32'], [Uint32Array, 'uint32'], [BigInt64Array, 'int64'], [BigUint64Array, 'uint64'],
]

const float = (x: number) => (Number.isNaN(x) ? 'NaN' : x === Infinity ? 'Infinity' : x === -Infinity ? '-Infinity' : x)
const NAT = -(2n ** 63n)

function dtypeName(a: InstanceType<typeof NDArray>): string {
  if (a.imag) return a.dtype === 'float32' ? 'complex64' : 'complex128'
  if (a.dtype === 'char') return 'S1'
  return a.dtype
}

function element(a: InstanceType<typeof NDArray>, i: number): unknown {
  const v = (a.data as ArrayLike<unknown>)[i]
  if (a.imag) return [float(v as number), float(a.imag[i]!)]
  switch (a.dtype) {
    case 'bool': return v !== 0
    case 'char': return String.fromCharCode(v as number)
    case 'object': return describe(v)
    case 'int64':
    case 'uint64': return String(v)
    case 'float32':
    case 'float64': return float(v as number)
    default:
      if (a.dtype.startsWith('datetime64')) return v === NAT ? 'NaT' : String(v)
      return v
  }
}

function recFields(r: InstanceType<typeof RecArray>): unknown[] {
  return r.fields.map((f) => (f.column instanceof RecArray ? { name: f.name, dtype: 'struct', fields: recFields(f.column) } : { name: f.name, dtype: dtypeName(f.column) }))
}

function recRow(r: InstanceType<typeof RecArray>, i: number): unknown[] {
  return r.fields.map((f) => (f.column instanceof RecArray ? recRow(f.column, i) : element(f.column, i)))
}

export function describe(v: unknown): unknown {
  if (v === null || v === undefined) return { kind: 'none' }
  if (typeof v === 'boolean') return { kind: 'bool', value: v }
  if (typeof v === 'bigint') return { kind: 'int', value: String(v) }
  if (typeof v === 'number') return { kind: 'float', value: float(v) }
  if (typeof v === 'string') return { kind: 'str', value: v }
  if (v instanceof Uint8Array) return { kind: 'bytes', hex: Buffer.from(v).toString('hex') }
  // a bare typed array packs as a 1-D array of its type
  const typed = TYPED.find(([ctor]) => v instanceof ctor)
  if (typed) return describe(new NDArray(typed[1], [(v as ArrayLike<number>).length], v as never))
  if (v instanceof Complex) return { kind: 'complex', value: [float(v.re), float(v.im)] }
  if (v instanceof Decimal) return { kind: 'decimal', value: v.value }
  if (v instanceof UUID) return { kind: 'uuid', value: v.value }
  if (v instanceof DateTime) {
    if (v.date && v.time) return { kind: 'datetime', value: `${v.date}T${v.time}` }
    return v.date ? { kind: 'date', value: v.date } : { kind: 'time', value: v.time }
  }
  if (v instanceof Tuple) return { kind: 'tuple', items: [...v].map(describe) }
  if (Array.isArray(v)) return { kind: 'list', items: v.map(describe) }
  if (v instanceof Set) return { kind: 'set', items: [...v].map(describe) }
  if (v instanceof Map) return { kind: 'dict', items: [...v.entries()].map(([k, x]) => [describe(k), describe(x)]) }
  if (v instanceof NDArray) {
    const data = Array.from({ length: v.size }, (_, i) => element(v, i))
    if (v.shape.length === 0) return { kind: 'npscalar', dtype: dtypeName(v), value: data[0] }
    return { kind: 'ndarray', class: 'ndarray', dtype: dtypeName(v), shape: [...v.shape], order: 'F', data }
  }
  if (v instanceof MatCell) return { kind: 'ndarray', class: 'MatCell', dtype: 'object', shape: [...v.shape], order: 'F', data: v.items.map(describe) }
  if (v instanceof MatStruct) {
    return {
      kind: 'struct', class: 'MatStruct', shape: [...v.shape], order: 'F',
      fields: v.fields.map((name) => ({ name, dtype: 'object' })),
      data: v.elements.map((e) => v.fields.map((f) => describe(e[f]))),
    }
  }
  if (v instanceof RecArray) {
    const n = v.shape.reduce((a, b) => a * b, 1)
    return { kind: 'struct', class: 'recarray', shape: [...v.shape], order: 'F', fields: recFields(v), data: Array.from({ length: n }, (_, i) => recRow(v, i)) }
  }
  return { kind: 'unknown', type: (v as object).constructor?.name }
}
