/**
 * The definition language without a database: parsing (parse.ts), type classification and
 * comment markers (types.ts, marker.ts), and the MySQL column types, defaults and DDL text
 * (mysql-types.ts, mysql.ts). Expected values follow datajoint-spec §4 and storage-format §4-5
 * (DataJoint 2.x).
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { declare } from '../../runtime/definition/declare.js'
import { splitMarker } from '../../runtime/definition/marker.js'
import { parseDefinition, splitTopLevel, type AttributeLine, type ForeignKeyLine, type KeyLine } from '../../runtime/definition/parse.js'
import { classifyType, commentMarker } from '../../runtime/definition/types.js'
import type { ColumnDef } from '../../runtime/dialect/dialect.js'
import { mysqlColumnType, normalizeMysqlType } from '../../runtime/dialect/mysql-types.js'
import { mysqlDialect } from '../../runtime/dialect/mysql.js'
import { DataJointError } from '../../runtime/errors.js'

// ---------------------------------------------------------------- helpers

/** The DataJointError thrown by fn (fails the test if fn does not throw one). */
function djError(fn: () => unknown): DataJointError {
  try {
    fn()
  } catch (e) {
    if (e instanceof DataJointError) return e
    throw e
  }
  assert.unreachable('expected a DataJointError')
  throw new Error('unreachable')
}

async function djRejection(p: Promise<unknown>): Promise<DataJointError> {
  try {
    await p
  } catch (e) {
    if (e instanceof DataJointError) return e
    throw e
  }
  assert.unreachable('expected a DataJointError')
  throw new Error('unreachable')
}

/** The only line of a one-line definition's primary section. */
function only(definition: string): KeyLine {
  const p = parseDefinition(definition)
  assert.is(p.primary.length, 1, `one primary-key line in ${JSON.stringify(definition)}`)
  assert.is(p.secondary.length, 0)
  return p.primary[0]!
}

function attr(definition: string): AttributeLine {
  const l = only(definition)
  assert.is(l.kind, 'attribute')
  return l as AttributeLine
}

function fk(definition: string): ForeignKeyLine {
  const l = only(definition)
  assert.is(l.kind, 'foreignKey')
  return l as ForeignKeyLine
}

/** declared type → [MySQL column type, comment marker] */
function mysqlOf(declared: string): [string, string] {
  const spec = classifyType(declared, 'attribute "x" in line 1')
  return [mysqlColumnType(spec), commentMarker(spec)]
}

/** one attribute line → its MySQL column SQL, the way declare() builds it */
function columnOf(line: string): string {
  const a = attr(line)
  const spec = classifyType(a.type, `attribute "${a.name}" in line ${a.line}`)
  const column: ColumnDef = {
    name: a.name,
    sqlType: mysqlColumnType(spec),
    nullable: a.nullable,
    default: a.default !== null && !a.nullable ? mysqlDialect.defaultSql(a.default) : null,
    comment: commentMarker(spec) + a.comment,
  }
  return mysqlDialect.columnSql(column)
}

const noParents = async (): Promise<never> => {
  throw new Error('this definition has no foreign keys')
}
const declareOptions = { schema: 'db', table: 'test', dialect: mysqlDialect, resolve: noParents, label: 'Test' }

// ---------------------------------------------------------------- parseDefinition: structure

test('parse: table comment, primary and secondary sections, index, with raw line numbers', () => {
  const p = parseDefinition(`
    # a test table
    subject_id : int32   # subject
    session = 1 : int16
    ---
    name : varchar(64)  # "quoted" name
    # a comment line is ignored
    index(name)
  `)
  assert.is(p.comment, 'a test table')
  assert.equal(p.primary, [
    { kind: 'attribute', name: 'subject_id', type: 'int32', default: null, nullable: false, comment: 'subject', line: 3, text: 'subject_id : int32   # subject' },
    { kind: 'attribute', name: 'session', type: 'int16', default: '1', nullable: false, comment: '', line: 4, text: 'session = 1 : int16' },
  ])
  assert.equal(p.secondary, [
    { kind: 'attribute', name: 'name', type: 'varchar(64)', default: null, nullable: false, comment: '"quoted" name', line: 6, text: 'name : varchar(64)  # "quoted" name' },
  ])
  assert.equal(p.indexes, [{ kind: 'index', unique: false, attributes: ['name'], line: 8, text: 'index(name)' }])
})

test('parse: empty definition and definition without table comment', () => {
  assert.equal(parseDefinition(''), { comment: '', primary: [], secondary: [], indexes: [] })
  assert.equal(parseDefinition('   \n\n  '), { comment: '', primary: [], secondary: [], indexes: [] })
  const p = parseDefinition('a : int32\n# not the table comment\n---\nb : int32')
  assert.is(p.comment, '')
  assert.equal(p.primary.map((l) => (l as AttributeLine).name), ['a'])
  assert.equal(p.secondary.map((l) => (l as AttributeLine).name), ['b'])
})

test('parse: the table comment is the first non-empty line only; "#" alone gives an empty comment', () => {
  assert.is(parseDefinition('\n\n   #   spaced comment   \na : int32').comment, 'spaced comment')
  assert.is(parseDefinition('#\na : int32').comment, '')
  assert.is(parseDefinition('#first\n#second\na : int32').comment, 'first')
})

test('parse: a table comment starting with ":" is an error naming line and text', () => {
  const e = djError(() => parseDefinition('\n  # :int32: sneaky\n  a : int32'))
  assert.is(e.reason, 'The table comment may not start with a colon in line 2 of the definition: `# :int32: sneaky`')
})

test('parse: CRLF line endings are handled and line numbers still count raw lines', () => {
  const p = parseDefinition('\r\n  # tab  \r\n  a : int32\r\n  ---\r\n  b = null : <blob>  # c\r\n index(b)\r\n')
  assert.is(p.comment, 'tab')
  assert.equal(p.primary, [{ kind: 'attribute', name: 'a', type: 'int32', default: null, nullable: false, comment: '', line: 3, text: 'a : int32' }])
  assert.equal(p.secondary, [{ kind: 'attribute', name: 'b', type: '<blob>', default: 'null', nullable: true, comment: 'c', line: 5, text: 'b = null : <blob>  # c' }])
  assert.equal(p.indexes, [{ kind: 'index', unique: false, attributes: ['b'], line: 6, text: 'index(b)' }])
})

test('parse: any run of three or more dashes separates the sections; a second separator is refused', () => {
  const p = parseDefinition('a : int32\n---------- secondary\nb : int32')
  assert.is(p.primary.length, 1)
  assert.is(p.secondary.length, 1)
  assert.is(parseDefinition('---\nb : int32').primary.length, 0)
  const e = djError(() => parseDefinition('a : int32\n---\nb : int32\n---\nc : int32'))
  assert.is(e.reason, 'A second "---" separator in line 4 of the definition: `---`')
})

