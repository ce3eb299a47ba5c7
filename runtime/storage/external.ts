/**
 * External values of the 2.x codecs `<blob@store>`, `<attach@store>`, `<hash@store>`: the bytes go
 * to the store at `_hash/<schema>/<hash>` (content-addressed, so equal objects are stored once per
 * schema) and the row keeps `{"hash","path","schema","store","size"}`. Uploads happen before the
 * insert; fetch downloads, checks the hash and decodes. 0.14 `blob@store` columns (16-byte MD5
 * hashes) are read from their 0.14 paths.
 */
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { basename } from 'node:path'
import { pack } from '../blob/pack.js'
import { unpack } from '../blob/unpack.js'
import { DataJointError } from '../errors.js'
import type { Attribute } from '../heading/attribute.js'
import { saveAttachment } from '../query/values.js'
import { type ObjectStore, storeFor } from './store.js'

export interface ExternalMeta {
  hash: string
  path: string
  schema: string
  store: string | null
  size: number
}

/** An uploaded object, ready to be written into its row. */
export class ExternalRef {
  constructor(readonly meta: ExternalMeta) {}
}

const B32 = 'abcdefghijklmnopqrstuvwxyz234567'

/** RFC 4648 Base32 of the MD5 digest, unpadded, lower case (2.x content hashes). */
export function contentHash(data: Uint8Array): string {
  const digest = createHash('md5').update(data).digest()
  let bits = 0
  let value = 0
  let out = ''
  for (const byte of digest) {
    value = (value << 8) | byte
    bits += 8
    while (bits >= 5) {
      out += B32[(value >>> (bits - 5)) & 31]
      bits -= 5
    }
  }
  if (bits > 0) out += B32[(value << (5 - bits)) & 31]
  return out
}

export const isExternal2 = (a: Attribute) => a.codec !== null && a.codec.store !== null && !a.isExternal

function hashPath(store: ObjectStore, schema: string, hash: string): string {
  const prefix = (store.spec.hash_prefix ?? '_hash').replace(/^\/+|\/+$/g, '')
  const folds: string[] = []
  let at = 0
  for (const n of store.spec.subfolding ?? []) {
    folds.push(hash.slice(at, at + n))
    at += n
  }
  return [prefix, schema, ...folds, hash].filter(Boolean).join('/')
}

/** The bytes a codec stores for a value. */
async function payload(attr: Attribute, value: unknown, table: string): Promise<Buffer> {
  switch (attr.codec!.name) {
    case 'blob':
      return pack(value)
    case 'attach': {
      if (typeof value !== 'string') throw new DataJointError(`Attribute "${attr.name}" of ${table} takes the path of a file to attach.`)
      let data: Buffer
      try {
        data = await readFile(value)
      } catch (cause) {
        throw new DataJointError(`Cannot attach "${value}" to attribute "${attr.name}" of ${table}: ${(cause as Error).message}.`, { cause })
      }
      return Buffer.concat([Buffer.from(basename(value), 'utf8'), Buffer.from([0]), data])
    }
    case 'hash':
      if (!(value instanceof Uint8Array)) throw new DataJointError(`Attribute "${attr.name}" of ${table} (${attr.type}) takes bytes (a Buffer or Uint8Array).`)
      return Buffer.from(value.buffer, value.byteOffset, value.byteLength)
    default:
      throw new DataJointError(`The codec ${attr.type} of attribute "${attr.name}" of ${table} is not supported yet.`, { hint: 'Supported external codecs: <blob@store>, <attach@store>, <hash@store>.' })
  }
}

/** Uploads a value of an external attribute (unless the store has it already). */
export async function upload(attr: Attribute, value: unknown, schema: string, table: string): Promise<ExternalRef | null> {
  if (value === null || value === undefined) return null
  if (value instanceof ExternalRef) return value
  const data = await payload(attr, value, table)
  const store = storeFor(attr.codec!.store)
  const hash = contentHash(data)
  const path = hashPath(store, schema, hash)
  if (!(await store.exists(path))) await store.put(path, data)
  return new ExternalRef({ hash, path, schema, store: attr.codec!.store || null, size: data.length })
}

/** Fetches and decodes the value of an external attribute from its row's metadata. */
export async function download(attr: Attribute, stored: unknown, schema: string): Promise<unknown> {
  if (stored === null || stored === undefined) return null
  if (attr.isExternal) return legacyDownload(attr, stored, schema)
  const meta = (typeof stored === 'string' ? JSON.parse(stored) : stored) as ExternalMeta
  const store = storeFor(meta.store ?? attr.codec!.store)
  const data = await store.get(meta.path)
  if (contentHash(data) !== meta.hash) {
    throw new DataJointError(`Hash mismatch for ${meta.path} in the store "${store.name}": the object may be corrupted.`, { hint: 'Restore the object from a backup; DataJoint never rewrites stored objects.' })
  }
  switch (attr.codec!.name) {
    case 'blob': return unpack(data)
    case 'attach': return saveAttachment(data)
    default: return data
  }
}

/** 0.14 external blobs: `<location>/<schema>/<ab>/<cd>/<32 hex>`. */
async function legacyDownload(attr: Attribute, stored: unknown, schema: string): Promise<unknown> {
  if (!(stored instanceof Uint8Array) || stored.length !== 16) throw new DataJointError(`Attribute "${attr.name}" should hold a 16-byte hash.`)
  if (attr.codec!.name !== 'blob') throw new DataJointError(`Reading 0.14 external ${attr.codec!.name} attributes is not supported yet ("${attr.name}").`)
  const store = storeFor(attr.codec!.store)
  const hex = Buffer.from(stored).toString('hex')
  const folds: string[] = []
  let at = 0
  for (const n of store.spec.subfolding ?? [2, 2]) {
    folds.push(hex.slice(at, at + n))
    at += n
  }
  return unpack(await store.get([schema, ...folds, hex].join('/')))
}
