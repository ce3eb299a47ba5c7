/** Declaring tables on the server: DDL, markers, foreign keys, indexes, and bad definitions. */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { rejects } from '../helpers/assert.js'
import { backend, cleanup, describePg, setupDatabase, showCreate } from '../helpers/db.js'

const dj = setupDatabase()
test.after(cleanup)
const schema = dj.schema('declare')

const normal = (s: string) => s.replace(/\s+/g, ' ').trim()

class Subject extends dj.Manual {
  static override definition = `
  # lab animals
  subject_id : uuid              # universally unique
  ---
  name       : varchar(64)
  weight=null: float64           # grams
  notes = "it's \\"fine\\"" : varchar(200)
  born = CURRENT_TIMESTAMP : timestamp
  `
}
class Species extends dj.Lookup {
  static override definition = `
  species : varchar(32)
  `
  static override contents = [['mouse'], ['rat']]
}
class Recording extends dj.Manual {
  static override definition = `
  -> Subject
  recording : int16
  ---
  -> [nullable] Species
  -> [unique] Subject.proj(twin_id='subject_id')
  data : <blob>
  meta = null : json
  rate : decimal(6,2)
  index(rate)
  `
  static Channel = class extends dj.Part {
    static override definition = `
    -> master
    channel : int8
    `
  }
}
class Filtered extends dj.Computed {
  static override definition = `
  -> Recording
  ---
  ok : bool
  `
}

test('declared DDL carries the 2.x types, markers, defaults, foreign keys and indexes', async () => {
  await schema.declare(Subject, Species, Recording, Filtered)
  const db = schema.database
  // the DDL, pinned per dialect
  if (backend === 'mysql') {
  assert.is(normal(await showCreate(db, 'subject')), normal(`CREATE TABLE \`subject\` (
    \`subject_id\` binary(16) NOT NULL COMMENT ':uuid:universally unique',
    \`name\` varchar(64) NOT NULL COMMENT ':varchar(64):',
    \`weight\` double DEFAULT NULL COMMENT ':float64:grams',
    \`notes\` varchar(200) NOT NULL DEFAULT 'it''s "fine"' COMMENT ':varchar(200):',
    \`born\` timestamp NOT NULL DEFAULT current_timestamp(),
    PRIMARY KEY (\`subject_id\`)
  ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci COMMENT='lab animals'`))
  assert.is(normal(await showCreate(db, 'recording')), normal(`CREATE TABLE \`recording\` (
    \`subject_id\` binary(16) NOT NULL COMMENT ':uuid:universally unique',
    \`recording\` smallint(6) NOT NULL COMMENT ':int16:',
    \`species\` varchar(32) DEFAULT NULL,
    \`twin_id\` binary(16) NOT NULL COMMENT ':uuid:universally unique',
    \`data\` longblob NOT NULL COMMENT ':<blob>:',
    \`meta\` longtext CHARACTER SET utf8mb4 COLLATE utf8mb4_bin DEFAULT NULL COMMENT ':json:' CHECK (json_valid(\`meta\`)),
    \`rate\` decimal(6,2) NOT NULL COMMENT ':decimal(6,2):',
    PRIMARY KEY (\`subject_id\`,\`recording\`),
    UNIQUE KEY \`twin_id\` (\`twin_id\`),
    KEY \`species\` (\`species\`),
    KEY \`rate\` (\`rate\`),
    CONSTRAINT \`recording_ibfk_1\` FOREIGN KEY (\`subject_id\`) REFERENCES \`subject\` (\`subject_id\`) ON UPDATE CASCADE,
    CONSTRAINT \`recording_ibfk_2\` FOREIGN KEY (\`species\`) REFERENCES \`#species\` (\`species\`) ON UPDATE CASCADE,
    CONSTRAINT \`recording_ibfk_3\` FOREIGN KEY (\`twin_id\`) REFERENCES \`subject\` (\`subject_id\`) ON UPDATE CASCADE
  ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci`))
  } else {
    // PostgreSQL: the table from its catalog (the same on a server and on PGlite)
    assert.is(await describePg(db, 'subject'), [
      'subject_id uuid NOT NULL -- :uuid:universally unique',
      'name character varying(64) NOT NULL -- :varchar(64):',
      'weight double precision -- :float64:grams',
      `notes character varying(200) NOT NULL DEFAULT 'it''s "fine"'::character varying -- :varchar(200):`,
      'born timestamp without time zone NOT NULL DEFAULT CURRENT_TIMESTAMP',
      'CONSTRAINT subject_pkey PRIMARY KEY (subject_id)',
      'CREATE UNIQUE INDEX subject_pkey ON subject USING btree (subject_id)',
      'COMMENT lab animals',
    ].join('\n'))
    assert.is(await describePg(db, 'recording'), [
      'subject_id uuid NOT NULL -- :uuid:universally unique',
      'recording smallint NOT NULL -- :int16:',
      'species character varying(32) DEFAULT NULL::character varying',
      'twin_id uuid NOT NULL -- :uuid:universally unique',
      'data bytea NOT NULL -- :<blob>:',
      'meta jsonb -- :json:',
      'rate numeric(6,2) NOT NULL -- :decimal(6,2):',
      'CONSTRAINT recording_pkey PRIMARY KEY (subject_id, recording)',
      'CONSTRAINT recording_species_fkey FOREIGN KEY (species) REFERENCES "#species"(species) ON UPDATE CASCADE ON DELETE RESTRICT',
      'CONSTRAINT recording_subject_id_fkey FOREIGN KEY (subject_id) REFERENCES subject(subject_id) ON UPDATE CASCADE ON DELETE RESTRICT',
      'CONSTRAINT recording_twin_id_fkey FOREIGN KEY (twin_id) REFERENCES subject(subject_id) ON UPDATE CASCADE ON DELETE RESTRICT',
      'CREATE INDEX idx_recording_rate ON recording USING btree (rate)',
      'CREATE UNIQUE INDEX idx_recording_twin_id ON recording USING btree (twin_id)',
      'CREATE UNIQUE INDEX recording_pkey ON recording USING btree (subject_id, recording)',
    ].join('\n'))
  }
  const tables = await schema.listTables()
  assert.equal(tables, ['#species', 'subject', 'recording', '__filtered', 'recording__channel'])
  assert.equal(await Species.fetch({ orderBy: 'species' }), [{ species: 'mouse' }, { species: 'rat' }])
  assert.is(Recording.Channel.tableName, 'recording__channel')
  assert.is(Filtered.tableName, '__filtered')
  assert.equal(Recording.Channel.primaryKey, ['subject_id', 'recording', 'channel'])
  assert.is(Recording.heading.get('data')!.codec!.name, 'blob')
  assert.ok(Recording.heading.get('meta')!.isJson)
  assert.is(Subject.heading.comment, 'lab animals')
})

