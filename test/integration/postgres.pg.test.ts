/**
 * What the PostgreSQL dialect writes and how it answers, on the PostgreSQL server and on PGlite
 * (the runner's backend matrix): enum types named as datajoint-python 2.3 names them, comments
 * through COMMENT ON with the same type markers, indexes with the adapter's names, skipped and
 * replaced duplicates with ON CONFLICT, errors by SQLSTATE. On PGlite also: a folder written by
 * one process opens in the next with its tables, rows and dependencies; a second process is
 * refused while the first holds the folder; a process killed during an insert leaves the folder
 * readable and the insert whole or absent.
 */
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { rejects } from '../helpers/assert.js'
import { backend, cleanup, prefix, setupDatabase } from '../helpers/db.js'

const dj = setupDatabase()
test.after(cleanup)
const root = fileURLToPath(new URL('../..', import.meta.url))

class Subject extends dj.Manual {
  static override definition = `
  # a test table
  subject_id : int32  # subject
  session = 1 : int16
  ---
  name : varchar(64)
  sex = 'U' : enum('M', 'F', 'U')
  weight : float32
  flag : bool
  meta = null : json
  data = null : <blob>
  index (name)
  unique index (weight, flag)
  `
}
class Visit extends dj.Manual {
  static override definition = `
  -> Subject
  visit : int16
  `
}
const schema = dj.schema('pgddl')

test.before(async () => {
  await schema.declare(Subject, Visit)
})

test('the catalog holds what datajoint-python 2.3 writes: enum type, comments, indexes, foreign keys', async () => {
  const c = dj.conn()
  assert.is(c.dialect.name, 'postgresql')
  const db = schema.database
  const types = await c.fetchAll("SELECT t.typname AS name, array_to_string(array_agg(e.enumlabel ORDER BY e.enumsortorder), ',') AS labels FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace JOIN pg_enum e ON e.enumtypid = t.oid WHERE n.nspname = ? GROUP BY t.typname", [db])
  // enum_ + md5("F_M_U")[:8], as the spec's example
  assert.equal(types, [{ name: 'enum_e54fc739', labels: 'M,F,U' }])
  const comments = await c.fetchAll(
    "SELECT a.attname AS col, col_description(a.attrelid, a.attnum) AS comment FROM pg_attribute a WHERE a.attrelid = (quote_ident(?) || '.' || quote_ident(?))::regclass AND a.attnum > 0 ORDER BY a.attnum",
    [db, 'subject'],
  )
  assert.equal(comments.map((r) => [r.col, r.comment]), [
    ['subject_id', ':int32:subject'], ['session', ':int16:'], ['name', ':varchar(64):'], ['sex', ":enum('M', 'F', 'U'):"],
    ['weight', ':float32:'], ['flag', ':bool:'], ['meta', ':json:'], ['data', ':<blob>:'],
  ])
  const table = await c.fetchAll("SELECT obj_description((quote_ident(?) || '.' || quote_ident(?))::regclass, 'pg_class') AS c", [db, 'subject'])
  assert.is(table[0].c, 'a test table')
  const indexes = await c.fetchAll('SELECT indexname AS name, indexdef AS def FROM pg_indexes WHERE schemaname = ? AND tablename = ? ORDER BY indexname', [db, 'subject'])
  assert.equal(indexes.map((r) => r.name), ['idx_subject_name', 'idx_subject_weight_flag', 'subject_pkey'])
  assert.match(indexes[1].def, /^CREATE UNIQUE INDEX idx_subject_weight_flag ON \S+\.subject USING btree \(weight, flag\)$/)
  // the heading read back from the catalog
  assert.is((await Subject.describe()).trim(), [
    '# a test table', 'subject_id           : int32                        # subject', 'session=1            : int16', '---',
    'name                 : varchar(64)', "sex=\"U\"              : enum('M', 'F', 'U')", 'weight               : float32', 'flag                 : bool',
    'meta=null            : json', 'data=null            : <blob>', 'index(name)', 'unique index(weight, flag)',
  ].join('\n'))
  const fks = await dj.DependencyGraph.load(c, [db])
  assert.equal(fks.parents(Visit.fullTableName).map((e) => [e.parent.table, e.attributeMap]), [['subject', { subject_id: 'subject_id', session: 'session' }]])
})

test('values round-trip; skipDuplicates and replace are ON CONFLICT; errors are DataJoint errors', async () => {
  await Subject.insert([
    { subject_id: 1, name: 'ann', sex: 'F', weight: 20.5, flag: true, meta: { a: [1, 2] }, data: new Float64Array([1, 2.5]) },
    { subject_id: 2, session: 2, name: "o'hara", weight: 31, flag: false },
  ])
  const rows = await Subject.fetch({ orderBy: 'KEY' })
  assert.equal(rows.map((r) => [r.subject_id, r.session, r.name, r.sex, r.weight, r.flag, r.meta]), [[1, 1, 'ann', 'F', 20.5, true, { a: [1, 2] }], [2, 2, "o'hara", 'U', 31, false, null]])
  assert.equal(Array.from((rows[0]!.data as { data: ArrayLike<number> }).data), [1, 2.5])
  await Subject.insert([{ subject_id: 1, name: 'other', weight: 1, flag: true }], { skipDuplicates: true })
  assert.is(await Subject.restrict({ subject_id: 1 }).fetch1('name'), 'ann')
  await Subject.insert([{ subject_id: 1, name: 'replaced', weight: 2, flag: true }], { replace: true })
  assert.is(await Subject.restrict({ subject_id: 1 }).fetch1('name'), 'replaced')
  await rejects(Subject.insert1({ subject_id: 1, name: 'again', weight: 3, flag: true }), dj.DuplicateError, /already exists/)
  await rejects(Visit.insert1({ subject_id: 9, session: 1, visit: 1 }), dj.IntegrityError, /The referenced parent row does not exist/)
  await Visit.insert1({ subject_id: 2, session: 2, visit: 1 })
  await rejects(dj.conn().query(`DELETE FROM ${Subject.fullTableName} WHERE subject_id = 2`), dj.IntegrityError, /Cannot delete or drop: rows in another table refer to it/)
  await rejects(Subject.restrict('no_such_column = 1').fetch(), dj.UnknownAttributeError)
  // delete cascades through the dependency graph
  await Subject.restrict({ subject_id: 2 }).delete()
  assert.is(await Visit.count(), 0)
})

