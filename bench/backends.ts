/**
 * The PostgreSQL backends next to their raw drivers in the same run: a PostgreSQL server started
 * here in a temporary folder (pg as the baseline) and PGlite in memory (its own query as the
 * baseline). Insert and fetch of the same rows, and a populate of 500 trivial keys next to one
 * transaction per key on the raw driver.
 */
import * as dj from '../runtime/index.js'
import { startPostgres } from '../test/helpers/postgres.js'
import { bestOf } from './timing.js'

const COLS = ['sample_id', 'value', 'label', 'count', 'day'] as const
const DDL = (t: string) => `CREATE TABLE ${t} (sample_id integer PRIMARY KEY, value double precision NOT NULL, label varchar(32) NOT NULL, count integer NOT NULL, day date NOT NULL)`

type Raw = { query(sql: string, params?: unknown[]): Promise<unknown>; close(): Promise<void> }

async function rawInsert(raw: Raw, table: string, tuples: unknown[][]): Promise<void> {
  // as many rows as PostgreSQL's 65,535 parameters allow per statement
  const per = Math.floor(65535 / COLS.length)
  for (let i = 0; i < tuples.length; i += per) {
    const chunk = tuples.slice(i, i + per)
    const values = chunk.map((_, r) => `(${COLS.map((_, c) => `$${r * COLS.length + c + 1}`).join(',')})`).join(',')
    await raw.query(`INSERT INTO ${table} (${COLS.join(',')}) VALUES ${values}`, chunk.flat())
  }
}

async function one(name: string, raw: Raw, rows: Array<Record<string, unknown>>, repeat: number): Promise<void> {
  const schema = dj.schema('bench')
  class Sample extends dj.Manual {
    static override definition = 'sample_id : int32\n---\nvalue : float64\nlabel : varchar(32)\ncount : int32\nday : date'
  }
  class Job extends dj.Manual {
    static override definition = 'job_id : int32'
  }
  class Done extends dj.Computed {
    static override definition = '-> Job\n---\nresult : int32'
    async make(this: InstanceType<typeof Done>, key: { job_id: number }) {
      await this.insert1({ ...key, result: key.job_id * 2 })
    }
  }
  await schema.declare(Sample, Job, Done)
  const tuples = rows.map((r) => COLS.map((c) => r[c]))
  await raw.query('DROP TABLE IF EXISTS raw_sample')
  await raw.query(DDL('raw_sample'))
  const tRawInsert = await bestOf(repeat, () => rawInsert(raw, 'raw_sample', tuples), () => raw.query('DELETE FROM raw_sample'))
  const tDjInsert = await bestOf(repeat, () => Sample.insert(rows), () => Sample.deleteQuick())
  const tRawFetch = await bestOf(repeat, () => raw.query('SELECT * FROM raw_sample'))
  const tDjFetch = await bestOf(repeat, () => Sample.fetch())

  const n = 500
  await Job.insert(Array.from({ length: n }, (_, i) => [i]))
  await raw.query('DROP TABLE IF EXISTS raw_done')
  await raw.query('CREATE TABLE raw_done (job_id integer PRIMARY KEY, result integer NOT NULL)')
  const tRawPop = await bestOf(2, async () => {
    for (let i = 0; i < n; i++) {
      await raw.query('BEGIN')
      await raw.query('INSERT INTO raw_done (job_id, result) VALUES ($1, $2)', [i, i * 2])
      await raw.query('COMMIT')
    }
  }, () => raw.query('DELETE FROM raw_done'))
  const tDjPop = await bestOf(2, () => Done.populate(), () => Done.deleteQuick())

  const N = rows.length
  const fmt = (x: number) => Math.round(x).toLocaleString('en-US').padStart(10)
  const line = (what: string, t: number, base: number, unit: string, count: number) => `${what.padEnd(40)} ${fmt(count / t)} ${unit}  ${((base / t) * 100).toFixed(0).padStart(4)} % of raw`
  console.log(`\n${name}: ${N.toLocaleString('en-US')} rows × 5 attributes (best of ${repeat}), populate of ${n} trivial keys`)
  console.log(line(`raw insert (${name === 'PGlite' ? 'PGlite query' : 'pg'})`, tRawInsert, tRawInsert, 'rows/s', N))
  console.log(line('dj insert (objects)', tDjInsert, tRawInsert, 'rows/s', N))
  console.log(line(`raw fetch (SELECT *)`, tRawFetch, tRawFetch, 'rows/s', N))
  console.log(line('dj fetch (objects)', tDjFetch, tRawFetch, 'rows/s', N))
  console.log(line('raw: one transaction per key', tRawPop, tRawPop, 'jobs/s', n))
  console.log(line('dj populate', tDjPop, tRawPop, 'jobs/s', n))
  await raw.query('DROP TABLE IF EXISTS raw_sample')
  await raw.query('DROP TABLE IF EXISTS raw_done')
  await schema.drop({ prompt: false })
}

export async function backendsBench(rows: Array<Record<string, unknown>>, repeat: number): Promise<void> {
  let server: Awaited<ReturnType<typeof startPostgres>> | null = null
  try {
    server = await startPostgres()
  } catch (e) {
    console.log(`\nPostgreSQL: skipped (the server could not start: ${(e as Error).message.split('\n')[0]})`)
  }
  if (server) {
    try {
      dj.config.update({ 'database.backend': 'postgresql', 'database.host': server.host, 'database.port': server.port, 'database.user': server.user, 'database.password': '' })
      const pg = (await import('pg')).default
      const client = new pg.Client({ host: server.host, port: server.port, user: server.user, database: 'postgres' })
      await client.connect()
      await one('PostgreSQL 15', { query: (s, p) => client.query(s, p), close: () => client.end() }, rows, repeat)
      await client.end()
      await dj.disconnect()
    } finally {
      server.stop()
    }
  }
  dj.config.update({ 'database.backend': 'pglite', 'database.path': 'memory://' })
  const { PGlite } = await import('@electric-sql/pglite')
  const db = await PGlite.create()
  await one('PGlite', { query: (s, p) => db.query(s, p), close: () => db.close() }, rows, repeat)
  await db.close()
  await dj.disconnect()
}
