/**
 * External stores: where large objects live outside the database, configured in
 * `dj.config.stores` (`{ name: { protocol: 'file' | 's3', location, ... }, default: 'name' }`).
 * A store reads and writes objects by path relative to its location.
 */
import { DataJointError } from '../errors.js'
import { config } from '../settings/global.js'
import { FileStore } from './file-store.js'
import { S3Store } from './s3-store.js'

export interface StoredObject {
  path: string
  size: number
}

export interface ObjectStore {
  readonly name: string
  readonly spec: StoreSpec
  exists(path: string): Promise<boolean>
  put(path: string, data: Buffer): Promise<void>
  get(path: string): Promise<Buffer>
  remove(path: string): Promise<void>
  /** objects whose path starts with `prefix` */
  list(prefix: string): Promise<StoredObject[]>
}

export interface StoreSpec {
  protocol: 'file' | 's3'
  location: string
  subfolding?: number[] | null
  hash_prefix?: string
  /** s3 */
  endpoint?: string
  bucket?: string
  access_key?: string
  secret_key?: string
  secure?: boolean
  [key: string]: unknown
}

const REQUIRED: Record<string, string[]> = {
  file: ['protocol', 'location'],
  s3: ['protocol', 'endpoint', 'bucket', 'access_key', 'secret_key', 'location'],
}

const cache = new Map<string, ObjectStore>()

/** The configured name of a `<codec@name>` store (`''` or null: the default store), or null. */
export function storeName(name: string | null): string | null {
  const stores = (config.get('stores') ?? {}) as Record<string, unknown>
  return name ? name : ((stores.default as string | undefined) ?? null)
}

/** The store of a `<codec@name>` attribute (`''` or null: the default store). */
export function storeFor(name: string | null): ObjectStore {
  const stores = (config.get('stores') ?? {}) as Record<string, unknown>
  const resolved = storeName(name)
  if (!resolved) {
    throw new DataJointError('No default store is configured.', { hint: 'Set dj.config.stores.default to the name of a store, or name the store in the type: <blob@name>.' })
  }
  const spec = stores[resolved] as StoreSpec | undefined
  if (!spec || typeof spec !== 'object') {
    throw new DataJointError(`The store "${resolved}" is used but not configured.`, {
      hint: `Add it to dj.config.stores (or DJ_STORES), e.g. { "${resolved}": { "protocol": "file", "location": "/data/${resolved}" } }.`,
    })
  }
  const required = REQUIRED[spec.protocol]
  if (!required) throw new DataJointError(`The store "${resolved}" has protocol "${spec.protocol}"; supported are file and s3.`)
  for (const k of required) {
    if (spec[k] === undefined || (spec[k] === '' && k !== 'location')) throw new DataJointError(`dj.config.stores["${resolved}"] is missing "${k}".`)
  }
  const key = `${resolved}:${JSON.stringify(spec)}`
  let store = cache.get(key)
  if (!store) cache.set(key, (store = spec.protocol === 'file' ? new FileStore(resolved, spec) : new S3Store(resolved, spec)))
  return store
}
