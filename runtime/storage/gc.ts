/**
 * Garbage collection of external stores: objects under a schema's `_hash/<schema>/` section that
 * no row of the schema refers to any more. Deleting rows never deletes objects; this does, after
 * a dry run that reports what it would remove.
 */
import type { Schema } from '../schema/schema.js'
import { getTableInfo } from '../table/registry.js'
import { type ExternalMeta, isExternal2, section } from './external.js'
import { storeFor, storeName } from './store.js'

export interface GarbageReport {
  store: string
  referenced: number
  unreferenced: number
  bytes: number
  deleted: number
  paths: string[]
}

export async function collectGarbage(schema: Schema, options: { store?: string | null; dryRun?: boolean } = {}): Promise<GarbageReport> {
  const dryRun = options.dryRun ?? true
  const store = storeFor(options.store ?? null)
  await schema.makeClasses()
  const conn = schema.connection
  const referenced = new Set<string>()
  for (const cls of Object.values(schema.tables)) {
    const info = getTableInfo(cls)!
    for (const a of info.heading.attributes.filter(isExternal2)) {
      if (storeName(a.codec!.store) !== store.name) continue
      const q = conn.dialect.quote(a.name)
      const rows = await conn.fetchAll(`SELECT ${q} AS v FROM ${conn.dialect.fullName(schema.database, info.tableName)} WHERE ${q} IS NOT NULL`)
      for (const r of rows) referenced.add((typeof r.v === 'string' ? (JSON.parse(r.v) as ExternalMeta) : (r.v as ExternalMeta)).path)
    }
  }
  // hash-addressed objects, and schema-addressed ones (<object@>, <npy@>; a folder object owns the files below it)
  const under = (p: unknown, d: string) => store.list(`${section(p, d)}/${schema.database}/`)
  const objects = [...(await under(store.spec.hash_prefix, '_hash')), ...(await under(store.spec.schema_prefix, '_schema'))]
  const used = (path: string) => {
    if (referenced.has(path)) return true
    for (let i = path.lastIndexOf('/'); i > 0; i = path.lastIndexOf('/', i - 1)) if (referenced.has(path.slice(0, i))) return true
    return false
  }
  const unused = objects.filter((o) => !used(o.path))
  let deleted = 0
  if (!dryRun) {
    for (const o of unused) {
      await store.remove(o.path)
      deleted++
    }
  }
  return { store: store.name, referenced: referenced.size, unreferenced: unused.length, bytes: unused.reduce((s, o) => s + o.size, 0), deleted, paths: unused.map((o) => o.path) }
}
