/** The compiled SQL of representative queries, values as parameters, fetch formats, previews, errors. */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { rejects } from '../helpers/assert.js'
import { cleanup, setupDatabase } from '../helpers/db.js'
import { loadUniversity } from '../helpers/university.js'

const dj = setupDatabase()
test.after(cleanup)

let u: Record<string, any>
let db: string
const S = (s: string) => s.replace(/DB/g, `\`${db}\``)

class Note extends dj.Manual {
  static override definition = `
  note_id : int32
  ---
  text : varchar(200)
  score = null : float64
  big = null : int64
  `
}
class Other extends dj.Manual {
  static override definition = `
  other_id : int32
  ---
  text : varchar(200)
  `
}

test.before(async () => {
  u = await loadUniversity('algebra')
  db = u.database
  await (u as unknown as InstanceType<typeof dj.Schema>).declare(Note, Other)
})

test('restrictions compile to parameterised WHERE clauses', () => {
  const q = u.Student.restrict({ home_state: 'UT', nope: 1 }).restrict('sex="F"')
  assert.is(q.sql(), S('SELECT `student_id`,`first_name`,`last_name`,`sex`,`date_of_birth`,`home_address`,`home_city`,`home_state`,`home_zip`,`home_phone` FROM DB.`student` WHERE (`home_state`=?) AND (sex="F")'))
  assert.equal(q.toSQL().params, ['UT'])
  assert.is(u.Department.restrict([{ dept: 'CS' }, { dept: 'BIOL' }]).sql(), S('SELECT `dept`,`dept_name`,`dept_address`,`dept_phone` FROM DB.`department` WHERE ((`dept`=?) OR (`dept`=?))'))
  assert.is(u.Department.restrict([]).sql(), S('SELECT `dept`,`dept_name`,`dept_address`,`dept_phone` FROM DB.`department` WHERE (FALSE)'))
  assert.is(u.Department.restrict({}).sql(), u.Department.sql())
  assert.is(u.Department.exclude(u.Course).sql(), S('SELECT `dept`,`dept_name`,`dept_address`,`dept_phone` FROM DB.`department` WHERE (NOT ((`dept`) IN (SELECT DISTINCT `dept` FROM DB.`course`)))'))
  const d = new Date(Date.UTC(2020, 0, 1))
  const t = u.Student.restrict(dj.sql`date_of_birth > ${d} and home_state = ${"O'K"}`)
  assert.match(t.sql(), /WHERE \(date_of_birth > \? and home_state = \?\)$/)
  assert.equal(t.toSQL().params, ['2020-01-01 00:00:00', "O'K"])
})

test('join, proj, aggr, dj.U, union and top compile to the SQL DataJoint would write', () => {
  assert.is(u.Section.join(u.Course).sql(), S('SELECT `dept`,`course`,`term_year`,`term`,`section`,`auditorium`,`course_name`,`credits` FROM DB.`section` JOIN DB.`course` USING (`dept`, `course`)'))
  assert.equal(u.Section.join(u.Course).primaryKey, ['dept', 'course', 'term_year', 'term', 'section'])
  assert.equal(u.Enroll.join(u.CurrentTerm).primaryKey, ['student_id', 'dept', 'course', 'term_year', 'term', 'section', 'omega'])
  assert.is(u.Department.proj({ code: 'dept' }).sql(), S('SELECT `dept` AS `code` FROM DB.`department`'))
  assert.match(u.Student.proj({ age: 'year(date_of_birth)' }).restrict('age > 1990').sql(), new RegExp('^' + S('SELECT `student_id`,`age` FROM \\(SELECT `student_id`,year\\(date_of_birth\\) AS `age` FROM DB.`student`\\) AS `\\$[0-9a-f]+` WHERE \\(age > 1990\\)$').replace(/`DB`/g, '`' + db + '`')))
  assert.is(u.Term.aggr(u.Section, { n: 'count(*)' }).sql(), S('SELECT `term_year`,`term`,count(*) AS `n` FROM DB.`term` LEFT JOIN DB.`section` USING (`term_year`, `term`) GROUP BY `term_year`, `term`'))
  assert.is(u.Term.aggr(u.Section, { n: 'count(*)' }, { excludeNonmatching: true }).sql(), S('SELECT `term_year`,`term`,count(*) AS `n` FROM DB.`term` JOIN DB.`section` USING (`term_year`, `term`) GROUP BY `term_year`, `term`'))
  assert.is(dj.U('home_state').restrict(u.Student).sql(), S('SELECT DISTINCT `home_state` FROM DB.`student`'))
  assert.is(dj.U().aggr(u.Student, { n: 'count(*)' }).sql(), S('SELECT count(*) AS `n` FROM DB.`student`'))
  assert.is(u.Student.restrict(dj.top(5, 'last_name desc', 2)).sql(), S('SELECT `student_id`,`first_name`,`last_name`,`sex`,`date_of_birth`,`home_address`,`home_city`,`home_state`,`home_zip`,`home_phone` FROM DB.`student` ORDER BY `last_name` DESC LIMIT 5 OFFSET 2'))
  assert.match(u.Grade.restrict({ grade: 'A' }).proj().union(u.Grade.restrict({ grade: 'B' }).proj()).sql(), /^SELECT `student_id`,`dept`,`course`,`term_year`,`term`,`section` FROM \(\(SELECT .* WHERE \(`grade`=\?\)\) UNION \(SELECT .* WHERE \(`grade`=\?\)\)\) AS `\$[0-9a-f]+`$/)
})