test('describe() reproduces the definition, including options and renames', async () => {
  assert.is(await Recording.describe(), [
    '-> Subject',
    'recording            : int16',
    '---',
    '-> [nullable] Species',
    '-> [unique] Subject.proj(twin_id="subject_id")',
    'data                 : <blob>',
    'meta=null            : json',
    'rate                 : decimal(6,2)',
    'index(rate)',
    '',
  ].join('\n'))
  assert.is(await Subject.describe(), [
    '# lab animals',
    'subject_id           : uuid                         # universally unique',
    '---',
    'name                 : varchar(64)',
    'weight=null          : float64                      # grams',
    'notes="it\'s \\"fine\\"" : varchar(200)',
    'born=CURRENT_TIMESTAMP : timestamp',
    '',
  ].join('\n'))
  assert.is(await Recording.Channel.describe(), '-> Recording\nchannel              : int8\n---\n')
})

test('declaring again loads existing tables and leaves them as they are', async () => {
  const again = dj.schema('declare')
  class Subject2 extends dj.Manual {}
  Object.defineProperty(Subject2, 'name', { value: 'Subject' })
  await again.declare(Subject2 as typeof dj.Manual)
  assert.equal(Subject2.heading.names, ['subject_id', 'name', 'weight', 'notes', 'born'])
})

test('a table with no primary key is a singleton', async () => {
  class Settings extends dj.Manual {
    static override definition = `
    ---
    mode : varchar(8)
    `
  }
  await schema.declare(Settings)
  assert.equal(Settings.primaryKey, [])
  await Settings.insert1({ mode: 'a' })
  await rejects(Settings.insert1({ mode: 'b' }), dj.DuplicateError)
  assert.equal(await Settings.fetch(), [{ mode: 'a' }])
})

