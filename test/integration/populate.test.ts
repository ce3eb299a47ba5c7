/** populate, make, key sources, three-part make, master–part atomicity and the job queue, on the server. */
import { createHash } from 'node:crypto'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { PopulateEvent } from '../../runtime/index.js'
import { rejects } from '../helpers/assert.js'
import { backend, cleanup, setupDatabase, showCreate } from '../helpers/db.js'

const dj = setupDatabase()
test.after(cleanup)
const schema = dj.schema('populate')

class Subject extends dj.Manual {
  static override definition = `
  subject : int32
  ---
  weight : float64
  `
}
class Stim extends dj.Lookup {
  static override definition = `
  stim : varchar(8)
  `
  static override contents = [['flash'], ['tone']]
}
let makeCalls: string[] = []
/** fails for subject 3, to test errors */
class Response extends dj.Computed {
  static override definition = `
  -> Subject
  -> Stim
  ---
  score : float64
  `
  async make(this: InstanceType<typeof Response>, key: Record<string, unknown>) {
    makeCalls.push(`${key.subject}/${key.stim}`)
    if (key.subject === 3) throw new Error(`subject 3 is broken`)
    const { weight } = await Subject.restrict({ subject: key.subject }).fetch1()
    await this.insert1({ ...key, score: (weight as number) * (key.stim === 'flash' ? 1 : 2) })
  }
}
/** a master whose make fails after inserting parts, for some keys */
class Summary extends dj.Computed {
  static override definition = `
  -> Subject
  ---
  n : int32
  `
  static Item = class extends dj.Part {
    static override definition = `
    -> master
    item : int8
    `
  }
  async make(this: InstanceType<typeof Summary>, key: Record<string, unknown>) {
    await this.insert1({ ...key, n: 2 })
    await Summary.Item.insert([{ ...key, item: 1 }, { ...key, item: 2 }])
    if (key.subject === 2) throw new Error('fails after inserting the parts')
  }
}
/** a custom key source: only heavy subjects */
class Heavy extends dj.Computed {
  static override definition = `
  -> Subject
  `
  static override keySource = () => Subject.restrict('weight > 20')
  async make(this: InstanceType<typeof Heavy>, key: Record<string, unknown>) {
    await this.insert1(key)
  }
}
let changeInputs = false
class Tripartite extends dj.Computed {
  static override definition = `
  -> Subject
  ---
  double : float64
  `
  async makeFetch(key: Record<string, unknown>) {
    return Subject.restrict(key).fetch1('weight')
  }
  async makeCompute(key: Record<string, unknown>, weight: number) {
    if (changeInputs) await Subject.update1({ ...key, weight: weight + 100 })
    return weight * 2
  }
  async makeInsert(this: InstanceType<typeof Tripartite>, key: Record<string, unknown>, double: number) {
    await this.insert1({ ...key, double })
  }
}

class Many extends dj.Manual {
  static override definition = `
  many : int32
  `
}
/** records the session each key was made on; `gate` holds keys > `open` until it is opened */
let gateOpen: () => void = () => {}
let gate: Promise<void> = Promise.resolve()
let held = Infinity
let failOn = -1
const sessions: Array<[number, number]> = []
class Made extends dj.Computed {
  static override definition = `
  -> Many
  ---
  session_id : int64
  `
  async make(this: InstanceType<typeof Made>, key: { many: number }) {
    const id = await dj.conn().connectionId()
    sessions.push([key.many, id])
    await this.insert1({ ...key, session_id: id })
    if (key.many > held) await gate
    if (key.many === failOn) throw new Error(`key ${failOn} fails after its insert`)
  }
}

test.before(async () => {
  await schema.declare(Subject, Stim, Response, Summary, Heavy, Tripartite, Many, Made)
  await Subject.insert([[1, 10], [2, 25], [3, 30]])
  await Many.insert(Array.from({ length: 40 }, (_, i) => [i]))
})