test('parse: a definition that is not a string is refused', () => {
  const e = djError(() => parseDefinition(42 as unknown as string))
  assert.is(e.reason, 'The table definition must be a string.')
})

// ---------------------------------------------------------------- attribute lines

test('attribute: name, default, type and comment with whitespace stripped', () => {
  assert.equal(attr('  x=5:int32#the comment  '), {
    kind: 'attribute', name: 'x', type: 'int32', default: '5', nullable: false, comment: 'the comment', line: 1, text: 'x=5:int32#the comment',
  })
  assert.equal(attr('   unit_id   =   "abc"   :   varchar(40)   #   padded   '), {
    kind: 'attribute', name: 'unit_id', type: 'varchar(40)', default: '"abc"', nullable: false, comment: 'padded', line: 1,
    text: 'unit_id   =   "abc"   :   varchar(40)   #   padded',
  })
  const a = attr('x : int32 #')
  assert.is(a.comment, '')
  assert.is(a.default, null)
})

test('attribute: "= null" (any case) makes it nullable; a quoted "null" does not', () => {
  const a = attr('x = null : int32')
  assert.is(a.nullable, true)
  assert.is(a.default, 'null')
  assert.is(attr('x = NULL : int32').nullable, true)
  assert.is(attr('x = Null : int32').nullable, true)
  const q = attr('x = "null" : varchar(4)')
  assert.is(q.nullable, false)
  assert.is(q.default, '"null"')
  assert.is(attr('x = nullable : varchar(8)').nullable, false)
})

test('attribute: an attribute called "index" (no parentheses) is an attribute in 2.x', () => {
  const p = parseDefinition('index : int32\n---\nindex_value : float32\nunique_id : int32')
  assert.equal(p.indexes, [])
  assert.equal(p.primary.map((l) => [(l as AttributeLine).name, (l as AttributeLine).type]), [['index', 'int32']])
  assert.equal(p.secondary.map((l) => [(l as AttributeLine).name, (l as AttributeLine).type]), [['index_value', 'float32'], ['unique_id', 'int32']])
  const d = attr('index = 3 : int16  # index (position) of the item')
  assert.is(d.name, 'index')
  assert.is(d.default, '3')
  assert.is(d.comment, 'index (position) of the item')
})

test('attribute: enum values holding "#" or ":" are part of the type, not a comment', () => {
  const a = attr("x : enum('a#b', 'c:d') # real comment")
  assert.is(a.type, "enum('a#b', 'c:d')")
  assert.is(a.comment, 'real comment')
  const b = attr('x : enum("one#1", "two#2")')
  assert.is(b.type, 'enum("one#1", "two#2")')
  assert.is(b.comment, '')
})

test('attribute: enum type is kept as written', () => {
  const a = attr("sex : enum('F', 'M', 'U')  # sex")
  assert.is(a.type, "enum('F', 'M', 'U')")
  assert.is(a.comment, 'sex')
})

test('attribute: quoted defaults may hold ":", "#", "=" and escaped quotes', () => {
  let a = attr('t = "12:30" : varchar(5) # time')
  assert.equal([a.name, a.default, a.type, a.comment], ['t', '"12:30"', 'varchar(5)', 'time'])
  a = attr("x = 'a#b' : varchar(5) # real")
  assert.equal([a.default, a.type, a.comment], ["'a#b'", 'varchar(5)', 'real'])
  a = attr('x = "a=b" : varchar(5)')
  assert.equal([a.name, a.default], ['x', '"a=b"'])
  a = attr('x = "say \\"hi\\": ok" : varchar(20) # c')
  assert.equal([a.default, a.type, a.comment], ['"say \\"hi\\": ok"', 'varchar(20)', 'c'])
  a = attr("x = 'it''s' : varchar(5)")
  assert.equal([a.default, a.type], ["'it''s'", 'varchar(5)'])
})

test('attribute: CURRENT_TIMESTAMP(3) default keeps its parentheses', () => {
  const a = attr('ts = CURRENT_TIMESTAMP(3) : datetime(3)  # when')
  assert.equal([a.default, a.type, a.comment], ['CURRENT_TIMESTAMP(3)', 'datetime(3)', 'when'])
})

test('attribute: comments keep quotes, backslashes, colons, "#" and "->" as written', () => {
  const a = attr('x : int32 # it\'s a "test" \\ back: slash # two -> arrows')
  assert.is(a.comment, 'it\'s a "test" \\ back: slash # two -> arrows')
  assert.is(a.type, 'int32')
  assert.is(attr('x : varchar(10) # see (note').comment, 'see (note')
  assert.is(attr('x : varchar(10) # a <b').comment, 'a <b')
  assert.is(attr('x : int32 # a: b').comment, 'a: b')
})

test('attribute: an arrow after "#" or a quote does not make a foreign key', () => {
  assert.is(attr('x : int32 # maps a -> b').name, 'x')
  assert.is(attr('x = "->" : varchar(4)').default, '"->"')
  assert.is(attr("x : enum('a->b', 'c')").type, "enum('a->b', 'c')")
})

test('attribute: codec types with "@" and a comment', () => {
  const a = attr('data = null : <blob@store1>  # raw data')
  assert.equal([a.type, a.nullable, a.comment], ['<blob@store1>', true, 'raw data'])
  assert.is(attr('d : <blob@>').type, '<blob@>')
})

test('attribute: invalid names are refused, naming the line and its text', () => {
  let e = djError(() => parseDefinition('a : int32\nBad_name : int32'))
  assert.is(e.reason, 'Invalid attribute name "Bad_name" in line 2 of the definition: `Bad_name : int32`')
  e = djError(() => parseDefinition('2x : int32'))
  assert.is(e.reason, 'Invalid attribute name "2x" in line 1 of the definition: `2x : int32`')
  e = djError(() => parseDefinition('my-name : int32'))
  assert.is(e.reason, 'Invalid attribute name "my-name" in line 1 of the definition: `my-name : int32`')
  e = djError(() => parseDefinition('my name = 3 : int32'))
  assert.is(e.reason, 'Invalid attribute name "my name" in line 1 of the definition: `my name = 3 : int32`')
})

test('attribute: a leading underscore is reserved for platform columns', () => {
  const e = djError(() => parseDefinition('\n  a : int32\n  ---\n  _hidden : int32  # no'))
  assert.is(e.reason, 'Attribute names may not start with an underscore in line 4 of the definition: `_hidden : int32  # no`')
  assert.match(e.message, /reserved for hidden platform columns/)
})

