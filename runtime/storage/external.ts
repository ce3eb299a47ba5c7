/**
 * External values of the 2.x codecs `<blob@store>`, `<attach@store>`, `<hash@store>`: the bytes go
 * to the store at `_hash/<schema>/<hash>` (content-addressed, so equal objects are stored once per
 * schema) and the row keeps `{"hash","path","schema","store","size"}`. Uploads happen before the
 * insert; fetch downloads, checks the hash and decodes. 0.14 `blob@store` columns (16-byte MD5
 * hashes) are read from their 0.14 paths.
 */
import { createHash } from 'node:crypto'
import { randomBytes } from 'node:crypto'
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises'
import { dirname, extname, join, relative, sep } from 'node:path'
import { NDArray } from '../blob/values.js'
import { config } from '../settings/global.js'
import { pack } from '../blob/pack.js'
import { unpack } from '../blob/unpack.js'
import { DataJointError } from '../errors.js'
import type { Attribute } from '../heading/attribute.js'
import { attachmentPayload, cannotAttach, saveAttachment } from '../query/values.js'
import { fromNpy, toNpy } from './npy.js'
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
  constructor(readonly meta: ExternalMeta | Record<string, unknown>) {}
}

/**
 * A fetched `<object@>`, `<filepath@>` or `<npy@>` value: where the object is and what it is,
 * read only when asked (`read()`, `download(folder)`, `load()` for .npy arrays).
 */
