/**
 * The README's tour, run as a new user would: its code block piped into the `dj` REPL on the
 * real server, safemode on, answering the question with the line that follows it.
 */
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { cleanup, prefix, setupDatabase } from '../helpers/db.js'

setupDatabase()
test.after(cleanup)

const root = fileURLToPath(new URL('../..', import.meta.url))
const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')

test('the tour defines two tables, inserts, queries and deletes with a cascade preview', () => {
  const block = /<!-- tour -->\s*```js\n([\s\S]*?)```\s*<!-- \/tour -->/.exec(readme)
  assert.ok(block, 'README has a tour block')
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'kernel/cli.ts'], {
    cwd: root,
    input: block![1],
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, DJ_HOST: process.env.DJ_HOST ?? '127.0.0.1', DJ_USER: process.env.DJ_USER ?? 'root', DJ_DATABASE_PREFIX: prefix, DJ_SAFEMODE: 'true' },
  })
  const out = r.stdout + r.stderr
  assert.is(r.status, 0, out)
  assert.not.match(out, /Uncaught|Error/, out)
  const db = `${prefix}tutorial`
  assert.ok(out.includes(`{ mouse_id: 2, dob: '2024-02-11', sex: 'F' }`), out)
  assert.ok(out.includes('[ { mouse_id: 2 } ]'), out)
  assert.ok(out.includes(`{ table: '\`${db}\`.\`mouse\`', rows: 1 }`), out)
  assert.ok(out.includes(`{ table: '\`${db}\`.\`session\`', rows: 2 }`), out)
  assert.ok(out.includes(`Deleting 2 rows from \`${db}\`.\`session\``), out)
  assert.ok(out.includes('Commit deletes? [yes, No]: yes'), out)
  assert.ok(out.includes('-> Mouse\nsession              : int16\n---\nsession_date         : date\nnotes=""             : varchar(255)\n'), out)
  assert.match(out, /dj> 1\n/)
  assert.ok(out.includes('*mouse_id    *session    sex    day\n+----------+ +---------+ +----+ +----+\n1            1           M      1\n1            2           M      8\n'), out)
  assert.ok(out.includes('[ 2, 1 ]'), out)
  assert.ok(out.includes("[ { sex: 'M', n: 1 }, { sex: 'F', n: 1 } ]"), out)
})

test.run()
