/** insert / insert1 / update1 on the real server: options, encodings, batching, atomicity, errors. */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { rejects } from '../helpers/assert.js'
import { backend, cleanup, setupDatabase } from '../helpers/db.js'

const dj = setupDatabase()
test.after(cleanup)
const schema = dj.schema('insert')

class Person extends dj.Manual {
  static override definition = `
  person_id : int32
  ---
  name : varchar(100)
  nickname = "none" : varchar(100)
  height = null : float64
  born = null : datetime(3)
  active = 1 : bool
  token = null : uuid
  info = null : json
  big = null : int64
  `
}
class Pet extends dj.Manual {
  static override definition = `
  -> Person
  pet : varchar(20)
  `
}
class Copy extends dj.Manual {
  static override definition = `
  person_id : int32
  ---
  name : varchar(100)
  `
}
class Derived extends dj.Computed {
  static override definition = `
  -> Person
  ---
  score : float32
  `
}

test.before(async () => {
  await schema.declare(Person, Pet, Derived, Copy)
})
test.before.each(async () => {
  await Pet.deleteQuick()
  await Derived.deleteQuick()
  await Person.deleteQuick()
})

test('objects and arrays insert; values come back exactly', async () => {
  const tricky = `O'Brien "the \\ slash" \\n; DROP TABLE x; --`
  await Person.insert([
    { person_id: 1, name: tricky, height: 1.75, born: new Date(Date.UTC(2020, 1, 29, 13, 45, 30, 123)), active: false, token: '0f1e2d3c-4b5a-4697-8877-665544332211', info: { a: [1, 'x'], b: null }, big: 9007199254740993n },
    { person_id: 2, name: 'Ann' },
  ])
  await Person.insert1([3, 'Bo', 'b', 2.5, '1999-12-31 23:59:59.5', 1, null, [1, 2], -5])
  assert.equal(await Person.fetch({ orderBy: 'person_id' }), [
    { person_id: 1, name: tricky, nickname: 'none', height: 1.75, born: '2020-02-29 13:45:30.123', active: false, token: '0f1e2d3c-4b5a-4697-8877-665544332211', info: { a: [1, 'x'], b: null }, big: 9007199254740993n },
    { person_id: 2, name: 'Ann', nickname: 'none', height: null, born: null, active: true, token: null, info: null, big: null },
    { person_id: 3, name: 'Bo', nickname: 'b', height: 2.5, born: '1999-12-31 23:59:59.500', active: true, token: null, info: [1, 2], big: -5 },
  ])
  assert.equal(await Person.restrict({ name: tricky }).keys(), [{ person_id: 1 }])
  assert.equal(await Person.restrict({ token: '0F1E2D3C4B5A46978877665544332211' }).keys(), [{ person_id: 1 }])
})

test('NaN is stored as NULL; null takes the default of a non-nullable attribute', async () => {
  await Person.insert1({ person_id: 5, name: 'N', height: NaN, nickname: null })
  assert.equal(await Person.restrict({ person_id: 5 }).fetch1(), { person_id: 5, name: 'N', nickname: 'none', height: null, born: null, active: true, token: null, info: null, big: null })
})

