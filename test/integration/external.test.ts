/**
 * External stores on a file system and on S3 (a real S3-compatible server, s3rver, started here):
 * uploads before insert, content-addressed dedup, fetch with hash check, garbage collection,
 * unreachable stores, and 0.14 external blobs.
 */
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3'
import S3rver from 's3rver'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { rejects } from '../helpers/assert.js'
import { cleanup, prefix, setupDatabase } from '../helpers/db.js'
import { describe } from '../helpers/describe.js'
import { fixtures } from '../helpers/fixtures.js'

const dj = setupDatabase()
const work = mkdtempSync(join(tmpdir(), 'dj-ext-'))
const files = join(work, 'files')
mkdirSync(files)
let s3: S3rver
let s3port = 0

test.before(async () => {
  s3 = new S3rver({ port: 0, address: '127.0.0.1', directory: join(work, 's3'), silent: true })
  s3port = ((await s3.run()) as unknown as { port: number }).port
  const client = new S3Client({ endpoint: `http://127.0.0.1:${s3port}`, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } })
  await client.send(new CreateBucketCommand({ Bucket: 'datajoint' }))
  dj.config.set('stores', {
    default: 'files',
    files: { protocol: 'file', location: files },
    cloud: { protocol: 's3', endpoint: `127.0.0.1:${s3port}`, secure: false, bucket: 'datajoint', access_key: 'S3RVER', secret_key: 'S3RVER', location: 'lab/raw' },
    gone: { protocol: 'file', location: join(work, 'not-mounted') },
    down: { protocol: 's3', endpoint: '127.0.0.1:1', secure: false, bucket: 'datajoint', access_key: 'x', secret_key: 'y', location: '' },
    legacy: { protocol: 'file', location: join(work, 'legacy') },
  })
  dj.config.set('download_path', join(work, 'downloads'))
  await schema.declare(Recording, Offsite, Broken)
})
test.after(async () => {
  await cleanup()
  await s3.close()
})

/** the driver may give a JSON column as text or parsed */
const json = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v)

const schema = dj.schema('external')
class Recording extends dj.Manual {
  static override definition = `
  rec : int32
  ---
  signal = null : <blob@files>
  notes = null : <attach@>
  raw = null : <hash@files>
  `
}
class Offsite extends dj.Manual {
  static override definition = `
  rec : int32
  ---
  signal : <blob@cloud>
  `
}
class Broken extends dj.Manual {
  static override definition = `
  rec : int32
  ---
  a = null : <blob@gone>
  b = null : <blob@down>
  `
}

test('the 2.x content hash: Base32 of MD5, unpadded, lower case', () => {
  assert.is(dj.contentHash(Buffer.from('abc')), 'saavbgb42jh3bvuwh56sryl7oi')
})

test('file store: upload before insert, metadata in the row, dedup, fetch', async () => {
  const signal = new Float64Array(50_000).map((_, i) => Math.sin(i))
  const notesFile = join(work, 'session.txt')
  writeFileSync(notesFile, 'rig 2, good units')
  await Recording.insert([
    { rec: 1, signal, notes: notesFile, raw: Buffer.from('raw bytes') },
    { rec: 2, signal },
  ])
  const packed = dj.blob.pack(signal)
  const hash = dj.contentHash(packed)
  const rows = await dj.conn().fetchAll(`SELECT rec, \`signal\` FROM ${Recording.fullTableName} ORDER BY rec`)
  const meta = json(rows[0].signal)
  assert.equal(meta, { hash, path: `_hash/${schema.database}/${hash}`, schema: schema.database, store: 'files', size: packed.length })
  assert.equal(json(rows[1].signal), meta) // the same object, stored once
  assert.ok(readFileSync(join(files, '_hash', schema.database, hash)).equals(packed))
  const [r1, r2] = await Recording.fetch({ orderBy: 'rec' })
  assert.equal(describe(r1!.signal), describe(signal))
  assert.equal(describe(r2!.signal), describe(signal))
  assert.is(readFileSync(r1!.notes as string, 'utf8'), 'rig 2, good units')
  assert.is((r1!.raw as Buffer).toString(), 'raw bytes')
  assert.is(r2!.notes, null)
})

