/**
 * Reading DataJoint blobs (mYm and dj0 protocols, optional ZL123 compression) into the values
 * of values.ts. Every read is bounds-checked: a truncated or corrupted blob is a DataJointError.
 * Numeric arrays are one bulk copy into an aligned typed array, never element by element.
 */
import { inflateSync } from 'node:zlib'
import { DataJointError } from '../errors.js'
import { bytesToUuid } from '../query/values.js'
import { Complex, DATE_UNITS, DateTime, Decimal, type DType, MatCell, MatStruct, NDArray, RecArray, Tuple, UUID } from './values.js'

const ZL = Buffer.from('ZL123\0', 'latin1')

export const CLASS_DTYPE: Record<number, DType> = {
  3: 'bool', 4: 'char', 5: 'object', 6: 'float64', 7: 'float32', 8: 'int8', 9: 'uint8', 10: 'int16', 11: 'uint16',
  12: 'int32', 13: 'uint32', 14: 'int64', 15: 'uint64',
}

type TypedCtor = { new (buffer: ArrayBuffer): any; BYTES_PER_ELEMENT: number }
export const DTYPE_ARRAY: Partial<Record<DType, TypedCtor>> = {
  bool: Uint8Array, char: Uint16Array, float64: Float64Array, float32: Float32Array, int8: Int8Array, uint8: Uint8Array,
  int16: Int16Array, uint16: Uint16Array, int32: Int32Array, uint32: Uint32Array, int64: BigInt64Array, uint64: BigUint64Array,
}

function corrupt(what: string): DataJointError {
  return new DataJointError(`Invalid blob: ${what}.`, { hint: 'The bytes are not a complete DataJoint blob (mYm/dj0); the value may be truncated or from another format.' })
}

class Reader {
  pos = 0
  constructor(readonly buf: Buffer) {}

  need(n: number, what: string): void {
    if (n < 0 || this.pos + n > this.buf.length) throw corrupt(`truncated while reading ${what} at byte ${this.pos} (needs ${n}, ${this.buf.length - this.pos} left)`)
  }
  u8(): number {
    this.need(1, 'a byte')
    return this.buf[this.pos++]!
  }
  u32(): number {
    this.need(4, 'a 32-bit integer')
    const v = this.buf.readUInt32LE(this.pos)
    this.pos += 4
    return v
  }
  i32(): number {
    this.need(4, 'a 32-bit integer')
    const v = this.buf.readInt32LE(this.pos)
    this.pos += 4
    return v
  }
  u64(what: string): number {
    this.need(8, what)
    const v = this.buf.readBigUInt64LE(this.pos)
    this.pos += 8
    if (v > BigInt(this.buf.length) * 64n + 1024n) throw corrupt(`${what} ${v} is larger than the blob could hold`)
    return Number(v)
  }
  i64(): bigint {
    this.need(8, 'a 64-bit integer')
    const v = this.buf.readBigInt64LE(this.pos)
    this.pos += 8
    return v
  }
  f64(): number {
    this.need(8, 'a float')
    const v = this.buf.readDoubleLE(this.pos)
    this.pos += 8
    return v
  }
  bytes(n: number, what: string): Buffer {
    this.need(n, what)
    const b = this.buf.subarray(this.pos, this.pos + n)
    this.pos += n
    return b
  }
  cstring(what: string): string {
    const end = this.buf.indexOf(0, this.pos)
    if (end < 0) throw corrupt(`unterminated ${what}`)
    const s = this.buf.toString('utf8', this.pos, end)
    this.pos = end + 1
    return s
  }
  shape(): number[] {
    const ndim = this.u64('the number of dimensions')
    if (ndim > 64) throw corrupt(`${ndim} dimensions`)
    const shape: number[] = []
    for (let i = 0; i < ndim; i++) shape.push(this.u64('a dimension'))
    return shape
  }
  /** a length-prefixed object that must fill its length exactly */
  sized(): unknown {
    const n = this.u64('an item length')
    this.need(n, 'an item')
    const end = this.pos + n
    const v = this.object()
    if (this.pos !== end) throw corrupt(`an item declared ${n} bytes but used ${n - (end - this.pos)}`)
    return v
  }
  /** one bulk copy into a fresh (aligned) typed array */
  typed(ctor: TypedCtor, count: number, what: string): any {
    const n = count * ctor.BYTES_PER_ELEMENT
    const b = this.bytes(n, what)
    return new ctor(b.buffer.slice(b.byteOffset, b.byteOffset + n) as ArrayBuffer)
  }

