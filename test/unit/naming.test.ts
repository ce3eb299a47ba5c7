import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { parseTableName, tableNameFor, toCamelCase, toSnakeCase } from '../../runtime/table/naming.js'

test('class names become snake case letter by letter (storage-format rule)', () => {
  assert.is(toSnakeCase('ProcessedEMG'), 'processed_e_m_g')
  assert.is(toSnakeCase('Session2P'), 'session2_p')
  assert.is(toSnakeCase('ABC'), 'a_b_c')
  assert.is(toCamelCase('processed_e_m_g'), 'ProcessedEMG')
})

test('tier prefixes and part names', () => {
  assert.is(tableNameFor('Species', 'lookup'), '#species')
  assert.is(tableNameFor('Recording', 'imported'), '_recording')
  assert.is(tableNameFor('SpikeSort', 'computed'), '__spike_sort')
  assert.is(tableNameFor('Unit', 'part', '__spike_sort'), '__spike_sort__unit')
  assert.equal(parseTableName('__spike_sort__unit'), { tier: 'part', master: '__spike_sort', part: 'unit', className: 'Unit' })
  assert.equal(parseTableName('#letter_grade'), { tier: 'lookup', master: '#letter_grade', className: 'LetterGrade' })
  assert.is(parseTableName('~jobs')!.tier, 'hidden')
  assert.is(parseTableName('BadName'), null)
})

test('invalid class names are refused with the rule', () => {
  assert.throws(() => toSnakeCase('bad_name'), /CamelCase/)
})

test.run()