test('attribute: a line without a colon is refused', () => {
  const e = djError(() => parseDefinition('a : int32\n\nx int32 # no colon'))
  assert.is(e.reason, 'Expected "name : type" (or "-> Parent", or "index(...)") in line 3 of the definition: `x int32 # no colon`')
})

test('attribute: a colon only inside quotes does not count as the name/type separator', () => {
  const e = djError(() => parseDefinition('x = "a:b"'))
  assert.is(e.reason, 'Expected "name : type" (or "-> Parent", or "index(...)") in line 1 of the definition: `x = "a:b"`')
})

test('attribute: a missing type is refused', () => {
  let e = djError(() => parseDefinition('x :  # only a comment'))
  assert.is(e.reason, 'Missing type for attribute "x" in line 1 of the definition: `x :  # only a comment`')
  e = djError(() => parseDefinition('a : int32\ny = 3 :'))
  assert.is(e.reason, 'Missing type for attribute "y" in line 2 of the definition: `y = 3 :`')
})

test('attribute: "=" with nothing after it is refused', () => {
  const e = djError(() => parseDefinition('x = : int32'))
  assert.is(e.reason, 'Missing default value after "=" for attribute "x" in line 1 of the definition: `x = : int32`')
})

test('attribute: a comment starting with ":" is refused (it would look like a type marker)', () => {
  let e = djError(() => parseDefinition('x : int32 # :int64: fake'))
  assert.is(e.reason, 'The comment of attribute "x" may not start with a colon in line 1 of the definition: `x : int32 # :int64: fake`')
  e = djError(() => parseDefinition('a : int32\n---\ny : int32 #   : padded'))
  assert.is(e.reason, 'The comment of attribute "y" may not start with a colon in line 3 of the definition: `y : int32 #   : padded`')
})

// ---------------------------------------------------------------- foreign-key lines

test('foreign key: plain, schema-qualified, master, Master.Part', () => {
  assert.equal(fk('-> Parent'), { kind: 'foreignKey', ref: ['Parent'], renames: {}, nullable: false, unique: false, line: 1, text: '-> Parent' })
  assert.equal(fk('-> uni.Student').ref, ['uni', 'Student'])
  assert.equal(fk('->uni . Student').ref, ['uni', 'Student'])
  assert.equal(fk('-> master').ref, ['master'])
  assert.equal(fk('-> lab.Session.Trial').ref, ['lab', 'Session', 'Trial'])
  assert.equal(fk('-> Parent   # the parent').ref, ['Parent'])
  assert.equal(fk("-> Parent # it's (odd").ref, ['Parent'])
})

test('foreign key: options [nullable], [unique], [nullable, unique] in any case and spacing', () => {
  const p = parseDefinition('a : int32\n---\n-> [nullable] Parent\n-> [unique] Other\n-> [nullable, unique] Third\n-> [ NULLABLE , Unique ] uni.Student')
  assert.equal(
    p.secondary.map((l) => {
      const f = l as ForeignKeyLine
      return [f.ref.join('.'), f.nullable, f.unique, f.line]
    }),
    [['Parent', true, false, 3], ['Other', false, true, 4], ['Third', true, true, 5], ['uni.Student', true, true, 6]],
  )
  assert.equal(p.secondary[2], { kind: 'foreignKey', ref: ['Third'], renames: {}, nullable: true, unique: true, line: 5, text: '-> [nullable, unique] Third' })
})

test('foreign key: an invalid option is refused', () => {
  const e = djError(() => parseDefinition('a : int32\n-> [foo] A'))
  assert.is(e.reason, 'Invalid foreign key option "foo" in line 2 of the definition: `-> [foo] A`')
  const u = djError(() => parseDefinition('-> [nullable A'))
  assert.is(u.reason, 'Unclosed "[" in the foreign-key options in line 1 of the definition: `-> [nullable A`')
})

test('foreign key: .proj() renames', () => {
  assert.equal(fk("-> Parent.proj(a='b')"), { kind: 'foreignKey', ref: ['Parent'], renames: { a: 'b' }, nullable: false, unique: false, line: 1, text: "-> Parent.proj(a='b')" })
  assert.equal(fk('-> uni.Student.proj(mentor_id="student_id", other = \'x_y\') # who').renames, { mentor_id: 'student_id', other: 'x_y' })
  assert.equal(fk('-> uni.Student.proj(mentor_id="student_id")').ref, ['uni', 'Student'])
  const g = fk("-> [nullable] Parent .proj( new_name = 'old_name' )")
  assert.equal([g.ref, g.renames, g.nullable], [['Parent'], { new_name: 'old_name' }, true])
  assert.equal(fk('-> Parent.proj()').renames, {})
})

test('foreign key: malformed renames are refused', () => {
  let e = djError(() => parseDefinition('-> A.proj(a=b)'))
  assert.is(e.reason, 'Expected new_name="old_name" in .proj(), found "a=b" in line 1 of the definition: `-> A.proj(a=b)`')
  e = djError(() => parseDefinition("-> A.proj(New='b')"))
  assert.is(e.reason, 'Expected new_name="old_name" in .proj(), found "New=\'b\'" in line 1 of the definition: `-> A.proj(New=\'b\')`')
})

test('foreign key: text before the arrow (the old rename syntax) is refused', () => {
  const e = djError(() => parseDefinition('a : int32\nb -> A'))
  assert.is(e.reason, 'Text before "->" in line 2 of the definition: `b -> A`')
})

test('foreign key: an unreadable reference is refused', () => {
  let e = djError(() => parseDefinition('-> 3A'))
  assert.is(e.reason, 'Cannot read the foreign-key reference "3A" in line 1 of the definition: `-> 3A`')
  e = djError(() => parseDefinition('->'))
  assert.is(e.reason, 'Cannot read the foreign-key reference "" in line 1 of the definition: `->`')
  e = djError(() => parseDefinition('-> A & B'))
  assert.is(e.reason, 'Cannot read the foreign-key reference "A & B" in line 1 of the definition: `-> A & B`')
})

test('foreign key: a quoted full table name, also with tier prefixes and .proj()', () => {
  assert.equal(fk('-> `my_db`.`session`'), {
    kind: 'foreignKey', ref: ['my_db', 'session'], fullName: { schema: 'my_db', table: 'session' }, renames: {}, nullable: false, unique: false, line: 1, text: '-> `my_db`.`session`',
  })
  assert.equal(fk('-> `my_db`.`#lookup`  # a lookup').fullName, { schema: 'my_db', table: '#lookup' })
  const g = fk("-> [nullable] `a`.`__comp__part`.proj(x='y')")
  assert.equal([g.ref, g.fullName, g.renames, g.nullable], [['a', '__comp__part'], { schema: 'a', table: '__comp__part' }, { x: 'y' }, true])
  assert.is(fk('-> uni.Student').fullName, undefined)
})

