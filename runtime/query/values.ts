/**
 * Values between JavaScript and the database. Encoding turns a user's value into a statement
 * parameter for one attribute (UUID strings to 16 bytes, Dates to UTC text, NaN to NULL, JSON to
 * text); decoding turns a fetched column back (bytes to UUID strings, 0/1 to booleans, JSON text
 * to values). Codec values (blobs, attachments) are handled by their codecs.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { basename, extname, join, resolve } from 'node:path'
import { pack as packBlob } from '../blob/pack.js'
import { unpack as unpackBlob } from '../blob/unpack.js'
import { DataJointError } from '../errors.js'
import { config } from '../settings/global.js'
import { ExternalRef } from '../storage/external.js'
import type { Attribute } from '../heading/attribute.js'
import { UuidParam } from '../connection/driver.js'

const UUID_TEXT = /^\{?([0-9a-f]{8})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{12})\}?$/i

export function uuidToBytes(value: string): Buffer | null {
  const m = UUID_TEXT.exec(value.trim())
  return m ? Buffer.from(m.slice(1).join(''), 'hex') : null
}

export function bytesToUuid(b: Uint8Array): string {
  const h = Buffer.from(b).toString('hex')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0')

/** A Date as the server's text in UTC: `YYYY-MM-DD` for dates, with time (and microseconds) otherwise. */
export function dateText(d: Date, withTime: boolean): string {
  if (Number.isNaN(d.getTime())) throw new DataJointError('Invalid Date value.', { hint: 'Pass a valid Date or an ISO 8601 string.' })
  const day = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`
  if (!withTime) return day
  const ms = d.getUTCMilliseconds()
  return `${day} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}${ms ? '.' + pad(ms, 3) : ''}`
}

export type Encoder = (value: unknown) => unknown

function invalid(attr: Attribute, table: string, value: unknown, expected: string): DataJointError {
  const shown = typeof value === 'string' ? JSON.stringify(value) : String(value)
  return new DataJointError(`Invalid value ${shown.slice(0, 80)} for attribute "${attr.name}" (${attr.type}) of ${table}: expected ${expected}.`)
}

const encoders = new WeakMap<Attribute, Map<string, Encoder>>()

/** The parameter encoder of one attribute (cached: attributes are immutable). */
export function encoderFor(attr: Attribute, table: string): Encoder {
  let byTable = encoders.get(attr)
  if (!byTable) encoders.set(attr, (byTable = new Map()))
  let e = byTable.get(table)
  if (!e) byTable.set(table, (e = makeEncoder(attr, table)))
  return e
}

function makeEncoder(attr: Attribute, table: string): Encoder {
  if (attr.isUuid) {
    return (v) => {
      if (v === null || v === undefined) return null
      if (v instanceof Uint8Array && v.length === 16) return new UuidParam(Buffer.from(v))
      if (typeof v === 'string') {
        const b = uuidToBytes(v)
        if (b) return new UuidParam(b)
      }
      throw invalid(attr, table, v, 'a UUID such as "0f1e2d3c-4b5a-4697-8877-665544332211"')
    }
  }
  if (attr.isJson) {
    return (v) => (v === undefined || v === null ? null : JSON.stringify(v))
  }
  if (attr.codec) {
    const codec = attr.codec
    if (codec.store !== null) {
      if (attr.isExternal) {
        return () => {
          throw new DataJointError(`Attribute "${attr.name}" of ${table} is a 0.14 external attribute (${attr.type}); writing those is not supported, reading is.`, {
            hint: 'Write new data into a 2.x table (<blob@store>), or with datajoint-python 0.14.',
          })
        }
      }
      // insert uploads first (storage/external.ts) and leaves the object's metadata here
      return (v) => {
        if (v === null || v === undefined) return null
        if (v instanceof ExternalRef) return JSON.stringify(v.meta)
        throw new DataJointError(`Internal: the value of external attribute "${attr.name}" of ${table} was not uploaded.`)
      }
    }
    if (codec.name === 'blob') return (v) => (v === undefined || v === null ? null : packBlob(v))
    if (codec.name === 'attach') {
      return (v) => {
        if (v === null || v === undefined) return null
        if (typeof v !== 'string') throw invalid(attr, table, typeof v, 'the path of a file to attach')
        try {
          return attachmentPayload(v, readFileSync(v))
        } catch (cause) {
          throw cannotAttach(attr, table, v, cause)
        }
      }
    }
    return () => {
      throw new DataJointError(`The codec ${attr.type} of attribute "${attr.name}" of ${table} is not supported.`)
    }
  }
  if (attr.isBlob) {
    return (v) => {
      if (v === null || v === undefined) return null
      if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength)
      throw invalid(attr, table, typeof v, 'bytes (a Buffer or Uint8Array)')
    }
  }
  const withTime = /^(datetime|timestamp)/i.test(attr.sqlType)
  const numeric = attr.isNumeric
  return (v) => {
    switch (typeof v) {
      case 'number':
        // NaN means "missing" in DataJoint: it is stored as NULL
        if (Number.isNaN(v)) return null
        if (!Number.isFinite(v)) throw invalid(attr, table, v, 'a finite number')
        return v
      case 'string':
        if (numeric && v === '') return null
        return v
      case 'boolean':
        return v ? 1 : 0
      case 'bigint':
        return v.toString()
      case 'undefined':
        return null
      case 'object':
        if (v === null) return null
        if (v instanceof Date) return dateText(v, withTime)
        if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength)
        throw invalid(attr, table, Object.prototype.toString.call(v), `a ${numeric ? 'number' : 'string'}`)
      default:
        throw invalid(attr, table, typeof v, `a ${numeric ? 'number' : 'string'}`)
    }
  }
}

export type Decoder = (value: unknown) => unknown

/** The decoder of one fetched attribute, or null when the driver's value is already right. */
export function decoderFor(attr: Attribute): Decoder | null {
  // external values are downloaded asynchronously by the fetch (storage/external.ts)
  if (attr.codec?.store !== null && attr.codec?.store !== undefined) return null
  if (attr.codec?.store === null && attr.codec.name === 'blob') return (v) => (v instanceof Uint8Array ? unpackBlob(v) : v)
  if (attr.codec?.store === null && attr.codec.name === 'attach') return (v) => (v instanceof Uint8Array ? saveAttachment(v) : v)
  if (attr.isUuid) return (v) => (v instanceof Uint8Array ? bytesToUuid(v) : v)
  if (attr.isJson) return (v) => (typeof v === 'string' ? JSON.parse(v) : v)
  if (attr.isBool) return (v) => (v === null ? null : Boolean(Number(v)))
  // the driver gives 64-bit integers beyond 2^53 as text: they come back as exact bigints
  if (/^bigint/i.test(attr.sqlType)) return (v) => (typeof v === 'string' ? BigInt(v) : v)
  // fractional seconds with as many digits as the type declares (MySQL writes them; PostgreSQL drops trailing zeros)
  const frac = /^(?:datetime|timestamp|time)\((\d)\)/i.exec(attr.sqlType)
  if (frac && Number(frac[1]) > 0) {
    const n = Number(frac[1])
    return (v) => {
      if (typeof v !== 'string') return v
      const m = /^(.*?\d\d:\d\d:\d\d)(?:\.(\d+))?$/.exec(v)
      return m ? `${m[1]}.${(m[2] ?? '').padEnd(n, '0').slice(0, n)}` : v
    }
  }
  // CHAR(n) values come without their padding (MySQL drops it; PostgreSQL keeps it)
  if (/^char\(/i.test(attr.sqlType)) return (v) => (typeof v === 'string' ? v.replace(/ +$/, '') : v)
  return null
}

/** An attachment as DataJoint stores it: the file's name, a NUL byte, the file's bytes. */
export function attachmentPayload(path: string, data: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(basename(path), 'utf8'), Buffer.from([0]), data])
}

export function cannotAttach(attr: Attribute, table: string, path: string, cause: unknown): DataJointError {
  return new DataJointError(`Cannot attach "${path}" to attribute "${attr.name}" of ${table}: ${(cause as Error).message}.`, { cause })
}

/**
 * Writes a fetched attachment (`name\0bytes`) under dj.config.download_path and returns its path.
 * A file already there with the same bytes is reused; a different one keeps its name and the
 * attachment gets `name_1.ext`, `name_2.ext`, ... as datajoint-python 2.x does.
 */
export function saveAttachment(stored: Uint8Array): string {
  const b = Buffer.from(stored.buffer, stored.byteOffset, stored.byteLength)
  const nul = b.indexOf(0)
  if (nul < 0) throw new DataJointError('Invalid attachment: no file name.', { hint: 'The column does not hold an attachment (name, NUL, contents).' })
  const name = basename(b.toString('utf8', 0, nul)) || 'attachment'
  const data = b.subarray(nul + 1)
  const folder = resolve(String(config.get('download_path')))
  mkdirSync(folder, { recursive: true })
  const ext = extname(name)
  const stem = name.slice(0, name.length - ext.length)
  for (let i = 0; ; i++) {
    const path = join(folder, i === 0 ? name : `${stem}_${i}${ext}`)
    if (!existsSync(path)) {
      writeFileSync(path, data)
      return path
    }
    if (readFileSync(path).equals(data)) return path
  }
}