export class ObjectRef {
  constructor(readonly meta: Record<string, unknown>, readonly store: ObjectStore) {}
  get path(): string {
    return this.meta.path as string
  }
  get isDir(): boolean {
    return this.meta.is_dir === true
  }
  /** The bytes of a file object. */
  read(): Promise<Buffer> {
    if (this.isDir) throw new DataJointError(`${this.path} is a folder; list() its files or download() it.`)
    return this.store.get(this.path)
  }
  /** The files of a folder object (or the one file), relative to the store. */
  async list(): Promise<string[]> {
    if (!this.isDir) return [this.path]
    return (await this.store.list(this.path + '/')).map((o) => o.path)
  }
  /** Copies the object (file or folder) under `folder` and returns the local path. */
  async download(folder: string = String(config.get('download_path'))): Promise<string> {
    const name = this.path.split('/').pop()!
    const target = join(folder, name)
    if (!this.isDir) {
      await mkdir(folder, { recursive: true })
      await writeFile(target, await this.read())
      return target
    }
    for (const p of await this.list()) {
      const local = join(target, ...p.slice(this.path.length + 1).split('/'))
      await mkdir(dirname(local), { recursive: true })
      await writeFile(local, await this.store.get(p))
    }
    return target
  }
  /** The array of an `<npy@>` value. */
  async load(): Promise<NDArray> {
    return fromNpy(await this.read())
  }
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

/** A store's path section (`hash_prefix`, `schema_prefix`) without surrounding slashes. */
export function section(value: unknown, fallback: string): string {
  return String(value ?? fallback).replace(/^\/+|\/+$/g, '')
}

/** Successive prefixes of a name, of the lengths in `folds` (DataJoint's subfolding). */
function subfold(name: string, folds: readonly number[]): string[] {
  const out: string[] = []
  let at = 0
  for (const n of folds) {
    out.push(name.slice(at, at + n))
    at += n
  }
  return out
}

function hashPath(store: ObjectStore, schema: string, hash: string): string {
  return [section(store.spec.hash_prefix, '_hash'), schema, ...subfold(hash, store.spec.subfolding ?? []), hash].filter(Boolean).join('/')
}

/** The bytes a codec stores for a value. */
async function payload(attr: Attribute, value: unknown, table: string): Promise<Buffer> {
  switch (attr.codec!.name) {
    case 'blob':
      return pack(value)
    case 'attach': {
      if (typeof value !== 'string') throw new DataJointError(`Attribute "${attr.name}" of ${table} takes the path of a file to attach.`)
      try {
        return attachmentPayload(value, await readFile(value))
      } catch (cause) {
        throw cannotAttach(attr, table, value, cause)
      }
    }
    case 'hash':
      if (!(value instanceof Uint8Array)) throw new DataJointError(`Attribute "${attr.name}" of ${table} (${attr.type}) takes bytes (a Buffer or Uint8Array).`)
      return Buffer.from(value.buffer, value.byteOffset, value.byteLength)
    default:
      throw new DataJointError(`The codec ${attr.type} of attribute "${attr.name}" of ${table} is not supported yet.`, { hint: 'Supported external codecs: <blob@store>, <attach@store>, <hash@store>.' })
  }
}

const TOKEN = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

/** A primary-key value as a path segment (2.x rules: unsafe or long strings are shortened and escaped). */
function segment(v: unknown): string {
  if (v instanceof Date) return v.toISOString().slice(0, 19).replace(/:/g, '-')
  let s = String(v)
  if (/[/\\:*?"<>|]/.test(s) || s.length > 100) {
    if (s.length > 100) s = `${s.slice(0, 50)}_${createHash('md5').update(s).digest('hex').slice(0, 8)}`
    s = [...Buffer.from(s, 'utf8')].map((b) => '%' + b.toString(16).toUpperCase().padStart(2, '0')).join('')
  }
  return s
}

/** `_schema/<schema>/<table>/<k=v>/.../<field>_<token><ext>` for schema-addressed objects. */
function objectPath(store: ObjectStore, schema: string, table: string, key: Record<string, unknown>, field: string, ext: string): string {
  const prefix = section(store.spec.schema_prefix, '_schema')
  const length = Math.min(16, Math.max(4, Number(store.spec.token_length ?? 8)))
  const token = [...randomBytes(length)].map((b) => TOKEN[b % 64]).join('')
  return [prefix, schema, table, ...Object.entries(key).map(([k, v]) => `${k}=${segment(v)}`), `${field}_${token}${ext}`].filter(Boolean).join('/')
}

async function schemaAddressed(attr: Attribute, value: unknown, schema: string, tableName: string, key: Record<string, unknown>, label: string): Promise<ExternalRef> {
  const store = storeFor(attr.codec!.store)
  const storeName = attr.codec!.store || null
  const timestamp = new Date().toISOString()
  if (attr.codec!.name === 'npy') {
    if (!(value instanceof NDArray)) throw new DataJointError(`Attribute "${attr.name}" of ${label} (${attr.type}) takes a dj.blob.NDArray.`)
    const path = objectPath(store, schema, tableName, key, attr.name, '.npy')
    await store.put(path, toNpy(value))
    return new ExternalRef({ path, store: storeName, dtype: value.dtype, shape: [...value.shape] })
  }
  if (attr.codec!.name === 'filepath') {
    if (typeof value !== 'string') throw new DataJointError(`Attribute "${attr.name}" of ${label} (${attr.type}) takes a path inside the store "${store.name}".`)
    const path = value.replace(/^\/+/, '')
    const found = await store.list(path)
    const file = found.find((o) => o.path === path)
    const inside = found.filter((o) => o.path.startsWith(path + '/'))
    if (!file && inside.length === 0) throw new DataJointError(`The file "${path}" is not in the store "${store.name}".`, { hint: '<filepath@store> refers to files already in the store; copy it there first.' })
    return new ExternalRef({ path, store: storeName, size: file ? file.size : inside.reduce((s, o) => s + o.size, 0), is_dir: !file, timestamp })
  }
  // <object@store>: a local file or folder, copied in
  if (typeof value !== 'string') throw new DataJointError(`Attribute "${attr.name}" of ${label} (${attr.type}) takes the path of a local file or folder.`)
  let info
  try {
    info = await stat(value)
  } catch (cause) {
    throw new DataJointError(`Cannot store "${value}" in attribute "${attr.name}" of ${label}: ${(cause as Error).message}.`, { cause })
  }
  const ext = info.isDirectory() ? '' : extname(value)
  const path = objectPath(store, schema, tableName, key, attr.name, ext)
  if (!info.isDirectory()) {
    await store.put(path, await readFile(value))
    return new ExternalRef({ path, store: storeName, size: info.size, ext: ext || null, is_dir: false, item_count: 1, timestamp })
  }
  let size = 0
  let count = 0
  const walk = async (dir: string) => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const p = join(dir, e.name)
      if (e.isDirectory()) await walk(p)
      else {
        const data = await readFile(p)
        await store.put(`${path}/${relative(value, p).split(sep).join('/')}`, data)
        size += data.length
        count++
      }
    }
  }
  await walk(value)
  return new ExternalRef({ path, store: storeName, size, ext: null, is_dir: true, item_count: count, timestamp })
}

