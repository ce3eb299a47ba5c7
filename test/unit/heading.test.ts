/** Reading DataJoint types back from catalog columns: the markers of 2.x and of 0.14. */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { attributeFromCatalog } from '../../runtime/heading/attribute.js'
import { Heading } from '../../runtime/heading/heading.js'

const col = (name: string, columnType: string, comment = '', extra: Partial<{ nullable: boolean; inKey: boolean; default: string | null }> = {}) =>
  attributeFromCatalog({ name, columnType, comment, nullable: false, default: null, inKey: false, autoIncrement: false, ...extra })

test('2.x core-type markers give the declared type and the user comment', () => {
  const a = col('student_id', 'bigint(20)', ':int64:university-wide ID number')
  assert.equal([a.type, a.sqlType, a.comment, a.isNumeric], ['int64', 'bigint', 'university-wide ID number', true])
  const e = col('sex', "enum('F','M','U')", ":enum('F', 'M', 'U'):")
  assert.equal([e.type, e.comment, e.isString], ["enum('F', 'M', 'U')", '', true])
  const b = col('ok', 'tinyint(4)', ':bool:')
  assert.equal([b.type, b.isBool, b.isNumeric], ['bool', true, true])
  const u = col('id', 'binary(16)', ':uuid:key')
  assert.equal([u.type, u.isUuid, u.isNumeric, u.comment], ['uuid', true, false, 'key'])
  const j = col('meta', 'longtext', ':json:')
  assert.ok(j.isJson)
})

test('2.x codecs: in-row and store references', () => {
  const b = col('trace', 'longblob', ':<blob>:signal')
  assert.equal([b.type, b.codec, b.isBlob, b.comment], ['<blob>', { name: 'blob', store: null }, true, 'signal'])
  const s = col('raw', 'json', ':<blob@raw>:')
  assert.equal([s.codec, s.isBlob, s.isJson], [{ name: 'blob', store: 'raw' }, true, false])
  const d = col('f', 'json', ':<attach@>:')
  assert.equal([d.codec, d.isAttachment], [{ name: 'attach', store: '' }, true])
})

test('0.14: native types, unmarked blobs, special-type markers', () => {
  const n = col('course', 'int(10) unsigned', 'course number, e.g. 1010')
  assert.equal([n.type, n.sqlType, n.comment, n.marker], ['int unsigned', 'int unsigned', 'course number, e.g. 1010', null])
  const b = col('data', 'longblob', 'raw data')
  assert.equal([b.type, b.codec, b.isBlob, b.isExternal], ['longblob', { name: 'blob', store: null }, true, false])
  const x = col('ext', 'binary(16)', ':blob@external:some data')
  assert.equal([x.codec, x.isExternal, x.comment], [{ name: 'blob', store: 'external' }, true, 'some data'])
  const f = col('file', 'binary(16)', ':filepath@repo:')
  assert.equal([f.codec, f.isExternal], [{ name: 'filepath', store: 'repo' }, true])
  const a = col('doc', 'longblob', ':attach:')
  assert.equal([a.codec, a.isAttachment], [{ name: 'attach', store: null }, true])
  assert.ok(col('_hidden_ts', 'timestamp').isHidden)
})

test('a heading hides "_" columns and lists the key first in order', () => {
  const h = new Heading([
    col('_singleton', 'tinyint(4)', ':bool:singleton primary key', { inKey: true }),
    col('a', 'int(11)', ':int32:', { inKey: true }),
    col('b', 'varchar(8)', ':varchar(8):note', { nullable: true }),
  ], 'things')
  assert.equal(h.names, ['a', 'b'])
  assert.equal(h.primaryKey, ['a'])
  assert.equal(h.secondaryAttributes, ['b'])
  assert.not.ok(h.has('_singleton'))
  assert.is(h.toString(), '# things\na                    : int32\n---\nb=null               : varchar(8)                   # note')
})

test.run()
