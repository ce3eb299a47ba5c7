/**
 * Insert and fetch throughput of datajoint-ts next to the raw mysql2 driver, measured in the same
 * run on the same server and the same rows. Prints rows/s and the ratio to raw; asserts nothing.
 *   npm run bench               (100,000 rows × 5 attributes, best of 3)
 *   BENCH_ROWS=20000 npm run bench
 */
import { randomBytes } from 'node:crypto'
import mysql from 'mysql2/promise'
import * as dj from '../runtime/index.js'
import { blobBench } from './blob.js'
import { diagramBench } from './diagram.js'
import { backendsBench } from './backends.js'
import { bestOf } from './timing.js'
import { kernelBench } from './kernel.js'

const N = Number(process.env.BENCH_ROWS ?? 100_000)
const REPEAT = Number(process.env.BENCH_REPEAT ?? 3)
const host = process.env.DJ_HOST ?? '127.0.0.1'
const user = process.env.DJ_USER ?? 'root'
const password = process.env.DJ_PASS ?? ''
dj.config.update({ 'database.host': host, 'database.user': user, 'database.password': password, safemode: false, loglevel: 'ERROR' })
const prefix = `djbench_${randomBytes(3).toString('hex')}_`
dj.config.set('database.prefix', prefix)

class Sample extends dj.Manual {
  static override definition = `
  sample_id : int32
  ---
  value     : float64
  label     : varchar(32)
  count     : int32
  day       : date
  `
}

class Job extends dj.Manual {
  static override definition = `
  job_id : int32
  `
}
class Done extends dj.Computed {
  static override definition = `
  -> Job
  ---
  result : int32
  `
  async make(this: InstanceType<typeof Done>, key: { job_id: number }) {
    await this.insert1({ ...key, result: key.job_id * 2 })
  }
}

async function populateBench(): Promise<void> {
  const n = 500
  await Job.insert(Array.from({ length: n }, (_, i) => [i]))
  const run = async (reserveJobs: boolean, concurrency = 1) => {
    await Done.deleteQuick()
    const t0 = process.hrtime.bigint()
    const r = await Done.populate({ reserveJobs, concurrency })
    const t = Number(process.hrtime.bigint() - t0) / 1e9
    if (r.successCount !== n) throw new Error(`populate made ${r.successCount} of ${n}`)
    return t
  }
  // the floor of one key: the raw driver running START, one INSERT, COMMIT
  const raw = await mysql.createConnection({ host, user, password })
  await raw.query(`DELETE FROM ${Done.fullTableName}`)
  const r0 = process.hrtime.bigint()
  for (let i = 0; i < n; i++) {
    await raw.query('START TRANSACTION')
    await raw.query(`INSERT INTO ${Done.fullTableName} (job_id, result) VALUES (?, ?)`, [i, i * 2])
    await raw.query('COMMIT')
  }
  const rawT = Number(process.hrtime.bigint() - r0) / 1e9
  await raw.end()
  const plain = Math.min(await run(false), await run(false))
  const reserved = Math.min(await run(true), await run(true))
  const plain4 = Math.min(await run(false, 4), await run(false, 4))
  const reserved4 = Math.min(await run(true, 4), await run(true, 4))
  console.log(`\npopulate of ${n} trivial jobs (one insert each), best of 2`)
  console.log(`${'raw mysql2: one transaction per key'.padEnd(36)} ${fmt(Math.round(n / rawT))} jobs/s`)
  console.log(`${'without reservation'.padEnd(36)} ${fmt(Math.round(n / plain))} jobs/s`)
  console.log(`${'with reservation (job queue)'.padEnd(36)} ${fmt(Math.round(n / reserved))} jobs/s`)
  console.log(`${'concurrency 4, without reservation'.padEnd(36)} ${fmt(Math.round(n / plain4))} jobs/s`)
  console.log(`${'concurrency 4, with reservation'.padEnd(36)} ${fmt(Math.round(n / reserved4))} jobs/s`)
  console.log('reference on this machine class: datajoint-python 2,100 jobs/s without and 1,000 jobs/s with reservation')
}

