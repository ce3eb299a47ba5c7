import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { cleanup, setupDatabase } from '../helpers/db.js'

const dj = setupDatabase()
test.after(cleanup)

class Mouse extends dj.Manual {
  static override definition = `
  # experimental animals
  mouse_id : int32
  ---
  dob : date
  sex : enum('M','F','U')
  `
}
class Session extends dj.Manual {
  static override definition = `
  -> Mouse
  session : int16
  ---
  session_date : date
  `
  static Trial = class extends dj.Part {
    static override definition = `
    -> master
    trial : int32
    ---
    ok = 1 : bool
    `
  }
}

test('declare, insert, fetch, delete cascade', async () => {
  const schema = dj.schema('smoke')
  await schema.declare(Mouse, Session)
  await Mouse.insert([{ mouse_id: 1, dob: '2024-01-01', sex: 'M' }, { mouse_id: 2, dob: '2024-02-01', sex: 'F' }])
  await Session.insert([[1, 1, '2024-03-01'], [1, 2, '2024-03-02'], [2, 1, '2024-03-03']])
  await Session.Trial.insert([{ mouse_id: 1, session: 1, trial: 1 }, { mouse_id: 1, session: 1, trial: 2, ok: false }])
  assert.equal(await Mouse.restrict({ sex: 'M' }).fetch(), [{ mouse_id: 1, dob: '2024-01-01', sex: 'M' }])
  assert.equal(await Session.Trial.fetch({ orderBy: 'trial' }), [
    { mouse_id: 1, session: 1, trial: 1, ok: true },
    { mouse_id: 1, session: 1, trial: 2, ok: false },
  ])
  const preview = await Mouse.restrict({ mouse_id: 1 }).deletePreview()
  assert.equal(preview.map((p) => [p.table.replace(/`[^`]*`\./, ''), p.rows]), [['`mouse`', 1], ['`session`', 2], ['`session__trial`', 2]])
  assert.is(await Mouse.restrict({ mouse_id: 1 }).delete(), 1)
  assert.is(await Session.count(), 1)
  assert.is(await Session.Trial.count(), 0)
  console.log(await Session.describe())
})

test.run()