test('populate makes every missing key of the default key source, restrictions apply', async () => {
  makeCalls = []
  const r = await Response.populate({ subject: 1 })
  assert.equal(r, { successCount: 2, errors: [], skipped: 0 })
  assert.equal(makeCalls.sort(), ['1/flash', '1/tone'])
  assert.equal(await Response.fetch({ orderBy: ['subject', 'stim'] }), [
    { subject: 1, stim: 'flash', score: 10 },
    { subject: 1, stim: 'tone', score: 20 },
  ])
  assert.equal(await Response.progress(), { total: 6, remaining: 4, done: 2 })
  const ks = await Response.prototype.keySource.call(new Response())
  // the SQL of the key source, pinned per dialect
  if (backend === 'mysql') assert.match(ks.sql(), /^SELECT `subject`,`stim` FROM \(SELECT `subject` FROM `[^`]+`\.`subject`\) AS `\$[0-9a-f]+` CROSS JOIN `[^`]+`\.`#stim`$/)
  else assert.match(ks.sql(), /^SELECT "subject","stim" FROM \(SELECT "subject" FROM "[^"]+"\."subject"\) AS "\$[0-9a-f]+" CROSS JOIN "[^"]+"\."#stim"$/, ks.sql())
})

test('errors stop populate unless suppressed; suppressed errors are returned and the rest is made', async () => {
  await rejects(Response.populate({ subject: 3 }), /subject 3 is broken/)
  makeCalls = []
  const r = await Response.populate({ suppressErrors: true })
  assert.is(r.successCount, 2)
  assert.equal(r.errors.map((e) => [e.key, e.error]), [
    [{ subject: 3, stim: 'flash' }, 'Error: subject 3 is broken'],
    [{ subject: 3, stim: 'tone' }, 'Error: subject 3 is broken'],
  ])
  assert.equal(await Response.progress(), { total: 6, remaining: 2, done: 4 })
})

test('a master and its parts are inserted together or not at all', async () => {
  const r = await Summary.populate({ suppressErrors: true })
  assert.is(r.successCount, 2)
  assert.equal(await Summary.fetch('subject', { orderBy: 'subject' }), [1, 3])
  assert.equal(await Summary.Item.fetch('subject', { orderBy: ['subject', 'item'] }), [1, 1, 3, 3])
  // the master row of subject 2 was rolled back with its parts
  await rejects(Summary.Item.insert1({ subject: 2, item: 1 }), dj.IntegrityError)
})

test('custom key sources, order, limit and maxCalls', async () => {
  assert.equal(await Heavy.progress(), { total: 2, remaining: 2, done: 0 })
  const r = await Heavy.populate({ maxCalls: 1, order: 'reverse' })
  assert.is(r.successCount, 1)
  assert.equal(await Heavy.fetch('subject'), [3])
  await Heavy.populate()
  assert.equal(await Heavy.fetch('subject', { orderBy: 'subject' }), [2, 3])
  await rejects(Heavy.populate({ order: 'sideways' as never }), /order must be 'original', 'reverse' or 'random'/)
})

test('three-part make computes outside the transaction and refuses changed inputs', async () => {
  changeInputs = true
  const r = await Tripartite.populate({ subject: 1 }, { suppressErrors: true })
  assert.is(r.successCount, 0)
  assert.match(r.errors[0]!.error, /inputs of Tripartite .* changed while it was computed/)
  assert.is(await Tripartite.count(), 0)
  changeInputs = false
  await Tripartite.populate({ subject: 1 })
  assert.equal(await Tripartite.fetch(), [{ subject: 1, double: 220 }])
  await Subject.update1({ subject: 1, weight: 10 })
})

test('the job queue: reservation, errors with stack, retry, ignore, progress', async () => {
  await Response.restrict({ subject: 3 }).deleteQuick()
  const r = await Response.populate({ reserveJobs: true, suppressErrors: true })
  assert.is(r.successCount, 0)
  assert.is(r.errors.length, 2)
  const jobs = Response.jobs
  assert.is(jobs.tableName, '~~response')
  assert.equal(await jobs.progress(), { pending: 0, reserved: 0, success: 0, error: 2, ignore: 0, total: 2 })
  const errors = await jobs.list('error')
  assert.is(errors[0]!.error_message, 'Error: subject 3 is broken')
  assert.match(String(errors[0]!.error_stack), /subject 3 is broken\n\s+at /)
  assert.ok(Number(errors[0]!.connection_id) > 0)
  // errors are not retried by populate until cleared or retried
  assert.equal(await Response.populate({ reserveJobs: true }), { successCount: 0, errors: [], skipped: 0 })
  assert.is(await jobs.retry(), 2)
  await jobs.ignore({ subject: 3, stim: 'tone' })
  const again = await Response.populate({ reserveJobs: true, suppressErrors: true })
  assert.equal(again.errors.map((e) => e.key), [{ subject: 3, stim: 'flash' }])
  assert.equal((await jobs.progress()).ignore, 1)
  if (backend === 'mysql') {
    assert.match(await showCreate(schema.database, '~~response'), /`status` enum\('pending','reserved','success','error','ignore'\) NOT NULL COMMENT ':enum\(''pending'', ''reserved'', ''success'', ''error'', ''ignore''\):'/)
  } else {
    // PostgreSQL: the status is the schema's enum type, with the same comment marker
    const [col] = await dj.conn().fetchAll(
      "SELECT format_type(a.atttypid, a.atttypmod) AS type, col_description(a.attrelid, a.attnum) AS comment FROM pg_attribute a WHERE a.attrelid = (quote_ident(?) || '.' || quote_ident(?))::regclass AND a.attname = 'status'",
      [schema.database, '~~response'],
    )
    // the type's name: enum_ + the first 8 hex digits of MD5 of the sorted values joined by _ (storage-format §5.3)
    const name = 'enum_' + createHash('md5').update(['error', 'ignore', 'pending', 'reserved', 'success'].join('_')).digest('hex').slice(0, 8)
    assert.equal([col.type.replace(/^.*\./, '').replace(/"/g, ''), col.comment], [name, ":enum('pending', 'reserved', 'success', 'error', 'ignore'):"])
  }
  assert.is(await jobs.clear('ignore'), 1)
})

// an in-process database has no connection to lose
if (backend !== 'pglite') test('a lost connection during make becomes a job error, not a stuck reservation', async () => {
  class Fragile extends dj.Computed {
    static override definition = '-> Subject\n---\nok : bool\n'
    async make(this: InstanceType<typeof Fragile>, key: Record<string, unknown>) {
      await this.insert1({ ...key, ok: true })
      if (key.subject === 2) await this.connection.killSession()
      await this.insert1({ ...key, ok: false })
    }
  }
  await schema.declare(Fragile)
  const r = await Fragile.populate({ subject: 2 }, { reserveJobs: true, suppressErrors: true })
  assert.match(r.errors[0]!.error, /LostConnectionError/)
  assert.equal(await Fragile.jobs.progress().then((p) => [p.reserved, p.error]), [0, 1])
  assert.is(await Fragile.count(), 0)
})

// 0.14 schemas exist on MySQL only (datajoint-python 0.14 had no PostgreSQL backend)
if (backend === 'mysql') test('the ~jobs table of a 0.14 schema reads with keys and stacks unpacked', async () => {
  const c = dj.conn()
  const full = `\`${schema.database}\`.\`~jobs\``
  await c.query(`CREATE TABLE ${full} (\`table_name\` varchar(255) NOT NULL, \`key_hash\` char(32) NOT NULL, \`status\` enum('reserved','error','ignore') NOT NULL, \`key\` blob DEFAULT NULL, \`error_message\` varchar(2047) NOT NULL DEFAULT "", \`error_stack\` mediumblob DEFAULT NULL, \`user\` varchar(255) NOT NULL DEFAULT "", \`host\` varchar(255) NOT NULL DEFAULT "", \`pid\` int unsigned NOT NULL DEFAULT "0", \`connection_id\` bigint unsigned NOT NULL DEFAULT "0", \`timestamp\` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP, PRIMARY KEY (\`table_name\`,\`key_hash\`)) ENGINE=InnoDB`)
  // the key is a dj0 dict and the stack a dj0 string, as datajoint-python 0.14 writes them
  await c.query(`INSERT INTO ${full} (table_name, key_hash, status, \`key\`, error_message, error_stack) VALUES ('__response', 'abc', 'error', ?, 'ValueError: bad', ?)`, [dj.blob.pack(new Map([['subject', 7n]])), dj.blob.pack('Traceback ...')])
  const jobs = await schema.legacyJobs()
  assert.is(jobs.length, 1)
  assert.equal([jobs[0]!.table_name, jobs[0]!.status, jobs[0]!.error_message, jobs[0]!.error_stack], ['__response', 'error', 'ValueError: bad', 'Traceback ...'])
  assert.equal([...(jobs[0]!.key as Map<string, bigint>)], [['subject', 7n]])
})

test('populate refuses restricted tables and tables without make', async () => {
  await rejects(Response.restrict({ subject: 1 }).populate(), /Cannot populate the restricted table/)
  class NoMake extends dj.Computed {
    static override definition = '-> Subject\n'
  }
  await schema.declare(NoMake)
  await rejects(NoMake.populate(), /has no make\(key\) method/)
})

test('progress events carry counts, rate and the end', async () => {
  await Heavy.deleteQuick()
  const events: string[] = []
  await Heavy.populate({ onEvent: (e: PopulateEvent) => events.push(e.type === 'start' ? `start ${e.total}` : `${e.type} ${'done' in e ? e.done : ''}/${'total' in e ? e.total : ''}`) })
  assert.equal(events, ['start 2', 'started 0/2', 'done 1/2', 'started 1/2', 'done 2/2', 'end 2/2'])
})

test('concurrency: keys made at once on sessions of their own, each once; a failure stops them and leaves its key out', async () => {
  sessions.length = 0
  const mine = await dj.conn().connectionId()
  const r = await Made.populate({ concurrency: 4 })
  assert.is(r.successCount, 40)
  const rows = await Made.fetch({ orderBy: 'KEY' })
  assert.equal(rows.map((x) => x.many), Array.from({ length: 40 }, (_, i) => i))
  const ids = new Set(sessions.map(([, id]) => id))
  assert.is(ids.size, 4)
  assert.not.ok(ids.has(mine), 'no key is made on the caller\'s session')
  assert.equal(new Set(rows.map((x) => Number(x.session_id))), ids)
  // with reserved jobs too; a failing key without suppressErrors: the error names it, its row is rolled back
  await Made.deleteQuick()
  failOn = 17
  try {
    await rejects(Made.populate({ concurrency: 3, reserveJobs: true }), /^key 17 fails after its insert$/)
  } finally {
    failOn = -1
  }
  assert.is(await Made.restrict({ many: 17 }).count(), 0)
  const errors = await Made.jobs.list('error')
  assert.equal(errors.map((j) => j.many), [17])
  assert.is((await Made.jobs.progress()).reserved, 0)
  await rejects(Made.populate({ concurrency: 0 }), /^populate concurrency must be a whole number of at least 1, not 0\.$/)
  await Made.jobs.clear('error')
})

// on PGlite an open transaction holds the one connection, so the caller's count would wait for
// the keys held at the gate inside their transactions: the scenario cannot run there
if (backend !== 'pglite') test('a background task: other work goes on meanwhile; cancel now rolls back the keys under way on every lane', async () => {
  await Made.deleteQuick()
  sessions.length = 0
  held = 9
  gate = new Promise((r) => (gateOpen = r))
  const task = Made.populate({ background: true, concurrency: 3 })
  assert.instance(task, dj.PopulateTask)
  assert.is(task.status, 'running')
  while (task.progress.done < 10) await new Promise((r) => setTimeout(r, 5))
  // keys 10, 11, 12 are inserted on three lanes and wait at the gate; the caller's session sees only the first ten
  while (sessions.filter(([k]) => k >= 10).length < 3) await new Promise((r) => setTimeout(r, 5))
  assert.is(await Made.count(), 10)
  assert.ok(dj.populateTasks().includes(task))
  task.cancel({ now: true })
  await rejects(task.result, dj.CancelledError, /^The populate of Made was cancelled; the key under way was rolled back\.\n10 of 40 keys were finished before it; populate again to go on\.$/)
  assert.is(task.status, 'cancelled')
  gateOpen()
  held = Infinity
  await new Promise((r) => setTimeout(r, 50))
  // the keys that were waiting could not commit after the cancel
  assert.equal((await Made.fetch({ orderBy: 'KEY' })).map((x) => x.many), Array.from({ length: 10 }, (_, i) => i))
  assert.match(task.summary(), /^populate \d+ of Made: cancelled, 10\/40 in [\d.]+ s$/, `summary: ${task.summary()}`)
  // and populate takes up from there
  const rest = await Made.populate()
  assert.is(rest.successCount, 30)
})

test.run()
