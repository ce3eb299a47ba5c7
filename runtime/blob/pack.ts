/**
 * Writing DataJoint blobs. The protocol is `mYm` (readable by MATLAB) unless the value needs a
 * Python-only construct anywhere (then `dj0`), and the result is wrapped in ZL123 compression
 * when that makes a blob over 1000 bytes shorter, exactly as datajoint-python writes them.
 */
import { deflateSync } from 'node:zlib'
import { DataJointError } from '../errors.js'
import { isPlainObject } from '../plain.js'
import { uuidToBytes } from '../query/values.js'
import { DTYPE_ARRAY } from './unpack.js'
import { Complex, DATE_UNITS, DateTime, Decimal, type DType, MatCell, MatStruct, NDArray, RecArray, Tuple, UUID } from './values.js'

const CLASS_ID: Partial<Record<DType, number>> = {
  bool: 3, char: 4, object: 5, float64: 6, float32: 7, int8: 8, uint8: 9, int16: 10, uint16: 11, int32: 12, uint32: 13, int64: 14, uint64: 15,
}

function dtypeOf(a: ArrayBufferView): DType | null {
  if (a instanceof Float64Array) return 'float64'
  if (a instanceof Float32Array) return 'float32'
  if (a instanceof Int8Array) return 'int8'
  if (a instanceof Int16Array) return 'int16'
  if (a instanceof Uint16Array) return 'uint16'
  if (a instanceof Int32Array) return 'int32'
  if (a instanceof Uint32Array) return 'uint32'
  if (a instanceof BigInt64Array) return 'int64'
  if (a instanceof BigUint64Array) return 'uint64'
  return null
}

class Writer {
  chunks: Buffer[] = []
  length = 0
  /** set when anything outside MATLAB's subset is written */
  dj0 = false

  push(b: Buffer): void {
    this.chunks.push(b)
    this.length += b.length
  }
  u8(v: number): void {
    this.push(Buffer.from([v]))
  }
  u32(v: number): void {
    const b = Buffer.allocUnsafe(4)
    b.writeUInt32LE(v)
    this.push(b)
  }
  u64(v: number | bigint): void {
    const b = Buffer.allocUnsafe(8)
    b.writeBigUInt64LE(BigInt(v))
    this.push(b)
  }
  shape(shape: readonly number[]): void {
    this.u64(shape.length)
    for (const d of shape) this.u64(d)
  }
  view(a: ArrayBufferView): void {
    this.push(Buffer.from(a.buffer, a.byteOffset, a.byteLength))
  }
  /** a value preceded by its byte length */
  sized(v: unknown): void {
    const at = this.chunks.length
    const start = this.length
    this.chunks.push(Buffer.alloc(0)) // placeholder for the length
    this.object(v)
    const b = Buffer.allocUnsafe(8)
    b.writeBigUInt64LE(BigInt(this.length - start))
    this.chunks[at] = b
    this.length += 8
  }
  string(code: number, s: Buffer): void {
    this.u8(code)
    this.u64(s.length)
    this.push(s)
  }

  object(v: unknown): void {
    if (v instanceof NDArray) return this.array(v)
    if (v instanceof MatCell) {
      this.u8(0x43)
      this.shape(v.shape)
      for (const item of v.items) this.sized(item)
      return
    }
    if (v instanceof MatStruct) return this.struct(v)
    if (v instanceof RecArray) return this.recarray(v)
    if (ArrayBuffer.isView(v) && !(v instanceof Uint8Array) && !(v instanceof DataView)) {
      // a bare typed array is a 1-D numeric array, as numpy writes np.array([...])
      const dtype = dtypeOf(v)
      if (dtype) return this.array(new NDArray(dtype, [(v as unknown as ArrayLike<unknown>).length], v as never))
    }
    this.dj0 = true
    if (v === null || v === undefined) return this.u8(0xff)
    switch (typeof v) {
      case 'boolean':
        this.u8(0x0b)
        return this.u8(v ? 1 : 0)
      case 'bigint':
        return this.integer(v)
      case 'number': {
        this.u8(0x0d)
        const b = Buffer.allocUnsafe(8)
        b.writeDoubleLE(v)
        return this.push(b)
      }
      case 'string':
        return this.string(0x05, Buffer.from(v, 'utf8'))
    }
    if (v instanceof Uint8Array) return this.string(0x06, Buffer.from(v.buffer, v.byteOffset, v.byteLength))
    if (v instanceof Complex) {
      this.u8(0x0c)
      const b = Buffer.allocUnsafe(16)
      b.writeDoubleLE(v.re, 0)
      b.writeDoubleLE(v.im, 8)
      return this.push(b)
    }
    if (v instanceof Decimal) return this.string(0x64, Buffer.from(v.value, 'latin1'))
    if (v instanceof UUID) {
      const b = uuidToBytes(v.value)
      if (!b) throw new DataJointError(`Cannot pack the UUID "${v.value}": not a UUID.`)
      this.u8(0x75)
      return this.push(b)
    }
    if (v instanceof DateTime) return this.datetime(v.date, v.time)
    if (v instanceof Date) {
      if (Number.isNaN(v.getTime())) throw new DataJointError('Cannot pack an invalid Date.')
      const iso = v.toISOString() // UTC, milliseconds
      return this.datetime(iso.slice(0, 10), iso.slice(11, 23).replace(/\.000$/, ''))
    }
    if (v instanceof Tuple || v instanceof Set || Array.isArray(v)) {
      const items = [...(v as Iterable<unknown>)]
      this.u8(v instanceof Tuple ? 0x01 : v instanceof Set ? 0x03 : 0x02)
      this.u64(items.length)
      for (const item of items) this.sized(item)
      return
    }
    if (v instanceof Map || isPlainObject(v)) {
      const entries = v instanceof Map ? [...v.entries()] : Object.entries(v as object)
      this.u8(0x04)
      this.u64(entries.length)
      for (const [k, val] of entries) {
        this.sized(k)
        this.sized(val)
      }
      return
    }
    const name = (v as object).constructor?.name ?? typeof v
    throw new DataJointError(`Packing a value of type ${name} into a blob is not supported.`, {
      hint: 'Blobs hold numbers, bigint, strings, booleans, null, Uint8Array, typed arrays, dj.blob.NDArray, arrays, Tuple, Set, Map, plain objects, Date, and the dj.blob value classes.',
    })
  }

