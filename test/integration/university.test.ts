/**
 * The university schema of datajoint-python's test suite: declared from TypeScript with the
 * definitions datajoint-python declared, it must produce the same tables (SHOW CREATE TABLE up to
 * the schema name), load the CSVs, and a schema made by datajoint-python (its CREATE TABLE
 * statements, 0.14 and 2.3) must open with the right tiers, keys, types and dependencies.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { readCsv } from '../helpers/csv.js'
import { classesFor, tierOf } from '../helpers/university.js'
import { cleanup, prefix, setupDatabase, showCreate } from '../helpers/db.js'
import { university, universityCsv } from '../helpers/fixtures.js'

const dj = setupDatabase()
test.after(cleanup)

/** SHOW CREATE TABLE without what legitimately differs: nothing but whitespace runs. */
const normal = (s: string) => s.replace(/\s+/g, ' ').trim()

for (const version of ['v2.3', 'v0.14'] as const) {
  test(`${version}: declaring the definitions makes the tables datajoint-python made`, async () => {
    const fx = university(version)
    const uni = dj.schema(`uni_${version.replace('.', '_')}`, { compatibility: version === 'v0.14' ? '0.14' : '2.x' })
    Object.assign(uni.context, { uni })
    const classes = classesFor(version)
    await uni.declare(...classes)
    for (const [name, t] of Object.entries(fx.tables)) {
      assert.is(normal(await showCreate(uni.database, t.table_name)), normal(t.create_table), `${name}`)
    }
    if (version === 'v2.3') {
      // 2.x lineage: inherited attributes point at their origin
      const rows = await dj.conn().fetchAll(`SELECT attribute_name, lineage FROM \`${uni.database}\`.\`~lineage\` WHERE table_name = 'grade' ORDER BY attribute_name`)
      assert.equal(rows.find((r) => r.attribute_name === 'student_id').lineage, `${uni.database}.student.student_id`)
      assert.equal(rows.find((r) => r.attribute_name === 'grade').lineage, `${uni.database}.#letter_grade.grade`)
    }
  })
}

test('v2.3: the CSVs load and every table has the row count datajoint-python loaded', async () => {
  const fx = university('v2.3')
  const uni = dj.schema('uni_v2_3')
  const classes = classesFor('v2.3')
  Object.assign(uni.context, { uni })
  await uni.declare(...classes)
  for (const cls of classes) {
    if (cls.name === 'LetterGrade') continue
    await cls.insert(readCsv(universityCsv(cls.name)))
  }
  for (const cls of classes) assert.is(await cls.count(), fx.tables[cls.name]!.rows, cls.name)
  const s = await uni.table('Student').restrict({ student_id: 100 }).fetch1()
  assert.equal(s, {
    student_id: 100, first_name: 'Allison', last_name: 'Hill', sex: 'F', date_of_birth: '1991-05-09',
    home_address: '819 Anthony Fields Suite 083', home_city: 'Jacquelinebury', home_state: 'IN', home_zip: '01352', home_phone: '+1-542-351-1615',
  })
  const dept = await uni.table('Department').restrict({ dept: 'BIOL' }).fetch1()
  assert.is(dept.dept_address, '931 Eric Trail Suite 331\nLake Scott, CT 53527')
  assert.equal(await uni.table('LetterGrade').restrict(dj.sql`points >= ${3.5}`).fetch({ orderBy: 'grade' }), [
    { grade: 'A', points: '4.00' }, { grade: 'A-', points: '3.67' },
  ])
})

for (const version of ['v2.3', 'v0.14'] as const) {
  test(`${version}: a schema made by datajoint-python opens with tiers, keys, types and dependencies`, async () => {
    const fx = university(version)
    const db = `${prefix}made_${version.replace('.', '_')}`
    const c = dj.conn()
    await c.query(`CREATE DATABASE \`${db}\``)
    for (const t of Object.values(fx.tables)) await c.query(`USE \`${db}\``).then(() => c.query(t.create_table))
    const uni = await dj.openSchema(`made_${version.replace('.', '_')}`)
    const names = Object.keys(uni.tables).sort()
    assert.equal(names, Object.keys(fx.tables).sort())
    assert.ok(uni.LetterGrade!.prototype instanceof dj.Lookup)
    assert.ok(uni.Enroll!.prototype instanceof dj.Manual)
    for (const [name, t] of Object.entries(fx.tables)) {
      const key = /PRIMARY KEY \(([^)]*)\)/.exec(t.create_table)![1]!.split(',').map((k) => k.replace(/`/g, '').trim())
      assert.equal(uni[name]!.primaryKey, key, `${name} primary key`)
      const cols = [...t.create_table.matchAll(/^ {2}`([a-z_]+)` /gm)].map((m) => m[1])
      assert.equal(uni[name]!.heading.names, cols, `${name} attributes`)
    }
    const sid = uni.Student!.heading.get('student_id')!
    assert.is(sid.type, version === 'v2.3' ? 'int64' : 'int unsigned')
    assert.is(sid.comment, 'university-wide ID number')
    assert.is(uni.Term!.heading.get('term')!.type, version === 'v2.3' ? "enum('Spring', 'Summer', 'Fall')" : "enum('Spring','Summer','Fall')")
    // dependencies from the catalog: a cascade from Student reaches exactly its descendants
    const preview = await uni.Student!.restrict({ student_id: -1 }).deletePreview()
    assert.equal(preview.map((p) => p.table.split('.')[1]), ['`student`', '`enroll`', '`grade`', '`student_major`'])
    const full = (t: string) => `\`${db}\`.\`${t}\``
    assert.equal(await uni.Enroll!.parents(), [full('student'), full('section')])
    assert.equal((await uni.Section!.children()).sort(), [full('enroll')])
    // parents first; ties in name order
    assert.equal(await uni.Grade!.ancestors(), ['#letter_grade', 'department', 'course', 'student', 'term', 'section', 'enroll', 'grade'].map(full))
    assert.equal(await uni.Term!.descendants(), ['term', 'current_term', 'section', 'enroll', 'grade'].map(full))
    const described = await uni.Grade!.describe()
    assert.is(described, '-> Enroll\n---\n-> LetterGrade\n')
  })
}

test('describe() of every table declares the same table again', async () => {
  const uni = await dj.openSchema('uni_v2_3')
  const copy = dj.schema('uni_copy')
  const order = await uni.listTables()
  const made: Record<string, typeof dj.Manual> = {}
  for (const tableName of order) {
    const src = Object.values(uni.tables).find((c) => c.tableName === tableName)!
    const Base = tierOf(tableName)
    const cls = { [src.name]: class extends Base {} }[src.name]! as typeof dj.Manual & { definition: string }
    cls.definition = await src.describe()
    made[src.name] = cls
    Object.assign(copy.context, made)
    await copy.declare(cls)
    const a = normal(await showCreate(uni.database, tableName))
    const b = normal(await showCreate(copy.database, tableName))
    assert.is(b, a, tableName)
  }
})

test.run()