async function declareError(definition: string, Base: typeof dj.Manual = dj.Manual): Promise<Error> {
  const cls = { Broken: class extends Base {} }.Broken
  ;(cls as unknown as { definition: string }).definition = definition
  try {
    await schema.declare(cls)
  } catch (e) {
    assert.instance(e, dj.DataJointError)
    return e as Error
  }
  throw new Error('declaration did not fail')
}

test('bad definitions fail with the line and what was expected, and create nothing', async () => {
  const cases: Array<[string, RegExp]> = [
    ['\n  id : int32\n  ---\n  x : tinyinteger\n', /Unsupported attribute type "tinyinteger" for attribute "x" in line 4/],
    ['\n  id : int32\n  ---\n  Bad_name : int32\n', /Invalid attribute name "Bad_name" in line 4 of the definition: `Bad_name : int32`/],
    ['\n  id int32\n', /Expected "name : type".* in line 2/],
    ['\n  id : int32\n  ---\n  -> Missing\n', /The foreign key reference "Missing" in line 4 .*could not be resolved/],
    ['\n  id : int32\n  ---\n  -> [sorted] Subject\n', /Invalid foreign key option "sorted" in line 4/],
    ['\n  -> [nullable] Subject\n', /Primary dependencies cannot be nullable in line 2/],
    ['\n  id = null : int32\n', /Primary key attributes cannot be nullable in line 2/],
    ['\n  id : int32\n  ---\n  b = 1 : <blob>\n', /default of blob attribute "b" can only be null in line 4/],
    ['\n  id : int32\n  ---\n  x : int32\n  x : int16\n', /Attribute "x" is declared twice in line 5/],
    ['\n  id : int32\n  ---\n  index(nope)\n', /The index refers to "nope".* in line 4/],
    ['\n  id : int32\n  ---\n  _hidden : int32\n', /may not start with an underscore in line 4/],
    ['\n  id : int32\n  ---\n  h : <hash>\n', /codec <hash> needs a store/],
    ['\n  id : int32\n  ---\n  x : int32 # :odd\n', /may not start with a colon in line 4/],
    ['\n  -> Subject.proj(a="nope")\n', /"nope" is not a primary-key attribute of Subject in line 2/],
  ]
  for (const [definition, pattern] of cases) {
    const e = await declareError(definition)
    assert.match(e.message, pattern, definition)
  }
  const computed = await declareError('\n  -> Subject\n  extra : int32\n', dj.Computed)
  assert.match(computed.message, /auto-populated but declares primary-key attribute\(s\) of its own: extra/)
  assert.not.ok((await schema.listTables()).some((t) => t.includes('broken')))
})

test('declare refuses classes that are not tables and undeclared classes say what to do', async () => {
  await rejects(schema.declare(Recording.Channel), /is a Part table: declare its master/)
  class Loose extends dj.Manual {}
  assert.throws(() => Loose.restrict({}), /not declared in a schema.*\n.*schema\.declare\(Loose\)/s)
})

// 0.14 schemas exist on MySQL only (datajoint-python 0.14 had no PostgreSQL backend)
if (backend === 'mysql') test('0.14-compatible schemas refuse 2.x-only types with the native spelling to use', async () => {
  const old = dj.schema('declare_old', { compatibility: '0.14' })
  class Old extends dj.Manual {
    static override definition = 'id : int64\n'
  }
  await rejects(old.declare(Old), /The type int64 is DataJoint 2.x; this schema is 0.14-compatible in line 1.*\nWrite bigint instead/s)
  Old.definition = 'id : bigint\n---\nu : uuid\nflag : bool\n'
  await old.declare(Old)
  assert.is(normal(await showCreate(old.database, 'old')), normal(`CREATE TABLE \`old\` (
    \`id\` bigint(20) NOT NULL, \`u\` binary(16) NOT NULL COMMENT ':uuid:', \`flag\` tinyint(1) NOT NULL,
    PRIMARY KEY (\`id\`) ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci`))
  const lineage = await dj.conn().fetchAll('SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = ? AND table_name = ?', [old.database, '~lineage'])
  assert.is(Number(lineage[0].n), 0)
})

test.run()
