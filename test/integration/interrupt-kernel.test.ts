/**
 * Interrupts in both of Jupyter's modes, through the real jupyter_client: `message` (an
 * interrupt_request on the control channel, which a thread of its own reads while the main thread
 * is busy) and `signal` (SIGINT). Each stops a busy loop and a pending await; the session keeps
 * its names.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { cleanup, setupDatabase } from '../helpers/db.js'
import { runCells } from '../helpers/kernel.js'

setupDatabase()
test.after(cleanup)

const cells = [
  { code: 'let kept = 41' },
  { code: 'const t0 = Date.now(); while (Date.now() - t0 < 60000) {}', interrupt_after: 1 },
  { code: 'kept + 1' },
  { code: 'await new Promise((r) => setTimeout(r, 60000))', interrupt_after: 1 },
  { code: 'kept + 2' },
]

const run = (mode: 'message' | 'signal') => runCells(cells, { env: { DJ_TYPECHECK: 'off' }, spec: { interrupt_mode: mode } }).cells

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