  integer(v: bigint): void {
    // two's complement, little-endian, in bit_length/8 + 1 bytes as Python writes it
    const bits = (v < 0n ? -v : v).toString(2).length - (v === 0n ? 1 : 0)
    const n = Math.floor(bits / 8) + 1
    if (n > 65535) throw new DataJointError('Cannot pack an integer of more than 65535 bytes.')
    const b = Buffer.allocUnsafe(n)
    let x = v < 0n ? (1n << BigInt(8 * n)) + v : v
    for (let i = 0; i < n; i++) {
      b[i] = Number(x & 0xffn)
      x >>= 8n
    }
    this.u8(0x0a)
    const len = Buffer.allocUnsafe(2)
    len.writeUInt16LE(n)
    this.push(len)
    this.push(b)
  }

  datetime(date: string | null, time: string | null): void {
    let d = -1
    if (date) {
      const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date)
      if (!m) throw new DataJointError(`Cannot pack the date "${date}": expected YYYY-MM-DD.`)
      d = Number(m[1]) * 10000 + Number(m[2]) * 100 + Number(m[3])
    }
    let t = -1n
    if (time) {
      const m = /^(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/.exec(time)
      if (!m) throw new DataJointError(`Cannot pack the time "${time}": expected HH:MM:SS[.ffffff].`)
      t = BigInt((Number(m[1]) * 100 + Number(m[2])) * 100 + Number(m[3])) * 1000000n + BigInt((m[4] ?? '').padEnd(6, '0') || '0')
    }
    this.u8(0x74)
    const b = Buffer.allocUnsafe(12)
    b.writeInt32LE(d, 0)
    b.writeBigInt64LE(t, 4)
    this.push(b)
  }

  array(a: NDArray): void {
    const n = a.size
    if ((a.data as ArrayLike<unknown>).length !== n) {
      throw new DataJointError(`Cannot pack an NDArray of shape [${a.shape.join(', ')}] with ${(a.data as ArrayLike<unknown>).length} elements.`)
    }
    let classId = CLASS_ID[a.dtype]
    const dt = /^datetime64\[(\w+)\]$/.exec(a.dtype)
    if (dt) classId = 65536 + DATE_UNITS.indexOf(dt[1] as never)
    if (classId === undefined || classId < 0) throw new DataJointError(`Cannot pack an NDArray of dtype ${a.dtype}.`)
    if (a.shape.length === 0 || dt || a.dtype === 'object') this.dj0 = true
    this.u8(0x41)
    this.shape(a.shape)
    this.u32(classId)
    this.u32(a.imag ? 1 : 0)
    if (a.dtype === 'object') {
      for (const item of a.data as unknown[]) this.sized(item)
      return
    }
    const ctor = dt ? BigInt64Array : DTYPE_ARRAY[a.dtype]!
    const data = a.data instanceof ctor ? (a.data as ArrayBufferView) : new ctor(a.data as never)
    this.view(data)
    if (a.imag) this.view(a.imag instanceof ctor ? a.imag : new ctor(a.imag as never))
  }

  struct(s: MatStruct): void {
    this.u8(0x53)
    this.shape(s.shape)
    this.u32(s.fields.length)
    for (const f of s.fields) this.push(Buffer.from(f + '\0', 'utf8'))
    for (const e of s.elements) for (const f of s.fields) this.sized(e[f])
  }

  recarray(r: RecArray): void {
    this.dj0 = true
    this.u8(0x46)
    this.u32(r.fields.length)
    for (const f of r.fields) this.push(Buffer.from(f.name + '\0', 'utf8'))
    for (const f of r.fields) this.object(f.column)
  }
}

export interface PackOptions {
  /** wrap in ZL123 compression when that makes a blob over 1000 bytes shorter (default true) */
  compress?: boolean
}

/** The blob of a value. */
export function pack(value: unknown, options: PackOptions = {}): Buffer {
  const w = new Writer()
  w.object(value)
  const inner = Buffer.concat([Buffer.from(w.dj0 ? 'dj0\0' : 'mYm\0', 'latin1'), ...w.chunks])
  if (options.compress === false || inner.length <= 1000) return inner
  const z = deflateSync(inner)
  const header = Buffer.alloc(14)
  header.write('ZL123\0', 0, 'latin1')
  header.writeBigUInt64LE(BigInt(inner.length), 6)
  return header.length + z.length < inner.length ? Buffer.concat([header, z]) : inner
}