test('foreign key: position in the definition decides primary vs secondary', () => {
  const p = parseDefinition('-> Subject\nsession : int16\n---\n-> [nullable] Rig\nnote : varchar(255)')
  assert.equal(p.primary.map((l) => l.kind), ['foreignKey', 'attribute'])
  assert.equal(p.secondary.map((l) => l.kind), ['foreignKey', 'attribute'])
  assert.equal((p.secondary[0] as ForeignKeyLine).ref, ['Rig'])
})

// ---------------------------------------------------------------- index lines

test('index: index(a, b) and unique index (a), case-insensitive', () => {
  const p = parseDefinition('a : int32\n---\nb : int32\nindex(a, b)\nunique index (a)\nUNIQUE INDEX(b)\nIndex  ( b )  # trailing comment')
  assert.equal(p.indexes, [
    { kind: 'index', unique: false, attributes: ['a', 'b'], line: 4, text: 'index(a, b)' },
    { kind: 'index', unique: true, attributes: ['a'], line: 5, text: 'unique index (a)' },
    { kind: 'index', unique: true, attributes: ['b'], line: 6, text: 'UNIQUE INDEX(b)' },
    { kind: 'index', unique: false, attributes: ['b'], line: 7, text: 'Index  ( b )  # trailing comment' },
  ])
})

test('index: backticks are stripped and nested parentheses stay in one argument', () => {
  assert.equal(parseDefinition('index(`a`, `b`)').indexes[0]!.attributes, ['a', 'b'])
  assert.equal(parseDefinition("index(a, (json_value(`b`, '$.c' returning char(20))))").indexes[0]!.attributes, ['a', "(json_value(`b`, '$.c' returning char(20)))"])
})

test('index: comparison operators in an expression argument do not hide the next comma', () => {
  // arguments split on top-level commas counting parentheses only (datajoint-python _parse_index_args)
  assert.equal(parseDefinition('index((a > 0), b)').indexes[0]!.attributes, ['(a > 0)', 'b'])
  assert.equal(parseDefinition('index((a < 0), b)').indexes[0]!.attributes, ['(a < 0)', 'b'])
})

test('index: empty lists are refused', () => {
  let e = djError(() => parseDefinition('a : int32\nindex()'))
  assert.is(e.reason, 'An index needs a comma-separated list of attributes in line 2 of the definition: `index()`')
  e = djError(() => parseDefinition('index(a, , b)'))
  assert.is(e.reason, 'An index needs a comma-separated list of attributes in line 1 of the definition: `index(a, , b)`')
})

test('index: a trailing comment that contains parentheses is not part of the attribute list', () => {
  // datajoint-python strips `\s*#.*$` from an index line before reading its arguments
  assert.equal(parseDefinition('a : int32\n---\nb : int32\nindex(a, b)  # fast lookup (by a)').indexes, [
    { kind: 'index', unique: false, attributes: ['a', 'b'], line: 4, text: 'index(a, b)  # fast lookup (by a)' },
  ])
  assert.equal(parseDefinition('unique index(a) # note)').indexes[0]!.attributes, ['a'])
})

test('splitTopLevel: commas inside quotes and brackets do not split', () => {
  assert.equal(splitTopLevel(''), [])
  assert.equal(splitTopLevel('  a  '), ['a'])
  assert.equal(splitTopLevel("a, (b, c), 'x,y', \"p,q\", `r,s`, f(g(1, 2), 3), d"), ['a', '(b, c)', "'x,y'", '"p,q"', '`r,s`', 'f(g(1, 2), 3)', 'd'])
  assert.equal(splitTopLevel('a,'), ['a', ''])
})

// ---------------------------------------------------------------- classifyType

test('classifyType: core types with their arguments', () => {
  assert.equal(classifyType('int64', 'w'), { declared: 'int64', category: 'core', core: 'int64' })
  assert.equal(classifyType('  float32  ', 'w'), { declared: 'float32', category: 'core', core: 'float32' })
  assert.equal(classifyType('varchar(40)', 'w'), { declared: 'varchar(40)', category: 'core', core: 'varchar', args: '40' })
  assert.equal(classifyType('varchar( 40 )', 'w'), { declared: 'varchar( 40 )', category: 'core', core: 'varchar', args: '40' })
  assert.equal(classifyType('char(3)', 'w'), { declared: 'char(3)', category: 'core', core: 'char', args: '3' })
  assert.equal(classifyType('datetime', 'w'), { declared: 'datetime', category: 'core', core: 'datetime' })
  assert.equal(classifyType('datetime(3)', 'w'), { declared: 'datetime(3)', category: 'core', core: 'datetime', args: '3' })
  assert.equal(classifyType('decimal(10, 2)', 'w'), { declared: 'decimal(10, 2)', category: 'core', core: 'decimal', args: '10, 2' })
  assert.equal(classifyType("enum('F', 'M', 'U')", 'w'), { declared: "enum('F', 'M', 'U')", category: 'core', core: 'enum', args: "'F', 'M', 'U'" })
  assert.equal(classifyType('jsonb', 'w'), { declared: 'jsonb', category: 'core', core: 'json' })
  assert.equal(classifyType('INT32', 'w'), { declared: 'INT32', category: 'core', core: 'int32' })
  for (const t of ['int8', 'int16', 'int32', 'int64', 'float32', 'float64', 'bool', 'uuid', 'json', 'bytes', 'date']) {
    assert.equal(classifyType(t, 'w'), { declared: t, category: 'core', core: t }, t)
  }
})

test('classifyType: native types pass through', () => {
  for (const t of [
    'tinyint', 'smallint', 'mediumint', 'int', 'bigint', 'integer', 'int unsigned', 'int(11) unsigned', 'bigint unsigned auto_increment',
    'int auto_increment', 'serial', 'numeric(5,2)', 'float', 'double', 'real', 'float(8,3)', 'double unsigned', 'time', 'time(3)',
    'timestamp', 'timestamp(6)', 'year', 'year(4)', 'tinyblob', 'smallblob', 'mediumblob', 'longblob', 'tinytext', 'text', 'mediumtext', 'longtext',
  ]) {
    assert.equal(classifyType(t, 'w'), { declared: t, category: 'native' }, t)
  }
})

