/**
 * Background populate in the dj kernel, driven by the real jupyter_client: a populate that waits
 * on a gate runs while other cells execute and return; its progress display is updated in place
 * until its final state; %jobs lists tasks, job tables and errors; cancel and retry; an
 * interrupted foreground populate keeps the session and leaves none of its key under way.
 */
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { cleanup, prefix, setupDatabase } from '../helpers/db.js'
import { type CellReport, root, runCells } from '../helpers/kernel.js'

setupDatabase()
test.after(cleanup)
const db = `${prefix}kpop`

type Cell = { code: string; interrupt_on?: string }

const text = (c: CellReport) => (c.outputs.find((o) => o[0] === 'execute_result')?.[1] as Record<string, string> | undefined)?.['text/plain']
const error = (c: CellReport) => {
  const e = c.outputs.find((o) => o[0] === 'error')
  return e ? { ename: e[1] as string, evalue: e[2] as string } : null
}
/** display_data and update_display_data of a cell: [type, html, display_id] */
const displays = (c: CellReport) =>
  c.outputs.filter((o) => o[0] === 'display_data' || o[0] === 'update_display_data').map((o) => [o[0], (o[1] as Record<string, string>)['text/html'], (o[2] as { display_id?: string }).display_id] as const)

const cells: Record<string, Cell> = {
  schema: { code: '%schema kpop' },
  item: { code: '%%table Item\nitem : int32' },
  slow: { code: '%%table Slow computed\n-> Item\n---\nsq : int32' },
  setup: {
    code: [
      'await Item.insert([[1], [2], [3], [4], [5], [6]])',
      // keys after the second wait until a later cell opens the gate
      'let open; const gate = new Promise((r) => (open = r))',
      'Slow.make = async function (key) { if (key.item > 2) await gate; await this.insert1({ ...key, sq: key.item * key.item }) }',
    ].join('\n'),
  },
  background: { code: '%populate Slow --background' },
  meanwhile: {
    code: [
      'const task = dj.populateTasks().find((t) => t.table === "Slow")!',
      'while (task.progress.done < 2) await new Promise((r) => setTimeout(r, 10))',
      // this cell runs and returns while the populate waits at the gate
      'JSON.stringify([await Item.count(), task.status, task.progress.done, task.progress.total])',
    ].join('\n'),
  },
  jobsRunning: { code: '%jobs' },
  finish: { code: 'open(); const r = await task.result; JSON.stringify([r.successCount, task.status, await Slow.count()])' },

  cancelSetup: {
    code: [
      '%%table Slower computed\n-> Item\n---\nsq : int32',
    ].join('\n'),
  },
  cancelMake: {
    code: [
      'let open2; const gate2 = new Promise((r) => (open2 = r))',
      'Slower.make = async function (key) { if (key.item > 1) await gate2; await this.insert1({ ...key, sq: 0 }) }',
    ].join('\n'),
  },
  cancelStart: { code: '%populate Slower --background' },
  cancel: {
    code: [
      'const t2 = dj.populateTasks().find((t) => t.table === "Slower")!',
      'while (t2.progress.done < 1) await new Promise((r) => setTimeout(r, 10))',
      'JSON.stringify([t2.id, t2.progress.done])',
    ].join('\n'),
  },
  cancelIt: { code: '%jobs cancel 2' },
  cancelEnd: { code: 'open2(); await t2.result; JSON.stringify([t2.status, await Slower.count()])' },

  flaky: { code: '%%table Flaky computed\n-> Item\n---\nok : int32' },
  flakyMake: { code: 'Flaky.make = async function (key) { if (key.item === 3) throw new Error("item 3 is bad"); await this.insert1({ ...key, ok: 1 }) }' },
  flakyRun: { code: '%populate Flaky --reserve-jobs --suppress-errors --background' },
  flakyWait: { code: 'const t3 = dj.populateTasks().find((t) => t.table === "Flaky")!; await t3.result; JSON.stringify([t3.status, t3.errors.length, await Flaky.count()])' },
  jobsErrors: { code: '%jobs' },
  retry: { code: '%jobs retry Flaky' },
  failing: { code: '%%table Failing computed\n-> Item\n---\nok : int32' },
  failingRun: { code: 'Failing.make = async function (key) { throw new Error("no data for item " + key.item) }\n%populate Failing --background' },
  failingWait: { code: 'const t4 = dj.populateTasks().find((t) => t.table === "Failing")!; await t4.result.catch(() => {}); t4.summary()' },

  stuck: { code: '%%table Stuck computed\n-> Item\n---\nsq : int32' },
  stuckMake: { code: 'Stuck.make = async function (key) { await this.insert1({ ...key, sq: 1 }); if (key.item === 2) { console.log("waiting forever"); await new Promise(() => {}) } }' },
  interrupted: { code: '%populate Stuck', interrupt_on: 'waiting forever' },
  after: { code: 'JSON.stringify([await Stuck.fetch({ orderBy: "KEY" }), dj.populateTasks().filter((t) => t.status === "running").length, 1 + 1])' },
  // worker processes for a table of a module file, followed through the job table
  pipeline: { code: `const p = await import(${JSON.stringify(join(root, 'test/fixtures/pipeline.ts'))}); const { Square } = p; await p.Source.insert(Array.from({ length: 30 }, (_, i) => [i, i / 2])); await p.Square.count()` },
  workers: { code: '%populate Square --workers 3' },
  workersDone: { code: 'JSON.stringify([await p.Square.count(), await p.CallLog.count(), (await p.CallLog.fetch()).every((r) => r.pid !== process.pid)])' },
  workersInCell: { code: '%populate Slow --workers 2' },
  noTable: { code: '%populate Item' },
  noFlag: { code: '%populate Slow --limit 0' },
}
const names = Object.keys(cells)

