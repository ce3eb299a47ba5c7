/**
 * The dj REPL in a real pseudo-terminal (Python's pty module): multi-line entry, a query preview,
 * tab completion, Ctrl-C during a long await and a busy loop (the session survives), history kept
 * across restarts, and magics.
 */
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { cleanup, prefix, setupDatabase } from '../helpers/db.js'

const dj = setupDatabase()
// a user with a password, for %connect
const user = `djpty_${randomBytes(3).toString('hex')}`
const secret = `pw${randomBytes(6).toString('hex')}`
test.before(async () => {
  for (const h of ['%', 'localhost']) {
    await dj.conn().query(`CREATE USER '${user}'@'${h}' IDENTIFIED BY '${secret}'`)
    await dj.conn().query(`GRANT ALL PRIVILEGES ON *.* TO '${user}'@'${h}'`)
  }
})
test.after(async () => {
  for (const h of ['%', 'localhost']) await dj.conn().query(`DROP USER IF EXISTS '${user}'@'${h}'`)
  await cleanup()
})
const root = fileURLToPath(new URL('../..', import.meta.url))
const home = mkdtempSync(join(tmpdir(), 'dj-home-'))
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g

type Step = { send: string } | { expect: string; timeout?: number } | { sleep: number }

function pty(steps: Step[]): { ok: boolean; failedStep: number | null; output: string } {
  const env = { ...process.env, HOME: home, TERM: 'xterm', DJ_HOST: process.env.DJ_HOST ?? '127.0.0.1', DJ_USER: process.env.DJ_USER ?? 'root', DJ_DATABASE_PREFIX: prefix, DJ_LOG_LEVEL: 'WARNING', NO_COLOR: '1' }
  const r = spawnSync('/usr/bin/python3', [join(root, 'test/helpers/pty_session.py'), JSON.stringify(steps), '--', process.execPath, '--import', 'tsx', 'kernel/cli.ts'], { cwd: root, env, encoding: 'utf8', timeout: 120_000 })
  assert.is(r.status, 0, r.stderr)
  const report = JSON.parse(r.stdout)
  return { ok: report.ok, failedStep: report.failed_step, output: String(report.output).replace(ANSI, '').replace(/\r/g, '') }
}

const PROMPT = 'dj> '

test('an interactive session in a terminal', () => {
  const r = pty([
    { expect: PROMPT },
    // multi-line entry
    { send: 'function twice(x: number) {\r' },
    { expect: '\\.\\.\\. ' },
    { send: '  return 2 * x\r' },
    { send: '}\r' },
    { expect: PROMPT },
    { send: 'twice(21)\r' },
    { expect: '\n42\n' },
    // magics, a table and its preview
    { send: '%schema ptyrepl\r' },
    { expect: `Active schema: ${prefix}ptyrepl\n` },
    { expect: PROMPT },
    { send: '%%table Probe\r' },
    { send: 'probe : int32\r---\rlabel : varchar(8)\r\r' },
    { expect: '\\(Total: 0\\)\n' },
    { expect: PROMPT },
    { send: 'await Probe.insert([[1, "a"], [2, "b"]])\r' },
    { expect: '\n2\n' },
    { expect: PROMPT },
    { send: 'Probe.restrict({ probe: 2 })\r' },
    { expect: '\\(Total: 1\\)' },
    // completion of a session name and of a member
    { send: 'twi\t' },
    { expect: 'twice' },
    { send: '(1)\r' },
    { expect: '\n2\n' },
    { send: 'Probe.deletePr\t' },
    { expect: 'deletePreview' },
    { send: '\x15' },
    // Ctrl-C stops a long await and a busy loop; the session keeps its names
    { send: 'await new Promise((r) => setTimeout(r, 60000))\r' },
    { sleep: 0.5 },
    { send: '\x03' },
    { expect: 'interrupted', timeout: 10 },
    { send: 'let t0 = Date.now(); while (Date.now() - t0 < 60000) {}\r' },
    { sleep: 0.5 },
    { send: '\x03' },
    { expect: 'interrupted', timeout: 10 },
    { send: 'twice(5)\r' },
    { expect: '\n10\n' },
    { send: '"after:" + twice(3)\r' },
    { expect: 'after:6' },
    { send: '.exit\r' },
  ])
  assert.ok(r.ok, `step ${r.failedStep} failed; the terminal showed:\n${r.output}`)
  assert.match(r.output, /\*probe {4}label\n\+-------\+ \+------\+\n2 {9}b\n \(Total: 1\)/)
  const history = readFileSync(join(home, '.dj_history'), 'utf8')
  assert.match(history, 'twice(21)')

  // history across restarts: the previous session's last entry is one arrow-up away
  const again = pty([{ expect: PROMPT }, { send: '\x1b[A\x1b[A' }, { expect: '"after:" \\+ twice\\(3\\)' }, { send: '\x15.exit\r' }])
  assert.ok(again.ok, `step ${again.failedStep} failed; the terminal showed:\n${again.output}`)
})