test('classifyType: codecs in and out of the row', () => {
  assert.equal(classifyType('<blob>', 'w'), { declared: '<blob>', category: 'codec', codec: { name: 'blob', store: null }, storage: 'bytes' })
  assert.equal(classifyType('<blob@store>', 'w'), { declared: '<blob@store>', category: 'codec', codec: { name: 'blob', store: 'store' }, storage: 'json' })
  assert.equal(classifyType('<blob@>', 'w'), { declared: '<blob@>', category: 'codec', codec: { name: 'blob', store: '' }, storage: 'json' })
  assert.equal(classifyType('<attach>', 'w'), { declared: '<attach>', category: 'codec', codec: { name: 'attach', store: null }, storage: 'bytes' })
  assert.equal(classifyType('<attach@my-store_2>', 'w'), { declared: '<attach@my-store_2>', category: 'codec', codec: { name: 'attach', store: 'my-store_2' }, storage: 'json' })
  for (const name of ['hash', 'object', 'npy', 'filepath']) {
    assert.equal(classifyType(`<${name}@s1>`, 'w'), { declared: `<${name}@s1>`, category: 'codec', codec: { name, store: 's1' }, storage: 'json' }, name)
  }
  assert.equal(classifyType('< blob @ raw >', 'w').codec, { name: 'blob', store: 'raw' })
})

test('classifyType: store-only codecs without a store are refused', () => {
  for (const name of ['hash', 'object', 'npy', 'filepath']) {
    const e = djError(() => classifyType(`<${name}>`, 'attribute "h" in line 2'))
    assert.is(e.reason, `The codec <${name}> needs a store: write <${name}@storename> (or <${name}@> for the default store) for attribute "h" in line 2.`)
  }
})

test('classifyType: unsupported types name the type and the attribute', () => {
  for (const t of ['tinyinteger', 'blob', 'bit', 'boolean', "set('a','b')", 'varchar', 'char', 'uint8', 'int64 unsigned', 'string', 'varchar(40) binary', 'datetime(x)']) {
    const e = djError(() => classifyType(t, 'attribute "x" in line 3'))
    assert.is(e.reason, `Unsupported attribute type "${t}" for attribute "x" in line 3.`, t)
  }
})

test('classifyType: unknown, malformed codecs and bad store names', () => {
  let e = djError(() => classifyType('<graph>', 'attribute "g" in line 1'))
  assert.is(e.reason, 'Unknown codec <graph> for attribute "g" in line 1.')
  assert.match(e.message, /<blob>, <attach>, <hash>, <object>, <npy>, <filepath>/)
  e = djError(() => classifyType('<Blob>', 'w'))
  assert.is(e.reason, 'Unknown codec <Blob> for w.')
  e = djError(() => classifyType('<>', 'w'))
  assert.is(e.reason, 'Malformed codec type "<>" for w.')
  e = djError(() => classifyType('<blob@a@b>', 'w'))
  assert.is(e.reason, 'Invalid store name "a@b" in <blob@a@b> for w.')
  e = djError(() => classifyType('<bl ob>', 'w'))
  assert.is(e.reason, 'Malformed codec type "<bl ob>" for w.')
  e = djError(() => classifyType('<blob@Store>', 'w'))
  assert.is(e.reason, 'Invalid store name "Store" in <blob@Store> for w.')
  e = djError(() => classifyType('<blob@1st>', 'w'))
  assert.is(e.reason, 'Invalid store name "1st" in <blob@1st> for w.')
})

test('commentMarker: declared text for core and codec types, nothing for native types', () => {
  const m = (t: string) => commentMarker(classifyType(t, 'w'))
  assert.is(m('int64'), ':int64:')
  assert.is(m('varchar(40)'), ':varchar(40):')
  assert.is(m("enum('F', 'M', 'U')"), ":enum('F', 'M', 'U'):")
  assert.is(m('  datetime(3) '), ':datetime(3):')
  assert.is(m('<blob>'), ':<blob>:')
  assert.is(m('<blob@store>'), ':<blob@store>:')
  assert.is(m('<blob@>'), ':<blob@>:')
  assert.is(m('int unsigned'), '')
  assert.is(m('longblob'), '')
})

// ---------------------------------------------------------------- MySQL column types

test('mysqlColumnType: core types (storage-format §4 table)', () => {
  assert.equal(mysqlOf('int8'), ['tinyint', ':int8:'])
  assert.equal(mysqlOf('int16'), ['smallint', ':int16:'])
  assert.equal(mysqlOf('int32'), ['int', ':int32:'])
  assert.equal(mysqlOf('int64'), ['bigint', ':int64:'])
  assert.equal(mysqlOf('float32'), ['float', ':float32:'])
  assert.equal(mysqlOf('float64'), ['double', ':float64:'])
  assert.equal(mysqlOf('bool'), ['tinyint', ':bool:'])
  assert.equal(mysqlOf('uuid'), ['binary(16)', ':uuid:'])
  assert.equal(mysqlOf('json'), ['json', ':json:'])
  assert.equal(mysqlOf('jsonb'), ['json', ':jsonb:'])
  assert.equal(mysqlOf('bytes'), ['longblob', ':bytes:'])
  assert.equal(mysqlOf('date'), ['date', ':date:'])
  assert.equal(mysqlOf('datetime'), ['datetime', ':datetime:'])
  assert.equal(mysqlOf('datetime(3)'), ['datetime(3)', ':datetime(3):'])
  assert.equal(mysqlOf('char(8)'), ['char(8)', ':char(8):'])
  assert.equal(mysqlOf('varchar(40)'), ['varchar(40)', ':varchar(40):'])
  assert.equal(mysqlOf("enum('F', 'M', 'U')"), ["enum('F', 'M', 'U')", ":enum('F', 'M', 'U'):"])
  assert.equal(mysqlOf('decimal(10,2)'), ['decimal(10,2)', ':decimal(10,2):'])
  assert.equal(mysqlOf('INT64'), ['bigint', ':INT64:'])
})

test('mysqlColumnType: codecs store as longblob in the row, json with a store', () => {
  assert.equal(mysqlOf('<blob>'), ['longblob', ':<blob>:'])
  assert.equal(mysqlOf('<blob@store>'), ['json', ':<blob@store>:'])
  assert.equal(mysqlOf('<blob@>'), ['json', ':<blob@>:'])
  assert.equal(mysqlOf('<attach>'), ['longblob', ':<attach>:'])
  assert.equal(mysqlOf('<attach@s>'), ['json', ':<attach@s>:'])
  assert.equal(mysqlOf('<hash@s>'), ['json', ':<hash@s>:'])
  assert.equal(mysqlOf('<object@s>'), ['json', ':<object@s>:'])
  assert.equal(mysqlOf('<npy@s>'), ['json', ':<npy@s>:'])
  assert.equal(mysqlOf('<filepath@s>'), ['json', ':<filepath@s>:'])
})

test('mysqlColumnType: native types are written as declared, without a marker', () => {
  for (const t of ['tinyint', 'year(4)', 'int unsigned', 'longblob', 'text', 'bigint unsigned auto_increment', 'timestamp(6)', 'double']) {
    assert.equal(mysqlOf(t), [t, ''], t)
  }
})

