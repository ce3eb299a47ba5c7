import { test } from 'uvu'
import * as assert from 'uvu/assert'
import vm from 'node:vm'
import { IncompleteInput, toJavaScript, transpile } from '../../kernel/typescript.js'

test('plain JavaScript is run as written; what TypeScript reads differently goes through esbuild', async () => {
  // no esbuild round trip: the entry comes back as it is, comments and layout included
  assert.is(await transpile('1 + 1 // two'), '1 + 1 // two')
  assert.is(await transpile('await Session.populate({ reserve_jobs: true })'), 'await Session.populate({ reserve_jobs: true })')
  // a type argument: a call in TypeScript, comparisons in JavaScript
  assert.is(await transpile('identity<number>(5)'), 'identity(5);\n')
  // declarations become replaceable
  assert.is(await transpile('const a = 1'), 'var a = 1;\n')
  assert.is(await transpile('let b = 2, c = 3'), 'var b = 2, c = 3;\n')
  assert.is(await transpile('class K {}'), 'var K = class K {\n}\n')
  assert.is(await transpile('x as number'), 'x;\n')
  assert.is(toJavaScript('f(1)'), 'f(1)')
  assert.is(toJavaScript('const d: number = 4'), 'var d = 4;\n')
})

test('the same value either way, and a cell that is not finished says so', async () => {
  const context = vm.createContext({ identity: (x: unknown) => x })
  assert.is(vm.runInContext(await transpile('identity<number>(5)'), context), 5)
  assert.is(vm.runInContext(await transpile('[1, 2].map((x) => x * 2).join()'), context), '2,4')
  for (const unfinished of ['foo(', 'const e = {', '[1, 2']) {
    await transpile(unfinished).then(
      () => assert.unreachable(unfinished),
      (e) => assert.instance(e, IncompleteInput, unfinished),
    )
  }
  await transpile('1 +* 2').then(
    () => assert.unreachable(),
    (e) => assert.instance(e, SyntaxError),
  )
})

test.run()