test('skipDuplicates keeps, replace overwrites, duplicates fail and insert nothing', async () => {
  await Person.insert([{ person_id: 1, name: 'A' }, { person_id: 2, name: 'B' }])
  const e = await rejects(Person.insert([{ person_id: 3, name: 'C' }, { person_id: 1, name: 'again' }]), dj.DuplicateError, backend === 'mysql' ? /Person \(`[^`]+`\.`person`\): Duplicate entry '1'/ : /Person \("[^"]+"\."person"\): duplicate key value violates unique constraint "person_pkey" \(Key \(person_id\)=\(1\) already exists\)/, /skipDuplicates: true/)
  assert.ok((e as InstanceType<typeof dj.DataJointError>).sql!.startsWith('INSERT INTO'))
  assert.is(await Person.count(), 2)
  await Person.insert([{ person_id: 1, name: 'again' }, { person_id: 3, name: 'C' }], { skipDuplicates: true })
  assert.equal(await Person.fetch({ orderBy: 'person_id', format: 'columns' }).then((c) => c.name), ['A', 'B', 'C'])
  await Person.insert([{ person_id: 1, name: 'Z' }], { replace: true })
  assert.is((await Person.restrict({ person_id: 1 }).fetch1()).name, 'Z')
  await rejects(Person.insert([], { replace: true, skipDuplicates: true }), /cannot be combined/)
})

test('unknown, missing and mistyped values are refused before anything is sent', async () => {
  await rejects(Person.insert1({ person_id: 1, name: 'A', age: 3 }), dj.UnknownAttributeError, /"age" is not an attribute of the table/, /ignoreExtraFields/)
  await Person.insert1({ person_id: 1, name: 'A', age: 3 }, { ignoreExtraFields: true })
  await rejects(Person.insert1({ person_id: 2 }), dj.MissingAttributeError, /has no value for "name"/)
  await rejects(Person.insert([{ person_id: 2, name: 'x' }, { person_id: 3, name: null }]), dj.MissingAttributeError, /"name" of row 2 is null/)
  await rejects(Person.insert1({ person_id: 2, name: 'x', token: 'not-a-uuid' }), /Invalid value "not-a-uuid" for attribute "token" \(uuid\)/)
  await rejects(Person.insert1([2, 'x']), /has 2 values but the table has 9 attributes/)
  await rejects(Person.insert1({ person_id: 'abc', name: 'x' }), dj.QueryError, /Person/)
  await rejects(Person.insert1({ person_id: 2, name: 'x'.repeat(101) }), /Person.*too long|Data too long/)
  await rejects(Pet.insert1({ person_id: 99, pet: 'cat' }), dj.IntegrityError, /parent row does not exist/, /Insert the parent row first/)
  assert.is(await Person.count(), 1)
})

test('a failed multi-statement insert leaves the table as it was', async () => {
  const rows = Array.from({ length: 3000 }, (_, i) => ({ person_id: i, name: 'p' + i }))
  rows.push({ person_id: 10, name: 'duplicate of row 10' })
  await rejects(Person.insert(rows, { chunkSize: 500 }), dj.DuplicateError)
  assert.is(await Person.count(), 0)
})

test('large inserts are split under max_allowed_packet (MySQL) or 65,535 parameters (PostgreSQL) and all rows arrive', async () => {
  const packet = backend === 'mysql' ? Number((await dj.conn().fetchAll('SELECT @@max_allowed_packet AS n'))[0].n) : 0
  const text = 'x'.repeat(100)
  // three parameters a row: 1.5 times what one statement may take
  const n = backend === 'mysql' ? Math.ceil((packet * 1.5) / 100) : Math.ceil((65535 * 1.5) / 3)
  const rows = Array.from({ length: n }, (_, i) => ({ person_id: i, name: text, nickname: text }))
  await Person.insert(rows)
  assert.is(await Person.count(), n)
})

test('inserting from a query copies the rows server-side', async () => {
  await Person.insert([{ person_id: 1, name: 'A' }, { person_id: 2, name: 'B' }])
  await Pet.insert([{ person_id: 1, pet: 'cat' }])
  await rejects(Pet.insert(Person.restrict({ person_id: 2 })), /not in the table: name/)
  await Copy.deleteQuick()
  await Copy.insert(Person.restrict({ person_id: 2 }), { ignoreExtraFields: true })
  await Copy.insert(Person, { ignoreExtraFields: true, skipDuplicates: true })
  assert.equal(await Copy.fetch({ orderBy: 'person_id' }), [{ person_id: 1, name: 'A' }, { person_id: 2, name: 'B' }])
  assert.match(Copy.toSQL().sql, backend === 'mysql' ? /^SELECT `person_id`,`name` FROM `[^`]+`\.`copy`$/ : /^SELECT "person_id","name" FROM "[^"]+"\."copy"$/)
})

test('auto-populated tables refuse direct inserts unless allowed', async () => {
  await Person.insert1({ person_id: 1, name: 'A' })
  await rejects(Derived.insert1({ person_id: 1, score: 1 }), /can only be done inside its make\(\)/, /allowDirectInsert: true/)
  await Derived.insert1({ person_id: 1, score: 0.5 }, { allowDirectInsert: true })
  assert.equal(await Derived.fetch(), [{ person_id: 1, score: 0.5 }])
})

test('update1 changes one row found by its key', async () => {
  await Person.insert([{ person_id: 1, name: 'A', nickname: 'a' }, { person_id: 2, name: 'B' }])
  await Person.update1({ person_id: 1, name: "A'1", nickname: null, height: 3 })
  assert.equal(await Person.restrict({ person_id: 1 }).fetch1().then((r) => [r.name, r.nickname, r.height]), ["A'1", 'none', 3])
  await rejects(Person.update1({ person_id: 7, name: 'x' }), /no row has the primary key \{"person_id":7\}/)
  await rejects(Person.update1({ name: 'x' }), /must contain the whole primary key; missing person_id/)
  await rejects(Person.update1({ person_id: 1, wrong: 1 }), dj.UnknownAttributeError)
  await rejects(Person.restrict({ person_id: 1 }).update1({ person_id: 1, name: 'x' }), /the table is restricted/)
  assert.is((await Person.restrict({ person_id: 2 }).fetch1()).name, 'B')
})

test.run()