test('normalizeMysqlType: integer display widths are dropped, other sizes kept', () => {
  assert.is(normalizeMysqlType('int(11)'), 'int')
  assert.is(normalizeMysqlType('INT(11)'), 'INT')
  assert.is(normalizeMysqlType('bigint(20) unsigned'), 'bigint unsigned')
  assert.is(normalizeMysqlType('tinyint(1)'), 'tinyint')
  assert.is(normalizeMysqlType('smallint(5) unsigned'), 'smallint unsigned')
  assert.is(normalizeMysqlType('mediumint(8) unsigned zerofill'), 'mediumint unsigned zerofill')
  assert.is(normalizeMysqlType('int'), 'int')
  assert.is(normalizeMysqlType('varchar(20)'), 'varchar(20)')
  assert.is(normalizeMysqlType('char(32)'), 'char(32)')
  assert.is(normalizeMysqlType('binary(16)'), 'binary(16)')
  assert.is(normalizeMysqlType('decimal(10,2)'), 'decimal(10,2)')
  assert.is(normalizeMysqlType('datetime(3)'), 'datetime(3)')
  assert.is(normalizeMysqlType("enum('int(1)','b')"), "enum('int(1)','b')")
})

// ---------------------------------------------------------------- splitMarker

test('splitMarker: core and codec markers', () => {
  assert.equal(splitMarker(':int64:subject id'), { type: 'int64', comment: 'subject id' })
  assert.equal(splitMarker(':int32:'), { type: 'int32', comment: '' })
  assert.equal(splitMarker(':varchar(64):"quoted" name'), { type: 'varchar(64)', comment: '"quoted" name' })
  assert.equal(splitMarker(':decimal(10,2):price: in EUR'), { type: 'decimal(10,2)', comment: 'price: in EUR' })
  assert.equal(splitMarker(':<blob>:'), { type: '<blob>', comment: '' })
  assert.equal(splitMarker(':<blob@store1>:raw: data'), { type: '<blob@store1>', comment: 'raw: data' })
  assert.equal(splitMarker(':<blob@>:x'), { type: '<blob@>', comment: 'x' })
  assert.equal(splitMarker(':bool:singleton primary key'), { type: 'bool', comment: 'singleton primary key' })
})

test('splitMarker: 0.14 markers are read too', () => {
  assert.equal(splitMarker(':uuid:hash of contents (blob), of filename + contents (attach)'), { type: 'uuid', comment: 'hash of contents (blob), of filename + contents (attach)' })
  assert.equal(splitMarker(':blob@store1:'), { type: 'blob@store1', comment: '' })
  assert.equal(splitMarker(':attach:file'), { type: 'attach', comment: 'file' })
})

test('splitMarker: enum values with ":", ")" or quotes do not end the marker', () => {
  assert.equal(splitMarker(":enum('a:b','c'):hi"), { type: "enum('a:b','c')", comment: 'hi' })
  assert.equal(splitMarker(":enum('pending', 'reserved', 'success', 'error', 'ignore'):"), { type: "enum('pending', 'reserved', 'success', 'error', 'ignore')", comment: '' })
  assert.equal(splitMarker(":enum('it''s','b:c'):hi"), { type: "enum('it''s','b:c')", comment: 'hi' })
  assert.equal(splitMarker(':enum("x):","y"):hi: there'), { type: 'enum("x):","y")', comment: 'hi: there' })
  assert.equal(splitMarker(":enum('<','>:'):z"), { type: "enum('<','>:')", comment: 'z' })
})

test('splitMarker: a backslash-escaped quote inside an enum value does not end the quoted value', () => {
  // the parser accepts `enum('it\'s','b:c')` (findOutside honours backslash escapes), so the
  // marker it produces must read back
  assert.equal(splitMarker(":enum('it\\'s','b:c'):x"), { type: "enum('it\\'s','b:c')", comment: 'x' })
})

test('splitMarker: comments without a marker are returned unchanged', () => {
  assert.equal(splitMarker('plain: text'), { type: null, comment: 'plain: text' })
  assert.equal(splitMarker(''), { type: null, comment: '' })
  assert.equal(splitMarker(':int32'), { type: null, comment: ':int32' })
  assert.equal(splitMarker(" :int32:x"), { type: null, comment: ' :int32:x' })
})

test('marker round trip: what declaration writes, splitMarker reads back', () => {
  for (const [declared, comment] of [
    ['int64', 'subject'], ['varchar(40)', ''], ["enum('F', 'M', 'U')", 'sex: F/M/U'], ["enum('a:b', 'c#d')", 'x'], ['<blob@store>', 'raw (big)'], ['datetime(3)', 'when: UTC'],
  ] as const) {
    const spec = classifyType(declared, 'w')
    assert.equal(splitMarker(commentMarker(spec) + comment), { type: declared, comment }, declared)
  }
})

// ---------------------------------------------------------------- MySQL dialect: defaults and columns

test('defaultSql: literals are single-quoted, NULL and CURRENT_TIMESTAMP are not', () => {
  const d = mysqlDialect.defaultSql
  assert.is(d('5'), "'5'")
  assert.is(d('-1.5'), "'-1.5'")
  assert.is(d('abc'), "'abc'")
  assert.is(d('  padded  '), "'padded'")
  assert.is(d('null'), 'NULL')
  assert.is(d('Null'), 'NULL')
  assert.is(d('CURRENT_TIMESTAMP'), 'CURRENT_TIMESTAMP')
  assert.is(d('current_timestamp'), 'CURRENT_TIMESTAMP')
  assert.is(d('CURRENT_TIMESTAMP(3)'), 'CURRENT_TIMESTAMP(3)')
  assert.is(d('now()'), "'now()'")
})

test('defaultSql: double-quoted literals become single-quoted; single-quoted ones are kept', () => {
  const d = mysqlDialect.defaultSql
  assert.is(d('"abc"'), "'abc'")
  assert.is(d('"a\'b"'), "'a''b'")
  assert.is(d('"say \\"hi\\""'), '\'say "hi"\'')
  assert.is(d('""'), "''")
  assert.is(d("'x'"), "'x'")
  assert.is(d("'it''s'"), "'it''s'")
  assert.is(d("''"), "''")
})

test('defaultSql: unquoted text with quotes or backslashes is escaped', () => {
  const d = mysqlDialect.defaultSql
  assert.is(d("a'b"), "'a''b'")
  assert.is(d('a\\b'), "'a\\\\b'")
  assert.is(d('"'), "'\"'")
})

