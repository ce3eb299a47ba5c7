/**
 * A store in an S3-compatible object store (AWS, MinIO, Ceph, ...): the only file importing the
 * AWS SDK, loaded on first use so that sessions without S3 start without it.
 */
type Sdk = typeof import('@aws-sdk/client-s3')
let sdk: Promise<Sdk> | null = null
const loadSdk = () => (sdk ??= import('@aws-sdk/client-s3'))
import type { S3Client } from '@aws-sdk/client-s3'
import { BucketInaccessible, MissingExternalFile } from '../errors.js'
import type { ObjectStore, StoredObject, StoreSpec } from './store.js'

export class S3Store implements ObjectStore {
  #client: Promise<{ s3: S3Client; sdk: Sdk }> | null = null
  readonly #root: string

  constructor(readonly name: string, readonly spec: StoreSpec) {
    // backslashes become slashes, a leading slash or drive letter is dropped (as datajoint does)
    this.#root = spec.location.replace(/\\/g, '/').replace(/^[A-Za-z]:/, '').replace(/^\/+/, '').replace(/\/+$/, '')
  }

  /** the client and the SDK's commands */
  #c(): Promise<{ s3: S3Client; sdk: Sdk }> {
    const spec = this.spec
    return (this.#client ??= loadSdk().then((m) => {
      const endpoint = /^https?:\/\//.test(spec.endpoint!) ? spec.endpoint! : `${spec.secure === false ? 'http' : 'https'}://${spec.endpoint}`
      const s3 = new m.S3Client({
        endpoint,
        region: (spec.region as string | undefined) ?? 'us-east-1',
        forcePathStyle: true,
        credentials: { accessKeyId: spec.access_key!, secretAccessKey: spec.secret_key! },
        maxAttempts: 2,
      })
      return { s3, sdk: m }
    }))
  }

  #key(path: string): string {
    return this.#root ? `${this.#root}/${path}` : path
  }

  #unreachable(err: unknown): never {
    const e = err as { name?: string; message?: string }
    throw new BucketInaccessible(`The store "${this.name}" (s3 ${this.spec.endpoint}/${this.spec.bucket}) cannot be used: ${e?.name ?? ''} ${e?.message ?? String(err)}`.trim(), {
      cause: err, hint: `Check dj.config.stores.${this.name} (endpoint, bucket, access_key, secret_key, secure) and that the server is reachable.`,
    })
  }

  async exists(path: string): Promise<boolean> {
    try {
      const { s3, sdk } = await this.#c()
      await s3.send(new sdk.HeadObjectCommand({ Bucket: this.spec.bucket, Key: this.#key(path) }))
      return true
    } catch (err) {
      const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode
      if (status === 404 || (err as { name?: string }).name === 'NotFound') return false
      this.#unreachable(err)
    }
  }

  async put(path: string, data: Buffer): Promise<void> {
    try {
      const { s3, sdk } = await this.#c()
      await s3.send(new sdk.PutObjectCommand({ Bucket: this.spec.bucket, Key: this.#key(path), Body: data }))
    } catch (err) {
      this.#unreachable(err)
    }
  }

  async get(path: string): Promise<Buffer> {
    try {
      const { s3, sdk } = await this.#c()
      const r = await s3.send(new sdk.GetObjectCommand({ Bucket: this.spec.bucket, Key: this.#key(path) }))
      return Buffer.from(await r.Body!.transformToByteArray())
    } catch (err) {
      if ((err as { name?: string }).name === 'NoSuchKey') {
        throw new MissingExternalFile(`The object ${path} is missing from the store "${this.name}".`, { cause: err })
      }
      this.#unreachable(err)
    }
  }

  async remove(path: string): Promise<void> {
    try {
      const { s3, sdk } = await this.#c()
      await s3.send(new sdk.DeleteObjectCommand({ Bucket: this.spec.bucket, Key: this.#key(path) }))
    } catch (err) {
      this.#unreachable(err)
    }
  }

  async list(prefix: string): Promise<StoredObject[]> {
    const out: StoredObject[] = []
    let token: string | undefined
    try {
      const { s3, sdk } = await this.#c()
      do {
        const r = await s3.send(new sdk.ListObjectsV2Command({ Bucket: this.spec.bucket, Prefix: this.#key(prefix), ContinuationToken: token }))
        for (const o of r.Contents ?? []) out.push({ path: this.#root ? o.Key!.slice(this.#root.length + 1) : o.Key!, size: Number(o.Size ?? 0) })
        token = r.IsTruncated ? r.NextContinuationToken : undefined
      } while (token)
    } catch (err) {
      this.#unreachable(err)
    }
    return out
  }
}