test('S3 store: objects under the location, fetched back', async () => {
  const value = new Map<unknown, unknown>([['spikes', new Int32Array([1, 5, 9])], ['unit', 'a1']])
  await Offsite.insert1({ rec: 1, signal: value })
  const meta = json((await dj.conn().fetchAll(`SELECT \`signal\` FROM ${Offsite.fullTableName}`))[0].signal)
  assert.is(meta.store, 'cloud')
  assert.is(meta.path, `_hash/${schema.database}/${meta.hash}`)
  assert.ok(existsSync(join(work, 's3', 'datajoint', 'lab', 'raw', '_hash', schema.database)))
  assert.equal(describe(await Offsite.restrict({ rec: 1 }).fetch1('signal')), describe(value))
})

test('S3 store: attachments, raw bytes and folder objects; garbage collection deletes there too', async () => {
  class Cloudy extends dj.Manual {
    static override definition = `
    k : int32
    ---
    doc = null : <attach@cloud>
    raw = null : <hash@cloud>
    tree = null : <object@cloud>
    vol = null : <npy@cloud>
    ref = null : <filepath@cloud>
    `
  }
  await schema.declare(Cloudy)
  // a file already in the bucket, under the store's location, for <filepath@cloud>
  const client = new S3Client({ endpoint: `http://127.0.0.1:${s3port}`, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } })
  await client.send(new PutObjectCommand({ Bucket: 'datajoint', Key: 'lab/raw/shared/atlas.txt', Body: Buffer.from('atlas') }))
  const doc = join(work, 'protocol.md')
  writeFileSync(doc, '# protocol')
  const tree = join(work, 'tree')
  mkdirSync(tree, { recursive: true })
  writeFileSync(join(tree, 'x.bin'), 'xx')
  const vol = new dj.blob.NDArray('int16', [3], new Int16Array([7, 8, 9]))
  await Cloudy.insert1({ k: 1, doc, raw: Buffer.from([1, 2, 3]), tree, vol, ref: 'shared/atlas.txt' })
  const got = await Cloudy.fetch1()
  assert.equal([...((await (got.vol as InstanceType<typeof dj.ObjectRef>).load()).data as Int16Array)], [7, 8, 9])
  assert.is((await (got.ref as InstanceType<typeof dj.ObjectRef>).read()).toString(), 'atlas')
  assert.is(readFileSync(got.doc as string, 'utf8'), '# protocol')
  assert.equal([...(got.raw as Buffer)], [1, 2, 3])
  assert.is((await (got.tree as InstanceType<typeof dj.ObjectRef>).list()).length, 1)
  await Cloudy.deleteQuick()
  const g = await dj.gc(schema, { store: 'cloud', dryRun: false })
  assert.equal([g.referenced, g.deleted], [1, 4]) // Offsite's signal stays; the filepath file is not ours to delete
  assert.is((await dj.gc(schema, { store: 'cloud' })).unreferenced, 0)
})

test('a corrupted object fails its hash check', async () => {
  await Recording.insert1({ rec: 3, signal: 'precious' })
  const meta = json((await dj.conn().fetchAll(`SELECT \`signal\` FROM ${Recording.fullTableName} WHERE rec = 3`))[0].signal)
  writeFileSync(join(files, meta.path), dj.blob.pack('tampered'))
  await rejects(Recording.restrict({ rec: 3 }).fetch1('signal'), /Hash mismatch .* may be corrupted/)
  await Recording.restrict({ rec: 3 }).deleteQuick()
})

test('unreachable stores: a clear error and no row', async () => {
  await rejects(Broken.insert1({ rec: 1, a: 1.5 }), dj.BucketInaccessible, /store "gone" cannot be reached/)
  await rejects(Broken.insert1({ rec: 2, b: 1.5 }), dj.BucketInaccessible, /store "down" .* cannot be used/)
  assert.is(await Broken.count(), 0)
  class Unknown extends dj.Manual {
    static override definition = 'k : int32\n---\nx : <blob@nowhere>\n'
  }
  await schema.declare(Unknown)
  await rejects(Unknown.insert1({ k: 1, x: 2 }), /store "nowhere" is used but not configured/)
})