test('columnSql: NOT NULL, defaults, nullable, escaped comments', () => {
  const c = (o: Partial<ColumnDef>) => mysqlDialect.columnSql({ name: 'x', sqlType: 'int', nullable: false, default: null, comment: '', ...o })
  assert.is(c({}), '`x` int NOT NULL')
  assert.is(c({ default: "'5'" }), "`x` int NOT NULL DEFAULT '5'")
  assert.is(c({ nullable: true }), '`x` int DEFAULT NULL')
  assert.is(c({ nullable: true, default: 'NULL' }), '`x` int DEFAULT NULL')
  assert.is(c({ default: 'NULL' }), '`x` int DEFAULT NULL')
  assert.is(c({ sqlType: 'datetime(3)', default: 'CURRENT_TIMESTAMP(3)' }), '`x` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)')
  assert.is(c({ comment: ':int32:subject' }), '`x` int NOT NULL COMMENT ":int32:subject"')
  assert.is(c({ comment: 'a "quoted" \\ back\'s' }), '`x` int NOT NULL COMMENT "a \\"quoted\\" \\\\ back\'s"')
  assert.is(c({ name: 'we`ird' }), '`we``ird` int NOT NULL')
})

test('attribute line to column SQL (storage-format §5.2 lines)', () => {
  assert.is(columnOf('subject_id : int32 # subject'), '`subject_id` int NOT NULL COMMENT ":int32:subject"')
  assert.is(columnOf('x = 5 : int32'), "`x` int NOT NULL DEFAULT '5' COMMENT \":int32:\"")
  assert.is(columnOf('session = 1 : int16'), "`session` smallint NOT NULL DEFAULT '1' COMMENT \":int16:\"")
  assert.is(columnOf('cnt : int64 # how many'), '`cnt` bigint NOT NULL COMMENT ":int64:how many"')
  assert.is(columnOf('name : varchar(64) # "quoted" name'), '`name` varchar(64) NOT NULL COMMENT ":varchar(64):\\"quoted\\" name"')
  assert.is(columnOf('ts = CURRENT_TIMESTAMP : datetime(3)'), '`ts` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP COMMENT ":datetime(3):"')
  assert.is(columnOf('flag : bool'), '`flag` tinyint NOT NULL COMMENT ":bool:"')
  assert.is(columnOf('u = null : uuid'), '`u` binary(16) DEFAULT NULL COMMENT ":uuid:"')
  assert.is(columnOf('meta = null : json'), '`meta` json DEFAULT NULL COMMENT ":json:"')
  assert.is(columnOf('raw = null : bytes'), '`raw` longblob DEFAULT NULL COMMENT ":bytes:"')
  assert.is(columnOf('data = null : <blob>'), '`data` longblob DEFAULT NULL COMMENT ":<blob>:"')
  assert.is(columnOf('big = null : <blob@store1>'), '`big` json DEFAULT NULL COMMENT ":<blob@store1>:"')
  assert.is(columnOf('legacy_int : int unsigned'), '`legacy_int` int unsigned NOT NULL')
  assert.is(columnOf('note = "a\'b" : varchar(8) # it\'s'), "`note` varchar(8) NOT NULL DEFAULT 'a''b' COMMENT \":varchar(8):it's\"")
  assert.is(columnOf("sex = 'U' : enum('F', 'M', 'U')"), "`sex` enum('F', 'M', 'U') NOT NULL DEFAULT 'U' COMMENT \":enum('F', 'M', 'U'):\"")
  assert.is(columnOf('error_message = "" : varchar(2047)'), "`error_message` varchar(2047) NOT NULL DEFAULT '' COMMENT \":varchar(2047):\"")
  assert.is(columnOf('path : varchar(255) # C:\\data'), '`path` varchar(255) NOT NULL COMMENT ":varchar(255):C:\\\\data"')
})

test('an enum declared with double quotes still yields a valid, escaped comment literal', () => {
  // storage-format §4: 2.x leaves the marker unescaped; a new implementation escapes the whole comment
  assert.is(columnOf('sex : enum("M","F")'), '`sex` enum("M","F") NOT NULL COMMENT ":enum(\\"M\\",\\"F\\"):"')
})

// ---------------------------------------------------------------- MySQL dialect: DDL and inserts

test('createTable: columns, primary key, foreign keys, indexes and the table comment', () => {
  const sql = mysqlDialect.createTable({
    schema: 'db',
    table: 'test',
    columns: [
      { name: 'a', sqlType: 'int', nullable: false, default: null, comment: ':int32:x' },
      { name: 'new_b', sqlType: 'varchar(4)', nullable: true, default: null, comment: '' },
    ],
    primaryKey: ['a'],
    foreignKeys: [{ columns: ['a', 'new_b'], parentSchema: 'p', parentTable: '#par', parentColumns: ['a', 'b'] }],
    indexes: [{ unique: true, columns: ['new_b'] }, { unique: false, columns: ['a', 'new_b'] }],
    comment: 'a "t" \\ table',
  })
  assert.is(
    sql,
    'CREATE TABLE IF NOT EXISTS `db`.`test` (\n' +
      '  `a` int NOT NULL COMMENT ":int32:x",\n' +
      '  `new_b` varchar(4) DEFAULT NULL,\n' +
      '  PRIMARY KEY (`a`),\n' +
      '  FOREIGN KEY (`a`,`new_b`) REFERENCES `p`.`#par` (`a`,`b`) ON UPDATE CASCADE ON DELETE RESTRICT,\n' +
      '  UNIQUE INDEX (`new_b`),\n' +
      '  INDEX (`a`,`new_b`)\n' +
      ') ENGINE=InnoDB, COMMENT "a \\"t\\" \\\\ table"',
  )
})

