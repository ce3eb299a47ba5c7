/**
 * Type checking in the dj kernel, driven by the real jupyter_client: `warn` runs a cell and shows
 * its type errors beside the output, `strict` refuses it, `off` checks nothing; declarations of
 * earlier cells are known, a name declared again replaces the earlier one, tables bound by
 * %%table are typed; completion and inspect from the language service.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { cleanup, setupDatabase } from '../helpers/db.js'
import { type CellReport, resultText, runCells, stderrOf } from '../helpers/kernel.js'

setupDatabase()
test.after(cleanup)

type Cell = { code: string } | { queue: string[] } | { complete: string; cursor: number } | { inspect: string; cursor: number }
type Report = CellReport

const stderr = stderrOf
const result = resultText
const error = (c: Report) => (c.outputs ?? []).find((o) => o[0] === 'error') as [string, string, string] | undefined

const cells: Record<string, Cell> = {
  // the first check loads the compiler: its warnings may come with the next cell, labelled
  warm: { code: 'const warmUp: number = 1; warmUp' },
  wrong: { code: 'const n: number = "text"\nn' },
  next: { code: 'n.length' },
  redeclare: { code: 'const n = "now a string"\nn.toUpperCase()' },
  // cells sent ahead (Run All): none waits for its check, each check sees the cells before it
  ahead: { queue: ['const pa: number = 1', 'const pb: string = pa', 'pa.toFixed(0)'] },
  afterAhead: { code: 'pa + 1' },
  // Node's globals before any built-in module is imported: typed, and no false complaints
  lean: { code: 'const hex = Buffer.from("a").toString("hex")\nconst timer = setTimeout(() => {}, 1); clearTimeout(timer)\nprocess.env.HOME !== undefined && performance.now() > 0 && new URL("http://x/").host === "x"\ndj.blob.unpack(dj.blob.pack(1).subarray(0)); new Uint8Array(Buffer.from("c").slice(0).buffer)\nhex' },
  leanWrong: { code: 'const hexLength: number = Buffer.from("a").toString("hex")' },
  // a built-in module: Node's full types from here on
  nodeFs: { code: 'import { readFileSync } from "node:fs"\nconst manifest: number = readFileSync("package.json", "utf8")\ntypeof manifest' },
  nodeAfter: { code: 'const tick: NodeJS.Timeout = setTimeout(() => {}, 1); clearTimeout(tick); Buffer.from("b").toString("hex")' },
  fn: { code: 'function area(r: number) { return Math.PI * r * r }' },
  useFn: { code: 'area("2")' },
  schema: { code: '%schema tcheck' },
  table: { code: '%%table Subject\nsubject_id : int32\n---\nname : varchar(16)' },
  summary: { code: '%%table Summary computed\n-> Subject\n---\nn : int32' },
  make: { code: 'Summary.make = async function (key) { await this.insert1({ ...key, n: 1 }) }\nawait Subject.insert([[1, "a"]])\nawait Summary.populate()\nawait Summary.count()' },
  query: { code: 'const names = await Subject.proj("name").fetch()\nnames.length.toFixed(0)' },
  // a strict cell sent behind cells whose checks wait (Run All): it is checked after them
  strictBehind: { queue: ['const q1: number = 1', '%config typecheck = strict', 'const q2: string = q1'] },
  warnAgain: { code: '%config typecheck = warn' },
  strict: { code: '%config typecheck = strict' },
  refused: { code: 'const s: string = 5\nconsole.log("ran")' },
  fine: { code: 'const t: string = "ok"; t' },
  off: { code: '%config typecheck = off' },
  unchecked: { code: 'const u: number = "unchecked"; u' },
  bad: { code: '%config typecheck = loose' },
  on: { code: '%config typecheck = warn' },
  notRun: { code: 'typeof s' },
  // the checker's one-file ES library gives way to the compiler's files when code asks for another library
  noDom: { code: 'typeof (null as HTMLElement | null)' },
  dom: { code: '/// <reference lib="dom" />\nconst tag: string | undefined = (null as HTMLElement | null)?.tagName\ntypeof tag' },
  domWrong: { code: 'function titleOf(page: Document): number { return page.title }' },
  esAfterDom: { code: 'const last: string = [1, 2].findLast((x) => x > 1)' },
  completeCall: { complete: 'dj.schema("x").listT', cursor: 20 },
  completeCell: { complete: 'are', cursor: 3 },
  inspectFn: { inspect: 'area', cursor: 4 },
}
const names = Object.keys(cells)

test('type errors as warnings, strict refuses, off checks nothing; completion and inspect from the language service', () => {
  const r = runCells(Object.values(cells)).cells
  const c = Object.fromEntries(names.map((n, i) => [n, r[i]!])) as Record<string, Report>
  for (const n of names) if (!['refused', 'bad'].includes(n)) assert.is(c[n]!.status, 'ok', `${n}: ${JSON.stringify(c[n])}`)
  assert.is(stderr(c.warm!), '')
  // warn: the cell ran, and its type error is shown (beside it, or at the start of the next cell)
  assert.is(result(c.wrong!), "'text'")
  const warning = "TypeScript: line 1, column 7: Type 'string' is not assignable to type 'number'. (TS2322)"
  assert.ok(stderr(c.wrong!) === warning + '\n' || stderr(c.next!).startsWith(`[cell 2] ${warning}\n`), `${stderr(c.wrong!)} | ${stderr(c.next!)}`)
  // the checker knows n from the cell before (a number: it has no length)
  assert.match(stderr(c.next!), "TypeScript: line 1, column 3: Property 'length' does not exist on type 'number'. (TS2339)")
  // declared again: the new declaration replaces the old one, no complaint
  assert.is(result(c.redeclare!), "'NOW A STRING'")
  assert.is(stderr(c.redeclare!), '')
  // the warning of the second cell sent ahead comes once: beside it, or labelled with a later cell
  assert.equal(c.ahead!.statuses, ['ok', 'ok', 'ok'])
  const aheadErr = [...(c.ahead!.stderr ?? []), stderr(c.afterAhead!)]
  const aheadWarning = "TypeScript: line 1, column 7: Type 'number' is not assignable to type 'string'. (TS2322)"
  assert.is(aheadErr.join('').split(aheadWarning).length - 1, 1, JSON.stringify(aheadErr))
  assert.ok(aheadErr[1] === aheadWarning + '\n' || /\[cell \d+\] /.test(aheadErr.slice(2).join('')), JSON.stringify(aheadErr))
  assert.is(aheadErr.join('').replace(/(\[cell \d+\] )?TypeScript: line 1, column 7: Type 'number' is not assignable to type 'string'. \(TS2322\)\n/, ''), '', JSON.stringify(aheadErr))
  assert.is(result(c.afterAhead!), '2')
  assert.is(result(c.lean!), "'61'")
  assert.is(stderr(c.lean!), '')
  assert.is(stderr(c.leanWrong!), "TypeScript: line 1, column 7: Type 'string' is not assignable to type 'number'. (TS2322)\n")
  // node:fs is found and typed: readFileSync with an encoding returns a string
  assert.is(result(c.nodeFs!), "'string'")
  // (loading Node's types may outlast the cell: then the warning comes with the next one)
  const fsWarning = "TypeScript: line 2, column 7: Type 'string' is not assignable to type 'number'. (TS2322)\n"
  const after = stderr(c.nodeAfter!).replace(/^\[cell \d+\] /, '')
  assert.ok((stderr(c.nodeFs!) === fsWarning && after === '') || (stderr(c.nodeFs!) === '' && after === fsWarning), `${stderr(c.nodeFs!)} | ${stderr(c.nodeAfter!)}`)
  assert.is(result(c.nodeAfter!), "'62'")
  assert.match(stderr(c.useFn!), "TypeScript: line 1, column 6: Argument of type 'string' is not assignable to parameter of type 'number'. (TS2345)")
  // tables bound by %%table: make may be assigned, queries are typed
  assert.is(result(c.make!), '1')
  assert.is(stderr(c.make!), '')
  assert.is(stderr(c.query!), '')
  // q1 is known as a number, not as a session value of any type
  assert.equal(c.strictBehind!.statuses, ['ok', 'ok', 'error'])
  assert.is(c.strictBehind!.errors![2], "1 type error; the cell did not run (%config typecheck = warn runs it anyway).\nTypeScript: line 1, column 7: Type 'number' is not assignable to type 'string'. (TS2322)")
  // strict: refused before it runs
  assert.is(c.refused!.status, 'error')
  assert.equal(error(c.refused!)!.slice(0, 3), ['error', 'TypeScriptError', "1 type error; the cell did not run (%config typecheck = warn runs it anyway).\nTypeScript: line 1, column 7: Type 'number' is not assignable to type 'string'. (TS2322)"])
  assert.not.match(JSON.stringify(c.refused!.outputs), 'ran')
  // the refused cell declared nothing (warn runs this one and says so)
  assert.is(result(c.notRun!), "'undefined'")
  assert.match(stderr(c.notRun!), "Cannot find name 's'. (TS2304)")
  assert.is(result(c.fine!), "'ok'")
  // ES only, until a cell refers to the DOM library; from then on its types are known (not any)
  assert.match(stderr(c.noDom!), "Cannot find name 'HTMLElement'. (TS2304)")
  assert.is(stderr(c.dom!), '')
  // (switching libraries may outlast the cell: then its warning comes with the next one)
  const domWarning = "TypeScript: line 1, column 44: Type 'string' is not assignable to type 'number'. (TS2322)\n"
  assert.ok(stderr(c.domWrong!) === domWarning || /^\[cell \d+\] /.test(stderr(c.esAfterDom!)) && stderr(c.esAfterDom!).includes(domWarning), `${stderr(c.domWrong!)} | ${stderr(c.esAfterDom!)}`)
  assert.match(stderr(c.esAfterDom!), "TypeScript: line 1, column 7: Type 'number | undefined' is not assignable to type 'string'.")
  // off
  assert.is(result(c.unchecked!), "'unchecked'")
  assert.is(stderr(c.unchecked!), '')
  assert.match(error(c.bad!)![2], '%config: typecheck must be one of strict, warn, off, not "loose".')
  // completion of what a call returns, without running it; names of earlier cells
  assert.ok(c.completeCall!.matches!.includes('listTables'), JSON.stringify(c.completeCall!.matches))
  assert.ok(c.completeCell!.matches!.includes('area'))
  assert.is(c.inspectFn!.found, true)
  assert.match(c.inspectFn!.data!['text/plain']!, 'function area(r: number): number')
})

test.run()