test('background populate, %jobs, cancel, retry and interrupt in the kernel', () => {
  const r = runCells(Object.values(cells)).cells
  const c = Object.fromEntries(names.map((n, i) => [n, r[i]!])) as Record<string, CellReport>
  for (const n of names) if (!['interrupted', 'noTable', 'noFlag', 'workersInCell'].includes(n)) assert.is(c[n]!.status, 'ok', `${n}: ${JSON.stringify(c[n]!.outputs)}`)

  // the background cell shows the display at once and returns
  const shown = displays(c.background!)
  assert.is(shown[0]![0], 'display_data')
  const id = shown[0]![2]!
  assert.match(id, /^dj-populate-\d+$/)
  assert.match(shown[0]![1]!, 'data-status="running"')
  assert.match(shown[0]![1]!, /populate \d+ of Slow: listing the keys/)
  // a cell ran and returned while the populate waited at the gate
  assert.is(text(c.meanwhile!), `'[6,"running",2,6]'`)
  assert.match(text(c.jobsRunning!)!, /^Populate tasks:\n {2}populate \d+ of Slow: running, 2\/6/)
  // the cell that waits for the task gets the final state of the display, under its own parent
  assert.is(text(c.finish!), `'[6,"done",6]'`)
  const final = displays(c.finish!).filter((d) => d[2] === id).at(-1)!
  assert.is(final[0], 'update_display_data')
  assert.match(final[1]!, 'data-status="done"')
  assert.match(final[1]!, '<progress value="6" max="6"')
  assert.match(final[1]!, /populate \d+ of Slow: done, 6\/6 in [\d.]+ s/)

  // cancel: the key under way is finished, none after it is started
  assert.is(text(c.cancel!), `'[2,1]'`)
  assert.match(text(c.cancelIt!)!, /^populate 2 of Slower: running, 1\/6.*; it stops after the key under way\.$/)
  assert.is(text(c.cancelEnd!), `'["cancelled",2]'`)
  const cancelled = displays(c.cancelEnd!).at(-1)!
  assert.match(cancelled[1]!, 'data-status="cancelled"')

  // a make's error: kept on the task, in the job table, and shown by %jobs
  assert.is(text(c.flakyWait!), `'["done",1,5]'`)
  const jobs = text(c.jobsErrors!)!
  assert.match(jobs, /populate \d+ of Flaky: done, 6\/6, 1 failed in [\d.]+ s\n {4}Flaky \{"item":3\}: Error: item 3 is bad/)
  assert.match(jobs, `Job tables of ${db}:\ntable    pending    reserved    error    ignore    success\n`)
  assert.match(jobs, /\nFlaky {4}0 {10}0 {11}1 {8}0 {9}0\nErrors:/)
  assert.match(jobs, 'Errors:\n  Flaky {"item":3}: Error: item 3 is bad')
  assert.is(text(c.retry!), '1 failed job of Flaky back to pending; %populate Flaky --reserve-jobs computes them.')
  // a task that stops at an error says so in its display
  assert.match(text(c.failingWait!)!, /^'populate \d+ of Failing: failed, 1\/6, 1 failed in [\d.]+ s: no data for item 1'$/)
  // (the task may end while the cell that started it is still open)
  const failedDisplay = [...displays(c.failingRun!), ...displays(c.failingWait!)].at(-1)!
  assert.match(failedDisplay[1]!, 'data-status="failed"')
  assert.match(failedDisplay[1]!, '{"item":1}: Error: no data for item 1')

  // interrupted: the cell fails as interrupted, the key under way is rolled back, the session goes on
  assert.is(c.interrupted!.status, 'error')
  const stopped = displays(c.interrupted!).at(-1)!
  assert.match(stopped[1]!, 'data-status="cancelled"')
  assert.match(stopped[1]!, /populate \d+ of Stuck: cancelled, 1\/6/)
  assert.is(error(c.interrupted!)!.ename, 'KeyboardInterrupt')
  assert.is(text(c.after!), `'[[{"item":1,"sq":1}],0,2]'`)
  assert.is(text(c.pipeline!), '0')
  assert.match(text(c.workers!)!, /^3 workers made 30 keys of Square in [\d.]+ s\.$/)
  const followed = displays(c.workers!)
  assert.is(followed[0]![0], 'display_data')
  assert.match(followed.at(-1)![1]!, 'data-status="done"')
  assert.match(followed.at(-1)![1]!, '<progress value="30" max="30"')
  // each key computed once, by the workers, none by the kernel
  assert.is(text(c.workersDone!), `'[30,30,true]'`)
  assert.match(error(c.workersInCell!)!.evalue, '%populate: Slow was declared in the session, not in a module file, so worker processes cannot load it.')
  assert.match(error(c.noTable!)!.evalue, '%populate: Item is not an Imported or Computed table; only those are populated.')
  assert.match(error(c.noFlag!)!.evalue, '%populate: --limit needs a whole number of at least 1, not "0".')
})

test.run()
