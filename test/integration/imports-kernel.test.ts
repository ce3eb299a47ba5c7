/**
 * Imports in kernel cells, through the real jupyter_client, resolved from the notebook's folder
 * (the kernel's working directory): static and dynamic, Node built-ins, a local ES module, a
 * CommonJS file, an ESM-only package in the folder's node_modules; the names stay for later cells,
 * and the type checker does not complain about them.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { cleanup, setupDatabase } from '../helpers/db.js'
import { resultText, runCells } from '../helpers/kernel.js'

setupDatabase()
test.after(cleanup)

test('static and dynamic imports of built-ins, local files and packages of the notebook folder', () => {
  const folder = mkdtempSync(join(tmpdir(), 'dj-notebook-'))
  writeFileSync(join(folder, 'local.mjs'), 'export const hello = (n) => "hello " + n\nexport default 7\n')
  writeFileSync(join(folder, 'legacy.cjs'), 'module.exports = { answer: 42 }\n')
  const pkg = join(folder, 'node_modules', 'esm-only')
  mkdirSync(pkg, { recursive: true })
  writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'esm-only', type: 'module', exports: { '.': './index.js' } }))
  writeFileSync(join(pkg, 'index.js'), 'export const shout = (s) => s.toUpperCase() + "!"\n')
  const cells = [
    { code: 'import { basename, join as joinPath } from "node:path"\nbasename(joinPath("/a", "b.txt"))' },
    { code: 'import * as os from "node:os"\ntypeof os.cpus' },
    { code: 'import seven, { hello } from "./local.mjs"\nhello(seven)' },
    { code: 'import legacy from "./legacy.cjs"\nlegacy.answer' },
    { code: 'import { shout } from "esm-only"\nshout("ok")' },
    { code: 'import("./local.mjs").then((m) => m.default + 1)' },
    { code: 'const { shout: again } = await import("esm-only"); again(hello(basename("/x/y")))' },
  ]
  const report = runCells(cells, { cwd: folder }).cells
  const results = report.map((c) => resultText(c) ?? JSON.stringify(c.outputs))
  assert.equal(results, ["'b.txt'", "'function'", "'hello 7'", '42', "'OK!'", '8', "'HELLO Y!'"])
  const warnings = report.flatMap((c) => c.outputs.filter((o) => o[0] === 'stream' && o[1] === 'stderr').map((o) => o[2]))
  assert.equal(warnings, [])
})

test.run()
