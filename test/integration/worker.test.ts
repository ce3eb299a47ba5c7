/**
 * Distributed populate with real worker processes (`dj worker`): 4 workers share 1,000 keys and
 * each key is made exactly once; a worker killed with SIGKILL in the middle of make leaves no
 * partial rows, and its key is made by the next worker once the dead reservation is released.
 */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { cleanup, prefix, setupDatabase } from '../helpers/db.js'

setupDatabase()
test.after(cleanup)

const root = fileURLToPath(new URL('../..', import.meta.url))
const pipeline = 'test/fixtures/pipeline.ts'
type Pipeline = typeof import('../fixtures/pipeline.js')
let p: Pipeline

function worker(env: Record<string, string> = {}, args: string[] = []): Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'kernel/cli.ts', 'worker', pipeline, ...args], {
      cwd: root,
      env: { ...process.env, DJ_HOST: process.env.DJ_HOST ?? '127.0.0.1', DJ_USER: process.env.DJ_USER ?? 'root', DJ_DATABASE_PREFIX: prefix, DJ_LOG_LEVEL: 'WARNING', ...env },
    })
    let output = ''
    child.stdout.on('data', (d) => (output += d))
    child.stderr.on('data', (d) => (output += d))
    child.on('exit', (code, signal) => resolve({ code, signal, output }))
  })
}

test.before(async () => {
  p = await import('../fixtures/pipeline.js')
  await p.Source.insert(Array.from({ length: 1000 }, (_, i) => ({ source_id: i, value: i / 2 })))
})

test('4 workers populate 1,000 keys: each made exactly once, no job left reserved', async () => {
  const runs = await Promise.all([worker(), worker(), worker(), worker()])
  for (const r of runs) assert.is(r.code, 0, r.output)
  assert.is(await p.Square.count(), 1000)
  const calls = await p.CallLog.fetch()
  assert.is(calls.length, 1000)
  assert.is(new Set(calls.map((c) => c.source_id)).size, 1000)
  // the work was shared
  assert.ok(new Set(calls.map((c) => c.pid)).size > 1, 'more than one worker made keys')
  assert.equal(await p.Square.restrict({ source_id: 999 }).fetch1('square'), 999 * 999 / 4)
  const jobs = await p.Square.jobs.progress()
  assert.is(jobs.reserved, 0)
  assert.is(jobs.pending, 0)
  assert.equal(await p.Square.progress(), { total: 1000, remaining: 0, done: 1000 })
})

test('a worker killed in the middle of make leaves nothing; the next worker makes its key', async () => {
  await p.Source.insert1({ source_id: 5000, value: 3 })
  const killed = await worker({ DJ_FAULT_KEY: '5000' })
  assert.is(killed.signal, 'SIGKILL', killed.output)
  assert.is(await p.Square.restrict({ source_id: 5000 }).count(), 0)
  assert.is(await p.CallLog.restrict({ source_id: 5000 }).count(), 0)
  assert.equal((await p.Square.jobs.list('reserved')).map((j) => j.source_id), [5000])
  const next = await worker()
  assert.is(next.code, 0, next.output)
  assert.is(await p.Square.restrict({ source_id: 5000 }).fetch1('square'), 9)
  assert.is((await p.Square.jobs.progress()).reserved, 0)
})

test('SIGTERM lets the current key finish, then the worker exits cleanly', async () => {
  await p.Source.insert(Array.from({ length: 300 }, (_, i) => ({ source_id: 10_000 + i, value: 1 })))
  const run = worker()
  await new Promise((r) => setTimeout(r, 1500))
  const child = await new Promise<number[]>((resolve) => {
    // find the worker's pid through its reservations or calls
    void p.CallLog.restrict('source_id >= 10000').fetch('pid').then((pids) => resolve(pids as number[]))
  })
  for (const pid of new Set(child)) {
    try {
      process.kill(pid, 'SIGTERM')
    } catch {
      /* already done */
    }
  }
  const r = await run
  assert.is(r.code, 0, r.output)
  const made = await p.Square.restrict('source_id >= 10000').count()
  // every key it started was finished: calls and rows agree, nothing reserved
  assert.is(await p.CallLog.restrict('source_id >= 10000').count(), made)
  assert.is((await p.Square.jobs.progress()).reserved, 0)
})

test('dj worker on the embedded database says that workers need a server', async () => {
  const r = await worker({ DJ_BACKEND: 'pglite', DJ_DATABASE_PATH: 'memory://' })
  assert.is(r.code, 1)
  assert.match(r.output, 'dj worker needs a database server: the embedded database (pglite) is held by one process, so workers cannot share it.')
})

test.run()
