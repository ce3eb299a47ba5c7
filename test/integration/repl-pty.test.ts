/**
 * The dj REPL in a real pseudo-terminal (Python's pty module): multi-line entry, a query preview,
 * tab completion, Ctrl-C during a long await and a busy loop (the session survives), history kept
 * across restarts, and magics.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { cleanup, prefix, setupDatabase } from '../helpers/db.js'

setupDatabase()
test.after(cleanup)
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

test.run()
