/** A store on a file system (local disk, NFS, SMB mounts). Writes go to a temporary name first. */
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { dirname, join, relative, sep } from 'node:path'
import { BucketInaccessible, MissingExternalFile } from '../errors.js'
import type { ObjectStore, StoredObject, StoreSpec } from './store.js'

export class FileStore implements ObjectStore {
  constructor(readonly name: string, readonly spec: StoreSpec) {}

  #full(path: string): string {
    return join(this.spec.location, ...path.split('/'))
  }

  async exists(path: string): Promise<boolean> {
    try {
      await stat(this.#full(path))
      return true
    } catch {
      return false
    }
  }

  async put(path: string, data: Buffer): Promise<void> {
    const target = this.#full(path)
    try {
      await stat(this.spec.location)
    } catch (cause) {
      throw new BucketInaccessible(`The store "${this.name}" cannot be reached: its location ${this.spec.location} does not exist.`, {
        cause, hint: 'Create the folder or mount it, or fix dj.config.stores.' + this.name + '.location.',
      })
    }
    await mkdir(dirname(target), { recursive: true })
    // a unique temporary name: workers may upload the same content-addressed object at once
    const temp = `${target}.${process.pid}.${Math.random().toString(36).slice(2)}.saving`
    await writeFile(temp, data)
    await rename(temp, target)
  }

  async get(path: string): Promise<Buffer> {
    try {
      return await readFile(this.#full(path))
    } catch (cause) {
      throw new MissingExternalFile(`The object ${path} is missing from the store "${this.name}" (${this.#full(path)}).`, { cause, hint: 'The file was moved or deleted outside DataJoint.' })
    }
  }

  async remove(path: string): Promise<void> {
    await rm(this.#full(path), { force: true })
  }

  /** Like S3: every object whose path starts with `prefix` (a folder, a file, or a name prefix). */
  async list(prefix: string): Promise<StoredObject[]> {
    const root = prefix.endsWith('/') || prefix === '' ? this.#full(prefix) : dirname(this.#full(prefix))
    const out: StoredObject[] = []
    const walk = async (dir: string) => {
      let entries
      try {
        entries = await readdir(dir, { withFileTypes: true })
      } catch {
        return
      }
      for (const e of entries) {
        const p = join(dir, e.name)
        if (e.isDirectory()) await walk(p)
        else if (!e.name.endsWith('.saving')) out.push({ path: relative(this.spec.location, p).split(sep).join('/'), size: (await stat(p)).size })
      }
    }
    await walk(root)
    return out.filter((o) => o.path.startsWith(prefix))
  }
}