const NASTY = ["it's", 'say "hi"', 'back\\slash', '100% sure_', 'nul\u0000byte', 'ünïcødé ✓ 漢字 🧠', "'; DROP TABLE note; --", '\\\'', '']

test('values with quotes, backslashes, %, NUL and unicode round-trip and restrict exactly', async () => {
  await Note.insert(NASTY.map((text, i) => ({ note_id: i, text })))
  for (const [i, text] of NASTY.entries()) {
    assert.equal(await Note.restrict({ text }).fetch('note_id'), [i], JSON.stringify(text))
    assert.equal(await Note.restrict(dj.sql`text = ${text}`).fetch('note_id'), [i], JSON.stringify(text))
    assert.is(await Note.restrict({ note_id: i }).fetch1('text'), text)
  }
  // % and _ are data in a bound LIKE pattern only when escaped by the user; as equality they are plain
  assert.equal(await Note.restrict(dj.sql`text LIKE ${'100%'}`).fetch('note_id'), [3])
  assert.is(await Note.count(), NASTY.length)
})

test('fetch formats: objects, columns (typed where numeric), attributes, KEY, bigint', async () => {
  await Note.deleteQuick()
  await Note.insert([
    { note_id: 1, text: 'a', score: 1.5, big: 2n ** 62n },
    { note_id: 2, text: 'b', score: -2, big: 7 },
  ])
  const cols = await Note.fetch({ format: 'columns', orderBy: 'note_id' })
  assert.instance(cols.note_id, Int32Array)
  assert.instance(cols.score, Float64Array)
  assert.equal([...(cols.score as Float64Array)], [1.5, -2])
  assert.equal(cols.big, [4611686018427387904n, 7])
  assert.equal(await Note.fetch('text', { orderBy: 'note_id desc' }), ['b', 'a'])
  assert.equal(await Note.fetch('note_id', 'text', { orderBy: 'note_id' }), [[1, 2], ['a', 'b']])
  assert.equal(await Note.fetch('KEY', { orderBy: 'KEY DESC' }), [{ note_id: 2 }, { note_id: 1 }])
  assert.equal(await Note.restrict({ note_id: 1 }).fetch1('KEY'), { note_id: 1 })
  assert.equal(await Note.head(1), [{ note_id: 1, text: 'a', score: 1.5, big: 4611686018427387904n }])
  assert.equal((await Note.tail(1)).map((r: any) => r.note_id), [2])
  assert.ok(await Note.restrict({ note_id: 2 }).exists())
  assert.not.ok(await Note.restrict({ note_id: 3 }).exists())
  await rejects(Note.restrict({ note_id: 3 }).fetch1(), /exactly one row.*none/)
  await rejects(Note.fetch1(), /exactly one row.*2/)
  await rejects(Note.fetch({ orderBy: 'nope' }), /Cannot order .* by "nope"/)
  await rejects(Note.fetch('nope'), /attribute "nope" not found/)
})

test('async iteration streams every row', async () => {
  let n = 0
  const seen = new Set<string>()
  for await (const row of u.Enroll.restrict({ dept: 'CS' })) {
    n++
    seen.add(JSON.stringify(row))
  }
  assert.is(n, await u.Enroll.restrict({ dept: 'CS' }).count())
  assert.is(seen.size, n)
})

test('previews fetch the first rows, mark the key, count the total, escape HTML', async () => {
  await Other.insert1({ other_id: 1, text: '<script>alert("x")</script>' })
  dj.config.set('display.limit', 2)
  const text = await u.Department.preview()
  assert.is(text.split('\n')[0], '*dept    dept_name         dept_address      dept_phone')
  assert.ok(text.includes('   ...'))
  assert.ok(text.endsWith(' (Total: 4)'))
  const html = await new Other().previewHtml()
  assert.ok(html.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;'))
  assert.not.ok(html.includes('<script>'))
  assert.ok(html.includes('class="dj-key"'))
  const bundle = await u.Term.restrict({ term_year: 2015 })[dj.display]()
  assert.equal(Object.keys(bundle), ['text/plain', 'text/html'])
  assert.ok(bundle['text/plain'].includes('(Total: 3)'))
  dj.config.set('display.limit', 12)
})

test('bad operations say what is wrong', async () => {
  assert.throws(() => u.Student.proj('nope'), /attribute "nope" not found/)
  assert.throws(() => u.Student.proj('-student_id'), /primary-key attribute "student_id" cannot be excluded/)
  assert.throws(() => u.Student.union(u.Department), /must share the same primary key/)
  assert.throws(() => u.Course.union(u.Course), /must not share any secondary attributes \(course_name, credits\)/)
  assert.throws(() => dj.U('x').restrict({ x: 1 } as never), /can only be restricted by a query expression/)
  // namesakes of different origin: both tables have their own "text"
  assert.throws(() => Note.join(Other), /Cannot join .* on attribute "text": it has no lineage/)
  assert.equal(await Note.join(Other, { semanticCheck: false }).count(), 0)
  assert.throws(() => u.Student.aggr(u.Department, { n: 'count(*)' }), /lacks the primary-key attribute\(s\) student_id/)
})

test.run()
