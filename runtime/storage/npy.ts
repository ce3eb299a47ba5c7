/** The NumPy `.npy` format (version 1.0) for `<npy@store>`: little-endian, column-major (fortran_order). */
import { DataJointError } from '../errors.js'
import { DTYPE_ARRAY } from '../blob/unpack.js'
import { type DType, NDArray } from '../blob/values.js'

const DESCR: Partial<Record<DType, string>> = {
  bool: '|b1', int8: '|i1', uint8: '|u1', int16: '<i2', uint16: '<u2', int32: '<i4', uint32: '<u4',
  int64: '<i8', uint64: '<u8', float32: '<f4', float64: '<f8',
}
const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0])

export function toNpy(a: NDArray): Buffer {
  const descr = a.imag ? (a.dtype === 'float32' ? '<c8' : '<c16') : DESCR[a.dtype]
  if (!descr) throw new DataJointError(`An array of dtype ${a.dtype} cannot be stored as .npy.`, { hint: 'Use <blob@store> for it.' })
  const shape = a.shape.length === 1 ? `(${a.shape[0]},)` : `(${a.shape.join(', ')})`
  let header = `{'descr': '${descr}', 'fortran_order': True, 'shape': ${shape}, }`
  const total = MAGIC.length + 2 + header.length + 1
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n'
  const len = Buffer.alloc(2)
  len.writeUInt16LE(header.length)
  const data = a.data as ArrayBufferView
  let body = Buffer.from(data.buffer, data.byteOffset, data.byteLength)
  if (a.imag) {
    // complex: interleaved (re, im) pairs
    const n = a.size
    const size = a.dtype === 'float32' ? 4 : 8
    body = Buffer.alloc(n * size * 2)
    const re = a.data as Float64Array | Float32Array
    for (let i = 0; i < n; i++) {
      if (size === 8) {
        body.writeDoubleLE(re[i]!, i * 16)
        body.writeDoubleLE(a.imag[i]!, i * 16 + 8)
      } else {
        body.writeFloatLE(re[i]!, i * 8)
        body.writeFloatLE(a.imag[i]!, i * 8 + 4)
      }
    }
  }
  return Buffer.concat([MAGIC, len, Buffer.from(header, 'latin1'), body])
}

export function fromNpy(b: Buffer): NDArray {
  if (b.length < 10 || !b.subarray(0, 6).equals(MAGIC.subarray(0, 6))) throw new DataJointError('Not a .npy file.')
  const major = b[6]!
  const hlen = major === 1 ? b.readUInt16LE(8) : b.readUInt32LE(8)
  const start = major === 1 ? 10 : 12
  const header = b.toString('latin1', start, start + hlen)
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1]
  const fortran = /'fortran_order':\s*True/.test(header)
  const shape = (/'shape':\s*\(([^)]*)\)/.exec(header)?.[1] ?? '').split(',').map((s) => s.trim()).filter(Boolean).map(Number)
  const dtype = (Object.entries(DESCR).find(([, d]) => d === descr)?.[0]) as DType | undefined
  if (!dtype) throw new DataJointError(`.npy dtype ${descr} is not supported.`)
  const ctor = DTYPE_ARRAY[dtype]!
  const body = b.subarray(start + hlen)
  const data = new ctor(body.buffer.slice(body.byteOffset, body.byteOffset + body.length) as ArrayBuffer)
  if (!fortran && shape.length > 1) {
    // row-major on disk: reorder into column-major
    const n = shape.reduce((x, y) => x * y, 1)
    const out = new ctor(new ArrayBuffer(n * ctor.BYTES_PER_ELEMENT))
    const strides = shape.map((_, d) => shape.slice(d + 1).reduce((x, y) => x * y, 1))
    for (let i = 0; i < n; i++) {
      let rest = i
      let c = 0
      let stride = 1
      for (let d = 0; d < shape.length; d++) {
        const idx = Math.floor(rest / strides[d]!) % shape[d]!
        rest -= idx * strides[d]!
        c += idx * stride
        stride *= shape[d]!
      }
      out[c] = data[i]
    }
    return new NDArray(dtype, shape, out)
  }
  return new NDArray(dtype, shape, data)
}
