/** Cascading delete, drop, alter and schema operations on the real server. */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { rejects } from '../helpers/assert.js'
import { backend, cleanup, setupDatabase } from '../helpers/db.js'

const dj = setupDatabase()
test.after(async () => {
  dj.setPrompter(null)
  await cleanup()
})
const schema = dj.schema('cascade')

class Lab extends dj.Manual {
  static override definition = `
  lab : varchar(16)
  `
}
class Mouse extends dj.Manual {
  static override definition = `
  -> Lab
  mouse : int32
  ---
  -> [nullable] Lab.proj(foster_lab='lab')
  `
}
class Session extends dj.Manual {
  static override definition = `
  -> Mouse
  session : int16
  `
  static Trial = class extends dj.Part {
    static override definition = `
    -> master
    trial : int32
    ---
    -> [nullable] Stimulus
    `
  }
}
class Stimulus extends dj.Lookup {
  static override definition = `
  stim : varchar(8)
  `
  static override contents = [['flash'], ['tone']]
}
/** reached from Lab by two paths: through Mouse and directly */
class Note extends dj.Manual {
  static override definition = `
  -> Session
  -> Lab.proj(author_lab='lab')
  note : int8
  `
}

const names = (preview: Array<{ table: string; rows: number }>) => Object.fromEntries(preview.filter((p) => p.rows).map((p) => [p.table.split('.')[1]!.replace(/[`"]/g, ''), p.rows]))

let dropped = false
async function fill() {
  dj.config.set('safemode', false)
  if (dropped) return
  for (const t of [Note, Session.Trial, Session, Mouse, Lab]) await t.deleteQuick()
  await Stimulus.insert([['flash'], ['tone']], { skipDuplicates: true })
  await Lab.insert([['a'], ['b'], ['c']])
  await Mouse.insert([
    { lab: 'a', mouse: 1, foster_lab: null },
    { lab: 'a', mouse: 2, foster_lab: 'b' },
    { lab: 'b', mouse: 1, foster_lab: null },
  ])
  await Session.insert([['a', 1, 1], ['a', 1, 2], ['a', 2, 1], ['b', 1, 1]])
  await Session.Trial.insert([['a', 1, 1, 1, 'flash'], ['a', 1, 1, 2, null], ['b', 1, 1, 1, 'tone']])
  await Note.insert([
    { lab: 'a', mouse: 1, session: 1, author_lab: 'c', note: 1 },
    { lab: 'b', mouse: 1, session: 1, author_lab: 'a', note: 1 },
  ])
}

test.before(async () => {
  await schema.declare(Lab, Mouse, Session, Stimulus, Note)
})
test.before.each(fill)

test('the preview counts the rows every table would lose, over renamed and parallel paths', async () => {
  assert.equal(names(await Lab.restrict({ lab: 'a' }).deletePreview()), { lab: 1, mouse: 2, session: 3, note: 2, session__trial: 2 })
  // foster_lab is a renamed foreign key: deleting lab b takes mouse (a,2) with it
  assert.equal(names(await Lab.restrict({ lab: 'b' }).deletePreview()), { lab: 1, mouse: 2, session: 2, note: 1, session__trial: 1 })
  assert.equal(names(await Lab.restrict({ lab: 'c' }).deletePreview()), { lab: 1, note: 1 })
})

test('delete cascades in one statement per table and returns the rows of the table itself', async () => {
  assert.is(await Lab.restrict({ lab: 'a' }).delete(), 1)
  assert.equal(await Lab.fetch({ orderBy: 'lab' }), [{ lab: 'b' }, { lab: 'c' }])
  assert.equal(await Mouse.fetch(), [{ lab: 'b', mouse: 1, foster_lab: null }])
  assert.equal(await Session.Trial.fetch(), [{ lab: 'b', mouse: 1, session: 1, trial: 1, stim: 'tone' }])
  assert.equal(await Note.fetch(), [])
  assert.is(await Stimulus.count(), 2)
})

test('a restriction by a dependent table is fixed before its rows go', async () => {
  assert.is(await Lab.restrict(Note.restrict({ author_lab: 'c' })).delete(), 1)
  assert.equal(await Lab.fetch({ orderBy: 'lab' }), [{ lab: 'b' }, { lab: 'c' }])
})

test('nothing matching deletes nothing', async () => {
  assert.is(await Lab.restrict({ lab: 'zzz' }).delete(), 0)
  assert.is(await Lab.restrict(false).delete(), 0)
  assert.is(await Session.Trial.count(), 3)
})

test('part integrity: parts go with their masters', async () => {
  await rejects(Session.Trial.restrict({ trial: 1 }).delete(), /Cannot delete from the part table Session\.Trial/, /partIntegrity: 'ignore'/)
  const e = await rejects(Stimulus.restrict({ stim: 'flash' }).delete(), /part table .*session__trial.* before deleting from its master .*session/)
  assert.ok(e.message.includes("partIntegrity: 'cascade'"))
  assert.is(await Stimulus.count(), 2)
  assert.is(await Session.Trial.count(), 3)
  // cascade: the master of the affected part row goes, with all its parts and dependents
  assert.is(await Stimulus.restrict({ stim: 'flash' }).delete({ partIntegrity: 'cascade' }), 1)
  assert.equal(await Session.keys({ orderBy: ['lab', 'mouse', 'session'] }), [{ lab: 'a', mouse: 1, session: 2 }, { lab: 'a', mouse: 2, session: 1 }, { lab: 'b', mouse: 1, session: 1 }])
  assert.is(await Session.Trial.count(), 1)
  assert.is(await Note.count(), 1)
  assert.is(await Session.Trial.restrict({ lab: 'b' }).delete({ partIntegrity: 'ignore' }), 1)
})

test('safemode asks once; "no" keeps everything, "yes" commits; without a terminal it refuses', async () => {
  dj.config.set('safemode', true)
  const asked: string[] = []
  dj.setPrompter(async (q) => (asked.push(q), 'no'))
  assert.is(await Lab.restrict({ lab: 'a' }).delete(), 0)
  assert.equal(asked, ['Commit deletes? [yes, No]: '])
  assert.is(await Lab.count(), 3)
  dj.setPrompter(async () => 'yes')
  assert.is(await Lab.restrict({ lab: 'c' }).delete(), 1)
  dj.setPrompter(null)
  await rejects(Lab.restrict({ lab: 'b' }).delete(), dj.ConfirmationRequired, /no terminal/, /prompt: false/)
  assert.is(await Lab.count(), 2)
  assert.is(await Lab.restrict({ lab: 'b' }).delete({ prompt: false }), 1)
})

test('deleteQuick does not cascade: referenced rows make it fail and change nothing', async () => {
  await rejects(Lab.restrict({ lab: 'a' }).deleteQuick(), dj.IntegrityError, /rows in another table refer to it/)
  assert.is(await Lab.count(), 3)
  assert.is(await Note.restrict({ author_lab: 'c' }).deleteQuick(), 1)
})

test('alter changes secondary attributes after showing the statement', async () => {
  class Box extends dj.Manual {
    static override definition = `
    box : int32
    ---
    size : float32
    color : varchar(8)
    `
  }
  await schema.declare(Box)
  await Box.insert1({ box: 1, size: 2, color: 'red' })
  Box.definition = `
  # boxes
  box : int32
  ---
  size : float64       # cm
  colour = "red" : varchar(16)   # {color} renamed
  weight = null : float32
  `
  const sql = await Box.alter({ dryRun: true })
  // the statement, pinned per dialect
  if (backend === 'mysql') {
    assert.is(sql!.replace(/`[^`]+`\.`box`/, 'T'), 'ALTER TABLE T MODIFY `size` double NOT NULL COMMENT ":float64:cm", CHANGE `color` `colour` varchar(16) NOT NULL DEFAULT \'red\' COMMENT ":varchar(16):renamed", ADD `weight` float DEFAULT NULL COMMENT ":float32:" AFTER `colour`, COMMENT="boxes"')
  } else {
    assert.is(sql!.replace(/"[^"]+"\."box"/g, 'T'), [
      'ALTER TABLE T ALTER COLUMN "size" TYPE double precision USING "size"::text::double precision',
      'ALTER TABLE T ALTER COLUMN "size" SET NOT NULL',
      'ALTER TABLE T ALTER COLUMN "size" DROP DEFAULT',
      'ALTER TABLE T RENAME COLUMN "color" TO "colour"',
      'ALTER TABLE T ALTER COLUMN "colour" TYPE varchar(16) USING "colour"::text::varchar(16)',
      'ALTER TABLE T ALTER COLUMN "colour" SET NOT NULL',
      'ALTER TABLE T ALTER COLUMN "colour" SET DEFAULT \'red\'',
      'ALTER TABLE T ADD COLUMN "weight" real DEFAULT NULL',
      'COMMENT ON COLUMN T."size" IS \':float64:cm\'',
      'COMMENT ON COLUMN T."colour" IS \':varchar(16):renamed\'',
      'COMMENT ON COLUMN T."weight" IS \':float32:\'',
      'COMMENT ON TABLE T IS \'boxes\'',
    ].join(';\n'))
  }
  dj.config.set('safemode', true)
  dj.setPrompter(async () => 'yes')
  await Box.alter()
  dj.setPrompter(null)
  assert.equal(await Box.fetch(), [{ box: 1, size: 2, colour: 'red', weight: null }])
  assert.is(await Box.describe(), '# boxes\nbox                  : int32\n---\nsize                 : float64                      # cm\ncolour="red"         : varchar(16)                  # renamed\nweight=null          : float32\n')
  assert.is(await Box.alter({ prompt: false }), null)
  Box.definition = 'box : int64\n---\nsize : float64\n'
  await rejects(Box.alter({ prompt: false }), /cannot change the primary key/)
})

test('drop removes dependents first; parts only with their masters', async () => {
  await rejects(Session.Trial.drop(), /drop the part table .*session__trial.* before its master/i)
  dj.config.set('safemode', true)
  const asked: string[] = []
  dj.setPrompter(async (q) => (asked.push(q), 'no'))
  await Mouse.drop()
  assert.equal(asked, ['Proceed? [yes, No]: '])
  assert.ok((await schema.listTables()).includes('mouse'))
  dj.setPrompter(null)
  await Mouse.drop({ prompt: false })
  dropped = true
  assert.equal(await schema.listTables(), ['#stimulus', 'box', 'lab'])
})

test('schemas: list, open, drop with confirmation', async () => {
  assert.ok((await dj.listSchemas()).includes(schema.database))
  await rejects(dj.openSchema('no_such_schema'), /does not exist/, /listSchemas/)
  const opened = await dj.openSchema('cascade')
  assert.equal(Object.keys(opened.tables).sort(), ['Box', 'Lab', 'Stimulus'])
  dj.config.set('safemode', true)
  await rejects(schema.drop(), dj.ConfirmationRequired)
  assert.ok(await schema.exists())
  await schema.drop({ prompt: false })
  assert.not.ok(await schema.exists())
})

test.run()
