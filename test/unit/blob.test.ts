/**
 * The blob corpus made by datajoint-python (test/fixtures/blobs): every case unpacks to its value
 * and packs back to exactly its bytes; corrupted and truncated blobs fail with DataJointError.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import * as dj from '../../runtime/index.js'
import { describe } from '../helpers/describe.js'
import { fixtures } from '../helpers/fixtures.js'

const dir = join(fixtures, 'blobs')
const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { cases: Array<{ name: string }> }
const load = (name: string) => JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8'))

/**
 * Our value must be what Python packed, or what datajoint-python decodes. MATLAB char arrays are
 * ours as char (dtype S1, to pack back as char); Python decodes them as unicode (U1) in the same
 * element order (Python writes 2-D char arrays in memory order, so that order is the blob's).
 */
function sameValue(got: unknown, fx: Record<string, any>): boolean {
  const candidates = [fx.value, fx.decoded, ...Object.values(fx.decoded_by_other_versions ?? {}).map((o: any) => o.decoded)]
  const g = JSON.stringify(got)
  return candidates.some((c) => JSON.stringify(c).replace(/"dtype":"U1"/g, '"dtype":"S1"') === g)
}

for (const { name } of index.cases) {
  test(name, () => {
    const fx = load(name)
    const bin = readFileSync(join(dir, `${name}.bin`))
    const plain = fx.compressed ? readFileSync(join(dir, `${name}.uncompressed.bin`)) : bin
    const value = dj.blob.unpack(bin)
    assert.ok(sameValue(describe(value), fx), `${name}: ${JSON.stringify(describe(value)).slice(0, 300)}\n  value: ${JSON.stringify(fx.value).slice(0, 300)}`)
    const again = dj.blob.pack(value, { compress: false })
    assert.is(again.toString('hex'), plain.toString('hex'), `${name}: repacked bytes`)
    const packed = dj.blob.pack(value)
    if (fx.compressed) {
      assert.is(packed.subarray(0, 14).toString('hex'), bin.subarray(0, 14).toString('hex'), `${name}: compression header`)
    }
    assert.equal(describe(dj.blob.unpack(packed)), describe(value))
  })
}
test('MATLAB vectors of storage-format §8.5 decode to their values', () => {
  const text = dj.blob.unpack(Buffer.from('6D596D0041020000000000000001000000000000001000000000000000040000000000000063006800610072006100630074006500720020007300740072006900' + '6e006700', 'hex')) as InstanceType<typeof dj.blob.NDArray>
  assert.is(text.toString(), 'character string')
  assert.equal(text.shape, [1, 16])
  const m = dj.blob.unpack(Buffer.from('6d596d00410200000000000000020000000000000002000000000000000c0000000000000001000000030000000200000004000000', 'hex')) as InstanceType<typeof dj.blob.NDArray>
  assert.equal([m.dtype, m.shape, [...(m.data as Int32Array)], m.at(0, 1), m.at(1, 0)], ['int32', [2, 2], [1, 3, 2, 4], 2, 3])
})

test('TypeScript values pack as documented', () => {
  const hex = (v: unknown) => dj.blob.pack(v, { compress: false }).toString('hex')
  assert.is(hex(1n), '646a30000a010001')
  assert.is(hex(255n), '646a30000a0200ff00')
  assert.is(hex(-1n), '646a30000a0100ff')
  assert.is(hex(1.5), '646a30000d000000000000f83f')
  assert.is(hex(true), '646a30000b01')
  assert.is(hex('ab'), '646a30000502000000000000006162')
  assert.is(hex(Buffer.from([1, 2])), '646a30000602000000000000000102')
  assert.is(hex(null), '646a3000ff')
  assert.is(hex([1n, 'a']), '646a300002020000000000000004000000000000000a0100010a0000000000000005010000000000000061')
  assert.is(hex(dj.blob.tuple(1n)), '646a300001010000000000000004000000000000000a010001')
  assert.is(hex(new Set([1n])), '646a300003010000000000000004000000000000000a010001')
  assert.is(hex({ a: 1n }), '646a30000401000000000000000a000000000000000501000000000000006104000000000000000a010001')
  assert.is(hex(new Float64Array([1, 2, 3])), '6d596d0041010000000000000003000000000000000600000000000000000000000000f03f00000000000000400000000000000840')
  assert.is(hex(new dj.blob.UUID('12345678-1234-5678-1234-567812345678')), '646a30007512345678123456781234567812345678')
  assert.is(hex(new dj.blob.DateTime('2020-01-02', null)), '646a300074a63a3401ffffffffffffffff')
  assert.is(hex(new dj.blob.DateTime('2020-01-02', '03:04:05.000006')), '646a300074a63a3401467b471407000000')
  assert.is(hex(new Date(Date.UTC(2020, 0, 2, 3, 4, 5))), hex(new dj.blob.DateTime('2020-01-02', '03:04:05')))
  assert.is(hex(new dj.blob.Decimal('1.50')), '646a3000640400000000000000312e3530')
  assert.throws(() => dj.blob.pack(new (class Widget {})()), /Packing a value of type Widget/)
})

test('truncated, corrupted and unknown blobs are clear errors', () => {
  const good = dj.blob.pack(new Float64Array([1, 2, 3]), { compress: false })
  for (let n = 0; n < good.length; n++) {
    assert.throws(() => dj.blob.unpack(good.subarray(0, n)), (e: unknown) => e instanceof dj.DataJointError && /Invalid blob/.test((e as Error).message), `truncated at ${n}`)
  }
  assert.throws(() => dj.blob.unpack(Buffer.from('646a3000ee', 'hex')), /unknown data structure code 0xee/)
  assert.throws(() => dj.blob.unpack(Buffer.from('78797a0041', 'hex')), /unknown protocol "xyz"/)
  assert.throws(() => dj.blob.unpack(Buffer.concat([good, Buffer.from([0])])), /1 bytes left after the value/)
  const z = dj.blob.pack(new Float64Array(1000))
  assert.is(z.subarray(0, 6).toString('latin1'), 'ZL123\0')
  const broken = Buffer.from(z)
  broken[20] ^= 0xff
  assert.throws(() => dj.blob.unpack(broken), (e: unknown) => e instanceof dj.DataJointError)
  assert.throws(() => dj.blob.unpack(Buffer.from('6d596d0050', 'hex')), /sparse arrays/)
})

test.run()