test('garbage collection: a dry run reports, then unreferenced objects go and referenced stay', async () => {
  const before = await dj.gc(schema, { store: 'files' })
  assert.equal([before.unreferenced, before.deleted], [1, 0]) // the object of row 3, deleted above
  await Recording.restrict({ rec: 2 }).deleteQuick() // row 1 still uses the same signal object
  assert.is((await dj.gc(schema, { store: 'files' })).unreferenced, 1)
  await Recording.deleteQuick()
  const dry = await dj.gc(schema, { store: 'files' })
  assert.is(dry.unreferenced, 4)
  const onDisk = (dir: string): number => readdirSync(dir, { withFileTypes: true }).reduce((s, e) => s + (e.isDirectory() ? onDisk(join(dir, e.name)) : statSync(join(dir, e.name)).size), 0)
  assert.is(dry.bytes, onDisk(join(files, '_hash', schema.database)))
  const done = await dj.gc(schema, { store: 'files', dryRun: false })
  assert.is(done.deleted, 4)
  assert.is((await dj.gc(schema, { store: 'files' })).unreferenced, 0)
  const cloud = await dj.gc(schema, { store: 'cloud' })
  assert.equal([cloud.referenced, cloud.unreferenced], [1, 0])
})

test('<object@>, <npy@> and <filepath@>: schema-addressed paths, lazy references', async () => {
  class Scan extends dj.Manual {
    static override definition = `
    subject : varchar(16)
    scan : int16
    ---
    volume = null : <npy@files>
    folder = null : <object@files>
    movie = null : <object@files>
    ref = null : <filepath@files>
    `
  }
  await schema.declare(Scan)
  const vol = new dj.blob.NDArray('float32', [2, 3], new Float32Array([1, 2, 3, 4, 5, 6]))
  const dir = join(work, 'session-7')
  mkdirSync(join(dir, 'sub'), { recursive: true })
  writeFileSync(join(dir, 'a.txt'), 'A')
  writeFileSync(join(dir, 'sub', 'b.txt'), 'BB')
  writeFileSync(join(work, 'movie.avi'), 'frames')
  mkdirSync(join(files, 'shared'), { recursive: true })
  writeFileSync(join(files, 'shared', 'atlas.nii'), 'atlas')
  await Scan.insert1({ subject: 'M/1', scan: 3, volume: vol, folder: dir, movie: join(work, 'movie.avi'), ref: 'shared/atlas.nii' })
  const row = (await dj.conn().fetchAll(`SELECT * FROM ${Scan.fullTableName}`))[0]
  const npy = json(row.volume)
  assert.match(npy.path, new RegExp(`^_schema/${schema.database}/scan/subject=%4D%2F%31/scan=3/volume_[A-Za-z0-9_-]{8}\\.npy$`))
  assert.equal([npy.dtype, npy.shape, npy.store], ['float32', [2, 3], 'files'])
  const folder = json(row.folder)
  assert.equal([folder.is_dir, folder.item_count, folder.size, folder.ext], [true, 2, 3, null])
  assert.equal([json(row.movie).ext, json(row.movie).size], ['.avi', 6])
  assert.equal([json(row.ref).path, json(row.ref).is_dir, json(row.ref).size], ['shared/atlas.nii', false, 5])
  const got = await Scan.fetch1()
  const loaded = await (got.volume as InstanceType<typeof dj.ObjectRef>).load()
  assert.equal([loaded.dtype, loaded.shape, [...(loaded.data as Float32Array)]], ['float32', [2, 3], [1, 2, 3, 4, 5, 6]])
  const f = got.folder as InstanceType<typeof dj.ObjectRef>
  assert.equal((await f.list()).map((p) => p.split('/').slice(-2).join('/')).sort(), ['sub/b.txt', `${f.path.split('/').pop()}/a.txt`].sort())
  const local = await f.download(join(work, 'dl'))
  assert.is(readFileSync(join(local, 'sub', 'b.txt'), 'utf8'), 'BB')
  assert.is((await (got.movie as InstanceType<typeof dj.ObjectRef>).read()).toString(), 'frames')
  assert.is((await (got.ref as InstanceType<typeof dj.ObjectRef>).read()).toString(), 'atlas')
  await rejects(Scan.insert1({ subject: 'x', scan: 1, ref: 'not/there.txt' }), /The file "not\/there.txt" is not in the store "files"/)
  // deleting the row leaves the objects for garbage collection, which keeps the filepath file
  await Scan.deleteQuick()
  const g = await dj.gc(schema, { store: 'files', dryRun: false })
  assert.is(g.deleted, 4)
  assert.ok(existsSync(join(files, 'shared', 'atlas.nii')))
})