const rows = Array.from({ length: N }, (_, i) => ({
  sample_id: i,
  value: i * 0.001 + 0.5,
  label: `label-${i % 997}`,
  count: i % 1000,
  day: `2024-${String((i % 12) + 1).padStart(2, '0')}-${String((i % 28) + 1).padStart(2, '0')}`,
}))
const columns = ['sample_id', 'value', 'label', 'count', 'day'] as const

const time = (fn: () => Promise<unknown>, reset: () => Promise<unknown>) => bestOf(REPEAT, fn, reset)

const rate = (s: number) => Math.round(N / s)
const fmt = (n: number) => n.toLocaleString('en-US').padStart(10)

async function main() {
  const schema = dj.schema('bench')
  await schema.declare(Sample, Job, Done)
  const full = Sample.fullTableName
  const raw = await mysql.createConnection({ host, user, password, dateStrings: true })
  const packet = Number(((await raw.query('SELECT @@max_allowed_packet AS n')) as any)[0][0].n)
  const tuples = rows.map((r) => columns.map((c) => r[c]))
  // the raw baseline: mysql2's own multi-row VALUES ?, in chunks that fit the packet
  const chunk = Math.max(1, Math.floor(packet / 2 / 80))
  const rawInsert = async () => {
    for (let i = 0; i < tuples.length; i += chunk) {
      await raw.query(`INSERT INTO ${full} (${columns.map((c) => '`' + c + '`').join(',')}) VALUES ?`, [tuples.slice(i, i + chunk)])
    }
  }
  const reset = () => raw.query(`DELETE FROM ${full}`)

  const tRawInsert = await time(rawInsert, reset)
  const tDjInsert = await time(() => Sample.insert(rows), reset)
  const tDjArrays = await time(() => Sample.insert(tuples), reset)
  const tRawFetch = await time(() => raw.query(`SELECT * FROM ${full}`), async () => {})
  const tDjFetch = await time(() => Sample.fetch(), async () => {})
  const tDjColumns = await time(() => Sample.fetch({ format: 'columns' }), async () => {})
  const tDjStream = await time(async () => {
    let n = 0
    for await (const _ of Sample) n++
    return n
  }, async () => {})
  const check = await Sample.count()

  const line = (name: string, t: number, base: number) => `${name.padEnd(36)} ${fmt(rate(t))} rows/s  ${(t * 1000).toFixed(0).padStart(6)} ms  ${((base / t) * 100).toFixed(0).padStart(4)} % of raw`
  console.log(`datajoint-ts ${dj.version} bench: ${N.toLocaleString('en-US')} rows × 5 attributes, best of ${REPEAT}, MariaDB ${((await raw.query('SELECT VERSION() AS v')) as any)[0][0].v}`)
  console.log(line('raw mysql2 insert (VALUES ?)', tRawInsert, tRawInsert))
  console.log(line('dj insert (objects)', tDjInsert, tRawInsert))
  console.log(line('dj insert (arrays)', tDjArrays, tRawInsert))
  console.log(line('raw mysql2 fetch (SELECT *)', tRawFetch, tRawFetch))
  console.log(line('dj fetch (objects)', tDjFetch, tRawFetch))
  console.log(line('dj fetch (columns, typed arrays)', tDjColumns, tRawFetch))
  console.log(line('dj for await (streamed rows)', tDjStream, tRawFetch))
  console.log(`reference on this machine class: datajoint-python inserts about 58,000 rows/s and fetches about 124,000 rows/s as dicts; rows in table: ${check}`)
  await raw.end()
  await populateBench()
  await schema.drop({ prompt: false })
  await diagramBench()
  await dj.disconnect()
  await backendsBench(rows, REPEAT)
}

await main()
blobBench()
kernelBench()