test('questions asked while an entry runs: a password (not echoed, not kept) and a safemode confirmation', () => {
  const r = pty([
    { expect: PROMPT },
    { send: `%connect 127.0.0.1 --user ${user}\r` },
    { expect: `Password for ${user}@127.0.0.1: ` },
    { send: `${secret}\r` },
    { expect: `Connected to ${user}@127.0.0.1:` },
    { expect: PROMPT },
    { send: '(await dj.conn().fetchAll("SELECT CURRENT_USER() AS u"))[0].u\r' },
    { expect: `'${user}@` },
    { expect: PROMPT },
    { send: '%schema ptyask\r' },
    { expect: PROMPT },
    { send: '%%table Item\r' },
    { send: 'item : int32\r\r' },
    { expect: '\\(Total: 0\\)\n' },
    { send: 'await Item.insert([{ item: 1 }, { item: 2 }]); dj.config.set("safemode", true)\r' },
    { expect: PROMPT },
    // a "no" (typed with a correction) keeps the rows; a "yes" deletes them
    { send: 'await Item.delete()\r' },
    { expect: 'Commit deletes\\? \\[yes, No\\]: ' },
    { send: 'nx\x7f\r' },
    { expect: PROMPT },
    { send: 'await Item.count()\r' },
    { expect: '\n2\n' },
    { send: 'await Item.delete()\r' },
    { expect: 'Commit deletes\\? \\[yes, No\\]: ' },
    { send: 'yes\r' },
    { expect: PROMPT },
    { send: 'await Item.count()\r' },
    { expect: '\n0\n' },
    { send: '.exit\r' },
  ])
  assert.ok(r.ok, `step ${r.failedStep} failed; the terminal showed:\n${r.output}`)
  // the answers are echoed (a backspace rubs out what it takes back), the password is not
  assert.match(r.output, 'Commit deletes? [yes, No]: nx\b \b\n')
  assert.match(r.output, 'Commit deletes? [yes, No]: yes\n')
  assert.not.match(r.output, secret)
  const history = readFileSync(join(home, '.dj_history'), 'utf8')
  assert.match(history, `%connect 127.0.0.1 --user ${user}`)
  assert.not.match(history, secret)
  assert.not.match(history, /^yes$/m)
})

test('populate in the terminal: a progress bar and its summary, a background populate, Ctrl-C rolls back the key under way', () => {
  const r = pty([
    { expect: PROMPT },
    { send: '%schema ptypop\r' },
    { expect: PROMPT },
    { send: '%%table Item\ritem : int32\r\r' },
    { expect: '\\(Total: 0\\)\n' },
    { send: '%%table Sq computed\r-> Item\r---\rsq : int32\r\r' },
    { expect: '\\(Total: 0\\)\n' },
    { send: 'await Item.insert([[1], [2], [3], [4], [5]]); Sq.make = async function (key) { await new Promise((r) => setTimeout(r, 100)); await this.insert1({ ...key, sq: key.item ** 2 }) }\r' },
    { expect: PROMPT },
    { send: '%populate Sq\r' },
    { expect: 'Sq +\\S+ 5/5 \\| 0 failed', timeout: 20 },
    { expect: 'populate \\d+ of Sq: done, 5/5 in [\\d.]+ s\n' },
    { expect: PROMPT },
    // in the background: the prompt is free at once; the summary comes when it is done
    { send: '%%table Cube computed\r-> Item\r---\rc : int32\r\r' },
    { expect: '\\(Total: 0\\)\n' },
    { send: 'Cube.make = async function (key) { await new Promise((r) => setTimeout(r, 200)); await this.insert1({ ...key, c: key.item ** 3 }) }\r' },
    { expect: PROMPT },
    { send: '%populate Cube --background\r' },
    { expect: PROMPT },
    { send: 'dj.populateTasks().at(-1).status\r' },
    { expect: "'running'" },
    { expect: 'populate \\d+ of Cube: done, 5/5 in [\\d.]+ s\n', timeout: 20 },
    { send: 'await Cube.count()\r' },
    { expect: '\n5\n' },
    // Ctrl-C during a foreground populate: the key under way is rolled back, the session goes on
    { send: '%%table Hang computed\r-> Item\r---\rh : int32\r\r' },
    { expect: '\\(Total: 0\\)\n' },
    { send: 'Hang.make = async function (key) { await this.insert1({ ...key, h: 1 }); if (key.item === 2) await new Promise(() => {}) }\r' },
    { expect: PROMPT },
    { send: '%populate Hang\r' },
    { sleep: 1 },
    { send: '\x03' },
    { expect: 'interrupted', timeout: 10 },
    { send: 'JSON.stringify(await Hang.fetch({ orderBy: "KEY" }))\r' },
    { expect: `'\\[\\{"item":1,"h":1\\}\\]'` },
    { send: '.exit\r' },
  ])
  assert.ok(r.ok, `step ${r.failedStep} failed; the terminal showed:\n${r.output}`)
})

test.run()
