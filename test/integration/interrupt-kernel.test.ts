/**
 * Interrupts in both of Jupyter's modes, through the real jupyter_client: `message` (an
 * interrupt_request on the control channel, which a thread of its own reads while the main thread
 * is busy) and `signal` (SIGINT). Each stops a busy loop and a pending await; the session keeps
 * its names.
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { cleanup, prefix, setupDatabase } from '../helpers/db.js'

setupDatabase()
test.after(cleanup)
const root = fileURLToPath(new URL('../..', import.meta.url))

const cells = [
  { code: 'let kept = 41' },
  { code: 'const t0 = Date.now(); while (Date.now() - t0 < 60000) {}', interrupt_after: 1 },
  { code: 'kept + 1' },
  { code: 'await new Promise((r) => setTimeout(r, 60000))', interrupt_after: 1 },
  { code: 'kept + 2' },
]

function run(mode: 'message' | 'signal'): Array<{ status: string; outputs: unknown[][] }> {
  const data = mkdtempSync(join(tmpdir(), 'dj-jupyter-'))
  const env = { ...process.env, JUPYTER_DATA_DIR: data, DJ_HOST: process.env.DJ_HOST ?? '127.0.0.1', DJ_USER: process.env.DJ_USER ?? 'root', DJ_DATABASE_PREFIX: prefix, DJ_TYPECHECK: 'off', DJ_KERNEL_NAME: `dj-${mode}` }
  assert.is(spawnSync(process.execPath, ['--import', 'tsx', 'kernel/cli.ts', 'kernel', 'install'], { cwd: root, env }).status, 0)
  const spec = JSON.parse(readFileSync(join(data, 'kernels', 'dj', 'kernel.json'), 'utf8'))
  mkdirSync(join(data, 'kernels', `dj-${mode}`))
  writeFileSync(join(data, 'kernels', `dj-${mode}`, 'kernel.json'), JSON.stringify({ ...spec, interrupt_mode: mode }))
  const r = spawnSync('/usr/bin/python3', [join(root, 'test/helpers/kernel_cells.py'), JSON.stringify(cells)], { cwd: root, env, encoding: 'utf8', timeout: 180_000 })
  assert.is(r.status, 0, `${r.stdout}\n${r.stderr}`)
  const report = JSON.parse(r.stdout.trim().split('\n').pop()!)
  report.pop()
  return report
}

for (const mode of ['message', 'signal'] as const) {
  test(`interrupt_mode ${mode}: a busy loop and a pending await stop, the session goes on`, () => {
    const r = run(mode)
    const result = (i: number) => (r[i]!.outputs.find((o) => o[0] === 'execute_result')?.[1] as Record<string, string> | undefined)?.['text/plain']
    const ename = (i: number) => r[i]!.outputs.find((o) => o[0] === 'error')?.[1]
    assert.equal(r.map((c) => c.status), ['ok', 'error', 'ok', 'error', 'ok'])
    assert.is(ename(1), 'KeyboardInterrupt')
    assert.is(ename(3), 'KeyboardInterrupt')
    assert.is(result(2), '42')
    assert.is(result(4), '43')
  })
}

test.run()