/** Uploads a value of an external attribute (unless the store has it already). */
export async function upload(attr: Attribute, value: unknown, schema: string, table: string, tableName = '', key: Record<string, unknown> = {}): Promise<ExternalRef | null> {
  if (value === null || value === undefined) return null
  if (value instanceof ExternalRef) return value
  if (['object', 'filepath', 'npy'].includes(attr.codec!.name)) return schemaAddressed(attr, value, schema, tableName, key, table)
  const data = await payload(attr, value, table)
  const store = storeFor(attr.codec!.store)
  const hash = contentHash(data)
  const path = hashPath(store, schema, hash)
  if (!(await store.exists(path))) await store.put(path, data)
  return new ExternalRef({ hash, path, schema, store: attr.codec!.store || null, size: data.length })
}

/** Fetches and decodes the value of an external attribute from its row's metadata. */
/** The database, for 0.14 attachments whose names live in the `~external_<store>` table. */
export interface Lookup {
  fetchAll(sql: string, params: unknown[]): Promise<any[]>
  fullName(schema: string, table: string): string
}

export async function download(attr: Attribute, stored: unknown, schema: string, db?: Lookup): Promise<unknown> {
  if (stored === null || stored === undefined) return null
  if (attr.isExternal) return legacyDownload(attr, stored, schema, db)
  const meta = (typeof stored === 'string' ? JSON.parse(stored) : stored) as ExternalMeta
  const store = storeFor(meta.store ?? attr.codec!.store)
  if (['object', 'filepath', 'npy'].includes(attr.codec!.name)) return new ObjectRef(meta as unknown as Record<string, unknown>, store)
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

/**
 * 0.14 external objects: blobs at `<location>/<schema>/<ab>/<cd>/<32 hex>`, attachments at the
 * same path plus `.<file name>` (the name is kept in the schema's `~external_<store>` table).
 */
async function legacyDownload(attr: Attribute, stored: unknown, schema: string, db?: Lookup): Promise<unknown> {
  if (!(stored instanceof Uint8Array) || stored.length !== 16) throw new DataJointError(`Attribute "${attr.name}" should hold a 16-byte hash.`)
  if (attr.codec!.name !== 'blob' && attr.codec!.name !== 'attach') throw new DataJointError(`Reading 0.14 external ${attr.codec!.name} attributes is not supported yet ("${attr.name}").`)
  const store = storeFor(attr.codec!.store)
  const hex = Buffer.from(stored).toString('hex')
  const path = [schema, ...subfold(hex, store.spec.subfolding ?? [2, 2]), hex].join('/')
  if (attr.codec!.name === 'blob') return unpack(await store.get(path))
  if (!db) throw new DataJointError('Internal: reading a 0.14 external attachment needs the database.')
  const rows = await db.fetchAll(`SELECT attachment_name AS name FROM ${db.fullName(schema, `~external_${attr.codec!.store}`)} WHERE hash = ?`, [Buffer.from(stored)])
  if (!rows.length || !rows[0].name) throw new DataJointError(`The attachment ${hex} of "${attr.name}" is not in ~external_${attr.codec!.store}.`)
  return saveAttachment(attachmentPayload(rows[0].name, await store.get(`${path}.${rows[0].name}`)))
}