if (backend === 'pglite') {
  /** a child process with the embedded database in `folder` running `code` */
  const child = (folder: string, code: string) => {
    const file = join(folder, '..', `child-${Math.random().toString(36).slice(2)}.mts`)
    writeFileSync(file, `import * as dj from ${JSON.stringify(join(root, 'runtime/index.ts'))}\ndj.config.update({ 'database.backend': 'pglite', 'database.path': ${JSON.stringify(folder)}, 'database.prefix': ${JSON.stringify(prefix)}, safemode: false, loglevel: 'ERROR' })\n${code}\n`)
    return file
  }
  const pipeline = `
const s = dj.schema('durable')
class Animal extends dj.Manual { static definition = 'animal : int32\\n---\\nname : varchar(16)' }
class Weighing extends dj.Manual { static definition = '-> Animal\\nday : int16\\n---\\ngrams : float64' }
await s.declare(Animal, Weighing)
`

  test('a folder written by one process opens in the next; a second process is refused meanwhile', async () => {
    const folder = join(mkdtempSync(join(tmpdir(), 'dj-pglite-')), 'db')
    const write = child(folder, `${pipeline}
await Animal.insert([[1, 'ann'], [2, 'bob']]); await Weighing.insert([[1, 1, 20.5], [2, 1, 30]])
await dj.disconnect()`)
    const w = spawnSync(process.execPath, ['--import', 'tsx', write], { cwd: root, encoding: 'utf8' })
    assert.is(w.status, 0, w.stderr)
    const read = child(folder, `${pipeline}
console.log(JSON.stringify([await Animal.fetch({ orderBy: 'KEY' }), await Weighing.count(), (await s.listTables())]))
await Animal.restrict({ animal: 1 }).delete()
console.log(JSON.stringify(await Weighing.fetch({ orderBy: 'KEY' })))
await dj.disconnect()`)
    const r = spawnSync(process.execPath, ['--import', 'tsx', read], { cwd: root, encoding: 'utf8' })
    assert.is(r.status, 0, r.stderr)
    const [first, second] = r.stdout.trim().split('\n')
    assert.equal(JSON.parse(first!), [[{ animal: 1, name: 'ann' }, { animal: 2, name: 'bob' }], 2, ['animal', 'weighing']])
    // the dependency survived: deleting the animal cascaded to its weighing
    assert.equal(JSON.parse(second!), [{ animal: 2, day: 1, grams: 30 }])

    // a process holding the folder, and a second one trying to open it
    const hold = child(folder, `${pipeline}\nconsole.log('holding'); await new Promise((r) => setTimeout(r, 60000))`)
    const holder = spawn(process.execPath, ['--import', 'tsx', hold], { cwd: root })
    try {
      await new Promise<void>((resolve, reject) => {
        holder.stdout.on('data', (d) => String(d).includes('holding') && resolve())
        let err = ''
        holder.stderr.on('data', (d) => (err += d))
        holder.on('exit', () => reject(new Error(`the holder ended early: ${err}`)))
      })
      const second2 = spawnSync(process.execPath, ['--import', 'tsx', child(folder, 'await dj.conn().connect()')], { cwd: root, encoding: 'utf8' })
      assert.is.not(second2.status, 0)
      assert.match(second2.stderr, `The embedded database in ${folder} is open in another process (pid ${holder.pid}).`)
    } finally {
      holder.kill('SIGKILL')
    }
  })

  test('killed with SIGKILL during an insert: the folder opens, the insert is whole or absent', async () => {
    const folder = join(mkdtempSync(join(tmpdir(), 'dj-pglite-')), 'db')
    const code = child(folder, `${pipeline}
await Animal.insert([[1, 'first']])
console.log('inserting')
await Animal.insert(Array.from({ length: 20000 }, (_, i) => [i + 100, 'n' + i]))
console.log('inserted')
await new Promise((r) => setTimeout(r, 60000))`)
    const p = spawn(process.execPath, ['--import', 'tsx', code], { cwd: root })
    let err = ''
    p.stderr.on('data', (d) => (err += d))
    await new Promise<void>((resolve, reject) => {
      p.stdout.on('data', (d) => String(d).includes('inserting') && resolve())
      p.on('exit', () => reject(new Error(`the writer ended early: ${err}`)))
    })
    p.kill('SIGKILL')
    await new Promise((r) => p.on('exit', r))
    const read = child(folder, `${pipeline}\nconsole.log(JSON.stringify([await Animal.restrict({ animal: 1 }).fetch1('name'), await Animal.count()]))\nawait dj.disconnect()`)
    const r = spawnSync(process.execPath, ['--import', 'tsx', read], { cwd: root, encoding: 'utf8' })
    assert.is(r.status, 0, r.stderr)
    const [name, n] = JSON.parse(r.stdout.trim().split('\n').pop()!)
    assert.is(name, 'first')
    assert.ok(n === 1 || n === 20001, `the insert is whole or absent, not ${n - 1} of 20000 rows`)
  })
}

test.run()