  object(): unknown {
    const code = this.u8()
    switch (code) {
      case 0x41: return this.array()
      case 0x53: return this.struct()
      case 0x43: {
        const shape = this.shape()
        const n = shape.reduce((a, b) => a * b, 1)
        const items: unknown[] = []
        for (let i = 0; i < n; i++) items.push(this.sized())
        return new MatCell(shape, items)
      }
      case 0x46: return this.recarray()
      case 0x01:
      case 0x02:
      case 0x03: {
        const n = this.u64('an item count')
        const items: unknown[] = []
        for (let i = 0; i < n; i++) items.push(this.sized())
        if (code === 0x01) return Object.setPrototypeOf(items, Tuple.prototype)
        return code === 0x02 ? items : new Set(items)
      }
      case 0x04: {
        const n = this.u64('an item count')
        const m = new Map<unknown, unknown>()
        for (let i = 0; i < n; i++) {
          const k = this.sized()
          m.set(k, this.sized())
        }
        return m
      }
      case 0x05: return this.bytes(this.u64('a string length'), 'a string').toString('utf8')
      case 0x06: return Buffer.from(this.bytes(this.u64('a bytes length'), 'bytes'))
      case 0x0a: {
        const n = this.buf.length >= this.pos + 2 ? this.buf.readUInt16LE(this.pos) : -1
        if (n < 0) throw corrupt('truncated integer')
        this.pos += 2
        const b = this.bytes(n, 'an integer')
        let v = 0n
        for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!)
        if (n > 0 && b[n - 1]! & 0x80) v -= 1n << BigInt(8 * n)
        return v
      }
      case 0x0b: return this.u8() !== 0
      case 0x0c: return new Complex(this.f64(), this.f64())
      case 0x0d: return this.f64()
      case 0x64: return new Decimal(this.bytes(this.u64('a decimal length'), 'a decimal').toString('latin1'))
      case 0x74: {
        const d = this.i32()
        const t = this.i64()
        const date = d === -1 ? null : `${String(Math.floor(d / 10000)).padStart(4, '0')}-${String(Math.floor(d / 100) % 100).padStart(2, '0')}-${String(d % 100).padStart(2, '0')}`
        let time: string | null = null
        if (t !== -1n) {
          const us = Number(t % 1000000n)
          const hms = Number(t / 1000000n)
          const p = (n: number) => String(n).padStart(2, '0')
          time = `${p(Math.floor(hms / 10000))}:${p(Math.floor(hms / 100) % 100)}:${p(hms % 100)}${us ? '.' + String(us).padStart(6, '0') : ''}`
        }
        return new DateTime(date, time)
      }
      case 0x75: return new UUID(bytesToUuid(this.bytes(16, 'a UUID')))
      case 0xff: return null
      case 0x50: throw new DataJointError('MATLAB sparse arrays in blobs are not supported.', { hint: 'Store the matrix as a full array (full(x) in MATLAB).' })
      default: throw new DataJointError(`Invalid blob: unknown data structure code 0x${code.toString(16).padStart(2, '0')} at byte ${this.pos - 1}.`, { hint: 'The blob was written by a newer DataJoint or is corrupted.' })
    }
  }

  array(): NDArray {
    const shape = this.shape()
    const classId = this.u32()
    const complex = this.u32() !== 0
    const n = shape.reduce((a, b) => a * b, 1)
    if (classId >= 65536) {
      const unit = DATE_UNITS[classId - 65536]
      if (!unit) throw corrupt(`unknown datetime64 unit ${classId - 65536}`)
      return new NDArray(`datetime64[${unit}]`, shape, this.typed(BigInt64Array, n, 'datetime64 data'))
    }
    const dtype = CLASS_DTYPE[classId]
    if (!dtype) throw corrupt(`unknown array class ${classId}`)
    if (dtype === 'object') {
      const items: unknown[] = []
      for (let i = 0; i < n; i++) items.push(this.sized())
      return new NDArray('object', shape, items)
    }
    const ctor = DTYPE_ARRAY[dtype]!
    const data = this.typed(ctor, n, `${dtype} data`)
    const imag = complex ? this.typed(ctor, n, `${dtype} imaginary data`) : null
    return new NDArray(dtype, shape, data, imag)
  }

  struct(): MatStruct {
    const shape = this.shape()
    const nFields = this.u32()
    const fields: string[] = []
    for (let i = 0; i < nFields; i++) fields.push(this.cstring('field name'))
    const n = shape.reduce((a, b) => a * b, 1)
    const elements: Array<Record<string, unknown>> = []
    for (let i = 0; i < n; i++) {
      const e: Record<string, unknown> = {}
      for (const f of fields) e[f] = this.sized()
      elements.push(e)
    }
    return new MatStruct(shape, fields, elements)
  }

  recarray(): RecArray {
    const nFields = this.u32()
    const names: string[] = []
    for (let i = 0; i < nFields; i++) names.push(this.cstring('field name'))
    const fields = names.map((name) => {
      const code = this.u8()
      if (code === 0x41) return { name, column: this.array() }
      if (code === 0x46) return { name, column: this.recarray() }
      throw corrupt(`record field "${name}" is not an array`)
    })
    return new RecArray(fields)
  }
}

/** The value of a blob. */
export function unpack(blob: Uint8Array): unknown {
  let buf = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength)
  if (buf.length >= 6 && buf.subarray(0, 6).equals(ZL)) {
    if (buf.length < 14) throw corrupt('truncated compression header')
    const length = Number(buf.readBigUInt64LE(6))
    try {
      buf = inflateSync(buf.subarray(14))
    } catch (cause) {
      throw new DataJointError(`Invalid blob: the compressed data does not inflate (${(cause as Error).message}).`, { cause })
    }
    if (buf.length !== length) throw corrupt(`size mismatch after decompression (${buf.length} bytes, header says ${length})`)
  }
  const r = new Reader(buf)
  const protocol = r.cstring('protocol header')
  if (protocol !== 'mYm' && protocol !== 'dj0') throw corrupt(`unknown protocol "${protocol.slice(0, 16)}" (expected mYm or dj0)`)
  const value = r.object()
  if (r.pos !== buf.length) throw corrupt(`${buf.length - r.pos} bytes left after the value`)
  return value
}