test('createTable: the storage-format §5.2 example declared from its definition', async () => {
  const d = await declare(
    parseDefinition(`
      # a test table
      subject_id : int32   # subject
      session = 1 : int16
      ---
      name : varchar(64)   # "quoted" name
      weight : float32
      ts = CURRENT_TIMESTAMP : datetime(3)
      flag : bool
      u = null : uuid
      meta = null : json
      raw = null : bytes
      data = null : <blob>
      big = null : <blob@store1>
      att = null : <attach>
      fp = null : <filepath@store1>
      obj = null : <object@store1>
      legacy_int : int unsigned
      index(name)
      unique index(weight, flag)
    `),
    declareOptions,
  )
  assert.equal(d.foreignKeys, [])
  assert.equal(d.def.primaryKey, ['subject_id', 'session'])
  assert.equal(d.def.columns.map(mysqlDialect.columnSql), [
    '`subject_id` int NOT NULL COMMENT ":int32:subject"',
    "`session` smallint NOT NULL DEFAULT '1' COMMENT \":int16:\"",
    '`name` varchar(64) NOT NULL COMMENT ":varchar(64):\\"quoted\\" name"',
    '`weight` float NOT NULL COMMENT ":float32:"',
    '`ts` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP COMMENT ":datetime(3):"',
    '`flag` tinyint NOT NULL COMMENT ":bool:"',
    '`u` binary(16) DEFAULT NULL COMMENT ":uuid:"',
    '`meta` json DEFAULT NULL COMMENT ":json:"',
    '`raw` longblob DEFAULT NULL COMMENT ":bytes:"',
    '`data` longblob DEFAULT NULL COMMENT ":<blob>:"',
    '`big` json DEFAULT NULL COMMENT ":<blob@store1>:"',
    '`att` longblob DEFAULT NULL COMMENT ":<attach>:"',
    '`fp` json DEFAULT NULL COMMENT ":<filepath@store1>:"',
    '`obj` json DEFAULT NULL COMMENT ":<object@store1>:"',
    '`legacy_int` int unsigned NOT NULL',
  ])
  assert.equal(d.def.indexes, [{ unique: false, columns: ['name'] }, { unique: true, columns: ['weight', 'flag'] }])
  const sql = mysqlDialect.createTable(d.def)
  assert.ok(sql.startsWith('CREATE TABLE IF NOT EXISTS `db`.`test` (\n  `subject_id` int NOT NULL COMMENT ":int32:subject",\n'))
  assert.ok(sql.endsWith('\n) ENGINE=InnoDB, COMMENT "a test table"'))
})

test('declare: a definition without key attributes becomes a singleton table', async () => {
  const d = await declare(parseDefinition('# singleton\n---\nsetting : varchar(10)'), { ...declareOptions, table: '#config' })
  assert.is(
    mysqlDialect.createTable(d.def),
    'CREATE TABLE IF NOT EXISTS `db`.`#config` (\n' +
      '  `_singleton` tinyint NOT NULL DEFAULT TRUE COMMENT ":bool:singleton primary key",\n' +
      '  `setting` varchar(10) NOT NULL COMMENT ":varchar(10):",\n' +
      '  PRIMARY KEY (`_singleton`)\n' +
      ') ENGINE=InnoDB, COMMENT "singleton"',
  )
})

test('declare: nullable, blob and json key attributes and non-null blob defaults are refused with the line', async () => {
  let e = await djRejection(declare(parseDefinition('\nx = null : int32'), declareOptions))
  assert.is(e.reason, 'Primary key attributes cannot be nullable in line 2 of the definition: `x = null : int32`')
  e = await djRejection(declare(parseDefinition('k : int32\nb : <blob>'), declareOptions))
  assert.is(e.reason, 'Blob, codec and JSON attributes cannot be in the primary key ("b") in line 2 of the definition: `b : <blob>`')
  e = await djRejection(declare(parseDefinition('j : json'), declareOptions))
  assert.is(e.reason, 'Blob, codec and JSON attributes cannot be in the primary key ("j") in line 1 of the definition: `j : json`')
  e = await djRejection(declare(parseDefinition('k : int32\n---\nb = 1 : longblob'), declareOptions))
  assert.is(e.reason, 'The default of blob attribute "b" can only be null in line 3 of the definition: `b = 1 : longblob`')
  e = await djRejection(declare(parseDefinition('k : int32\n---\nb : tinyinteger'), declareOptions))
  assert.is(e.reason, 'Unsupported attribute type "tinyinteger" for attribute "b" in line 3.')
  e = await djRejection(declare(parseDefinition('k : int32\n---\nk : int64'), declareOptions))
  assert.is(e.reason, 'Attribute "k" is declared twice in line 3 of the definition: `k : int64`')
  e = await djRejection(declare(parseDefinition('k : int32\nindex(nope)'), declareOptions))
  assert.is(e.reason, 'The index refers to "nope", which is not an attribute of the table in line 2 of the definition: `index(nope)`')
})

test('insert: plain, replace and skip-duplicates statements around the given value tuples', () => {
  assert.is(mysqlDialect.insert('`db`.`t`', ['a', 'b'], '(?,?)', 'insert', ['a']), 'INSERT INTO `db`.`t` (`a`,`b`) VALUES (?,?)')
  assert.is(
    mysqlDialect.insert('`db`.`t`', ['a', 'b', 'c'], '(?,?,?),(?,DEFAULT,?)', 'insert', ['a']),
    'INSERT INTO `db`.`t` (`a`,`b`,`c`) VALUES (?,?,?),(?,DEFAULT,?)',
  )
  assert.is(mysqlDialect.insert('`db`.`t`', ['a', 'b'], '(?,?)', 'replace', ['a']), 'REPLACE INTO `db`.`t` (`a`,`b`) VALUES (?,?)')
  assert.is(
    mysqlDialect.insert('`db`.`t`', ['a', 'b'], '(?,?),(?,?)', 'skip', ['b', 'a']),
    'INSERT INTO `db`.`t` (`a`,`b`) VALUES (?,?),(?,?) ON DUPLICATE KEY UPDATE `b`=`db`.`t`.`b`',
  )
  assert.is(
    mysqlDialect.insert('`db`.`t`', ['x'], '(?)', 'skip', []),
    'INSERT INTO `db`.`t` (`x`) VALUES (?) ON DUPLICATE KEY UPDATE `x`=`db`.`t`.`x`',
  )
  assert.is(mysqlDialect.insert('`db`.`t`', ['we`ird'], '(?)', 'insert', ['we`ird']), 'INSERT INTO `db`.`t` (`we``ird`) VALUES (?)')
})

test('insertSelect: INSERT/REPLACE ... SELECT with the same duplicate handling', () => {
  const sel = 'SELECT `a`,`b` FROM `db`.`src`'
  assert.is(mysqlDialect.insertSelect('`db`.`t`', ['a', 'b'], sel, 'insert', ['a']), 'INSERT INTO `db`.`t` (`a`,`b`) SELECT `a`,`b` FROM `db`.`src`')
  assert.is(mysqlDialect.insertSelect('`db`.`t`', ['a', 'b'], sel, 'replace', ['a']), 'REPLACE INTO `db`.`t` (`a`,`b`) SELECT `a`,`b` FROM `db`.`src`')
  assert.is(
    mysqlDialect.insertSelect('`db`.`t`', ['a', 'b'], sel, 'skip', ['a']),
    'INSERT INTO `db`.`t` (`a`,`b`) SELECT `a`,`b` FROM `db`.`src` ON DUPLICATE KEY UPDATE `a`=`db`.`t`.`a`',
  )
})

test('quote and fullName escape backticks', () => {
  assert.is(mysqlDialect.quote('a`b'), '`a``b`')
  assert.is(mysqlDialect.fullName('db', '#t'), '`db`.`#t`')
})

test.run()
