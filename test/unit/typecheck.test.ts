import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { TypeChecker } from '../../kernel/typecheck.js'

// the checker's thread does not keep a process alive (it must never hold up the kernel's exit)
const alive = setInterval(() => {}, 1000)
test.after(() => clearInterval(alive))

test('a checker that runs out of heap starts again without the cap, and knows the cells that ran before', async () => {
  // room for the compiler and the ES library, not for Node's types as well
  const checker = new TypeChecker(process.cwd(), 56)
  try {
    assert.equal(await checker.check(1, 'interface Shape { sides: number }', {}), [])
    checker.commit(1)
    const nodeTypes = 'import { readFileSync } from "node:fs"\nconst text: number = readFileSync("x", "utf8")'
    await checker.check(2, nodeTypes, {}).then(
      () => assert.unreachable('Node types fit in 56 MB'),
      (e: Error) => assert.match(e.message, 'the type checker stopped: Worker terminated due to reaching memory limit'),
    )
    // the new thread was given cell 1: Shape is known (else: Cannot find name 'Shape')
    assert.equal(await checker.check(3, 'const s: Shape = { sides: "x" }', {}), [
      { line: 1, column: 20, code: 2322, message: "Type 'string' is not assignable to type 'number'." },
    ])
    // and it has no cap: Node's types load this time
    assert.equal(await checker.check(4, nodeTypes, {}), [{ line: 2, column: 7, code: 2322, message: "Type 'string' is not assignable to type 'number'." }])
  } finally {
    await checker.close()
  }
})

test.run()
