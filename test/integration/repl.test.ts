/** The dj REPL with piped input: TypeScript entries, re-declarations, multi-line input, previews, errors. */
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { cleanup, prefix, setupDatabase } from '../helpers/db.js'

setupDatabase()
test.after(cleanup)
const root = fileURLToPath(new URL('../..', import.meta.url))

function repl(input: string): string {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'kernel/cli.ts'], {
    cwd: root, input, encoding: 'utf8', timeout: 60_000,
    env: { ...process.env, DJ_HOST: process.env.DJ_HOST ?? '127.0.0.1', DJ_USER: process.env.DJ_USER ?? 'root', DJ_DATABASE_PREFIX: prefix, DJ_LOG_LEVEL: 'WARNING' },
  })
  assert.is(r.status, 0, r.stderr)
  return r.stdout
}

test('TypeScript input: types, override, re-declared const and class, multi-line entries', () => {
  const out = repl([
    'const s = dj.schema("repl")',
    'class Probe extends dj.Manual {',
    '  static override definition: string = `',
    '  probe : int32',
    '  ---',
    '  label : varchar(8)',
    '  `',
    '}',
    'await s.declare(Probe)',
    'await Probe.insert([[1, "a"], [2, "b"]])',
    'const n: number = 1',
    'const n: number = 2',
    'n * 10',
    'Probe.restrict({ probe: n })',
    'interface Shape { x: number }',
    'const p: Shape = { x: 3 }',
    'p.x + 1',
    'this is not valid',
    '"still alive"',
  ].join('\n') + '\n')
  assert.match(out, /dj> 20\n/)
  assert.match(out, /\*probe {4}label\n\+-------\+ \+------\+\n2 {9}b\n \(Total: 1\)/)
  assert.match(out, /dj> 4\n/)
  assert.match(out, /SyntaxError/)
  assert.match(out, /'still alive'/)
})

test('magics in the REPL: %%table until an empty line, %sql, %describe, %config, %time, bad arguments', () => {
  const out = repl([
    '%schema replmagic',
    '%%table Probe',
    'probe : int32',
    '---',
    'label : varchar(8)',
    '',
    'await Probe.insert([[1, "a"]])',
    `%sql SELECT label FROM \`${prefix}replmagic\`.\`probe\``,
    '%describe Probe',
    '%config display.limit = 4',
    '%time 2 * 3',
    '%diagram Probe +1',
    '%diagram nosuch',
    '%jobs',
    '%populate Probe',
    '%jobs cancel 99',
    '%schema a b',
    '%nope',
    '"still alive"',
  ].join('\n') + '\n')
  assert.match(out, `Active schema: ${prefix}replmagic`)
  assert.match(out, /\*probe {4}label\n\+-------\+ \+------\+\n \(Total: 0\)/)
  assert.match(out, /label\n\+------\+\na\n \(Total: 1\)/)
  assert.match(out, 'probe                : int32\n---\nlabel                : varchar(8)')
  assert.match(out, 'display.limit = 4   (code)')
  assert.match(out, /Wall time: [\d.]+ (µs|ms)\n6\n/)
  assert.match(out, 'Uncaught MagicError: %schema: unexpected argument "b".\nUsage: %schema [NAME]')
  assert.match(out, 'Uncaught MagicError: Unknown magic %nope.')
  // a diagram in the terminal: outlined, and drawn in an SVG file
  assert.match(out, `Diagram: 1 table (1 manual)\n${prefix}replmagic:\n  Probe     manual\nDrawn in `)
  const file = /Drawn in (\S+\.svg)/.exec(out)![1]!
  assert.match(readFileSync(file, 'utf8'), '>Probe</text>')
  assert.match(out, `Uncaught MagicError: %diagram: there is no schema ${prefix}nosuch.`)
  // %jobs and %populate in the terminal, with bad arguments
  assert.match(out, `No populate tasks.\n\nNo job tables in ${prefix}replmagic (populate --reserve-jobs makes them).`)
  assert.match(out, /Uncaught:?\s+MagicError: %populate: Probe is not an Imported or Computed table; only those are populated\./)
  assert.match(out, 'Uncaught MagicError: %jobs: there is no populate task 99.')
  assert.match(out, "'still alive'")
})

test('on a machine with nothing configured, dj opens the embedded database and says so', () => {
  const home = mkdtempSync(join(tmpdir(), 'dj-fresh-'))
  // no DJ_* settings, no config files: a new user's first session
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('DJ_')))
  const script = ['const s = dj.schema("first")', 'class Mouse extends dj.Manual { static definition = "mouse_id : int32\\n---\\nname : varchar(8)" }', 'await s.declare(Mouse)', 'await Mouse.insert([[1, "ann"], [2, "bob"]])', 'JSON.stringify(await Mouse.fetch({ orderBy: "KEY" }))', ''].join('\n')
  const r = spawnSync(process.execPath, ['--import', join(root, 'node_modules/tsx/dist/esm/index.mjs'), join(root, 'kernel/cli.ts')], { cwd: home, input: script, encoding: 'utf8', timeout: 120_000, env: { ...env, HOME: home } })
  const out = r.stdout + r.stderr
  assert.is(r.status, 0, out)
  assert.match(out, `Database: embedded PostgreSQL (pglite) in ${join(home, '.local/share/datajoint-ts/pglite')} (no server configured: set DJ_HOST, or database.host in datajoint.json, to use one)`)
  assert.match(out, `'[{"mouse_id":1,"name":"ann"},{"mouse_id":2,"name":"bob"}]'`)
  assert.not.match(out, /Uncaught|Error/)
})

test.run()