test('0.14 external blobs are read from their 0.14 paths', async () => {
  const db = `${prefix}legacy_ext`
  const c = dj.conn()
  await c.query(`CREATE DATABASE \`${db}\``)
  await c.query(`CREATE TABLE \`${db}\`.\`trace\` (\`trace_id\` int NOT NULL, \`samples\` binary(16) NOT NULL COMMENT ':blob@legacy:the samples', PRIMARY KEY (\`trace_id\`)) ENGINE=InnoDB`)
  const bin = readFileSync(join(fixtures, 'blobs', 'arr2d_f_order.bin'))
  const fx = JSON.parse(readFileSync(join(fixtures, 'blobs', 'arr2d_f_order.json'), 'utf8'))
  const md5 = createHash('md5').update(bin).digest()
  const hex = md5.toString('hex')
  mkdirSync(join(work, 'legacy', db, hex.slice(0, 2), hex.slice(2, 4)), { recursive: true })
  writeFileSync(join(work, 'legacy', db, hex.slice(0, 2), hex.slice(2, 4), hex), bin)
  await c.query(`INSERT INTO \`${db}\`.\`trace\` VALUES (1, ?)`, [md5])
  const old = await dj.openSchema('legacy_ext')
  assert.equal(describe(await old.Trace!.fetch1('samples')), fx.value)
  await rejects(old.Trace!.insert1({ trace_id: 2, samples: 1 }), /0.14 external attribute .* writing those is not supported/)
  // a 0.14 external attachment: the file at <hash>.<name>, the name in ~external_legacy
  await c.query(`CREATE TABLE \`${db}\`.\`~external_legacy\` (\`hash\` binary(16) NOT NULL, \`size\` bigint unsigned NOT NULL, \`attachment_name\` varchar(255) DEFAULT NULL, \`filepath\` varchar(1000) DEFAULT NULL, \`contents_hash\` binary(16) DEFAULT NULL, \`timestamp\` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP, PRIMARY KEY (\`hash\`)) ENGINE=InnoDB`)
  await c.query(`CREATE TABLE \`${db}\`.\`report\` (\`report_id\` int NOT NULL, \`file\` binary(16) NOT NULL COMMENT ':attach@legacy:', PRIMARY KEY (\`report_id\`)) ENGINE=InnoDB`)
  const content = Buffer.from('old report')
  const ah = createHash('md5').update(Buffer.concat([Buffer.from('report.txt\0'), content])).digest()
  const ahex = ah.toString('hex')
  mkdirSync(join(work, 'legacy', db, ahex.slice(0, 2), ahex.slice(2, 4)), { recursive: true })
  writeFileSync(join(work, 'legacy', db, ahex.slice(0, 2), ahex.slice(2, 4), `${ahex}.report.txt`), content)
  await c.query(`INSERT INTO \`${db}\`.\`~external_legacy\` (hash, size, attachment_name) VALUES (?, ?, 'report.txt')`, [ah, content.length])
  await c.query(`INSERT INTO \`${db}\`.\`report\` VALUES (1, ?)`, [ah])
  const again = await dj.openSchema('legacy_ext')
  const path = await again.Report!.fetch1('file')
  assert.is(readFileSync(path, 'utf8'), 'old report')
  assert.ok(path.endsWith('report.txt'))
})

test.run()
