/** Blob and attachment attributes on the server: packed on insert, unpacked on fetch, readable both ways. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { rejects } from '../helpers/assert.js'
import { backend, cleanup, prefix, setupDatabase } from '../helpers/db.js'
import { describe } from '../helpers/describe.js'
import { fixtures } from '../helpers/fixtures.js'

const dj = setupDatabase()
test.after(cleanup)
const schema = dj.schema('blobs')
const work = mkdtempSync(join(tmpdir(), 'dj-blob-'))

class Scan extends dj.Manual {
  static override definition = `
  scan_id : int32
  ---
  trace = null : <blob>
  raw = null : bytes
  report = null : <attach>
  `
}

test.before(async () => {
  await schema.declare(Scan)
})

test('<blob> values pack on insert and unpack on fetch; bytes stay raw', async () => {
  const trace = new dj.blob.NDArray('float64', [2, 3], new Float64Array([1, 2, 3, 4, 5, 6]))
  const meta = new Map<unknown, unknown>([['rate', 30000n], ['channels', dj.blob.tuple(1n, 2n)]])
  await Scan.insert([
    { scan_id: 1, trace, raw: Buffer.from([0, 1, 2, 255]) },
    { scan_id: 2, trace: meta },
    { scan_id: 3, trace: new Float32Array(100_000).fill(0.5) },
  ])
  const [a, b, c] = await Scan.fetch({ orderBy: 'scan_id' })
  assert.equal(describe(a!.trace), describe(trace))
  assert.equal([...(a!.raw as Buffer)], [0, 1, 2, 255])
  assert.equal(describe(b!.trace), describe(meta))
  const big = c!.trace as InstanceType<typeof dj.blob.NDArray>
  assert.equal([big.dtype, big.shape, big.size, (big.data as Float32Array)[99_999]], ['float32', [100000], 100000, 0.5])
  // stored exactly as dj.blob.pack writes it (compressed here: 400 kB of one value)
  const stored = await dj.conn().fetchAll(`SELECT trace FROM ${Scan.fullTableName} WHERE scan_id = 3`)
  assert.is(stored[0].trace.subarray(0, 6).toString('latin1'), 'ZL123\0')
  assert.ok(stored[0].trace.length < 2000)
  assert.equal(await Scan.restrict({ scan_id: 1 }).fetch1('trace').then(describe), describe(trace))
})

// 0.14 schemas exist on MySQL only (datajoint-python 0.14 had no PostgreSQL backend)
if (backend === 'mysql') test('a blob written by datajoint-python in a 0.14 longblob column decodes; ours is the same bytes', async () => {
  const db = `${prefix}legacy`
  const c = dj.conn()
  await c.query(`CREATE DATABASE \`${db}\``)
  await c.query(`CREATE TABLE \`${db}\`.\`signal\` (\`signal_id\` int NOT NULL, \`samples\` longblob NOT NULL, PRIMARY KEY (\`signal_id\`)) ENGINE=InnoDB`)
  const bin = readFileSync(join(fixtures, 'blobs', 'matstruct_nested.bin'))
  const fx = JSON.parse(readFileSync(join(fixtures, 'blobs', 'matstruct_nested.json'), 'utf8'))
  await c.query(`INSERT INTO \`${db}\`.\`signal\` VALUES (1, ?)`, [bin])
  const legacy = await dj.openSchema('legacy')
  const value = await legacy.Signal!.fetch1('samples')
  assert.equal(describe(value), fx.value)
  await legacy.Signal!.insert1({ signal_id: 2, samples: value })
  const rows = await c.fetchAll(`SELECT samples FROM \`${db}\`.\`signal\` ORDER BY signal_id`)
  assert.is(rows[1].samples.toString('hex'), rows[0].samples.toString('hex'))
})

test('<attach> stores the file name and content; fetch writes it to the download path', async () => {
  const file = join(work, 'notes.txt')
  writeFileSync(file, 'electrode 3 was noisy\n')
  await Scan.insert1({ scan_id: 10, report: file })
  const stored = await dj.conn().fetchAll(`SELECT report FROM ${Scan.fullTableName} WHERE scan_id = 10`)
  assert.is(stored[0].report.toString('utf8'), 'notes.txt\0electrode 3 was noisy\n')
  const downloads = join(work, 'downloads')
  dj.config.set('download_path', downloads)
  const path = await Scan.restrict({ scan_id: 10 }).fetch1('report')
  assert.is(path, join(downloads, 'notes.txt'))
  assert.is(readFileSync(path, 'utf8'), 'electrode 3 was noisy\n')
  assert.is(await Scan.restrict({ scan_id: 10 }).fetch1('report'), path) // same bytes: reused
  writeFileSync(path, 'something else')
  assert.is(await Scan.restrict({ scan_id: 10 }).fetch1('report'), join(downloads, 'notes_1.txt'))
  await rejects(Scan.insert1({ scan_id: 11, report: join(work, 'missing.txt') }), /Cannot attach ".*missing.txt" to attribute "report"/)
  assert.is(await Scan.restrict({ scan_id: 11 }).count(), 0)
})

test('blobs show as placeholders in previews and cannot restrict', async () => {
  const text = await Scan.restrict({ scan_id: 1 }).preview()
  assert.ok(text.includes('<blob>'), text)
  assert.throws(() => Scan.restrict({ trace: 1 }), /Cannot restrict .* by the blob attribute "trace"/)
})

test.run()
