import { test } from 'uvu'
import * as assert from 'uvu/assert'
import ts from 'typescript'
import { standardLibrary } from '../../kernel/standard-library.js'

const LIBRARY = 'lib.es2023.d.ts'
const options: ts.CompilerOptions = { target: ts.ScriptTarget.ES2022, noEmit: true, strict: true, noImplicitAny: false, types: [] }
const CELL = '/cell.ts'
const BUNDLE = '/bundle.d.ts'

/** A program over one cell: with the compiler's library files, or with the bundle in their place. */
function diagnostics(code: string, bundle?: string): string[] {
  const base = ts.createCompilerHost(options)
  const sources = new Map<string, string>([[CELL, code], ...(bundle === undefined ? [] : [[BUNDLE, bundle] as [string, string]])])
  const host: ts.CompilerHost = {
    ...base,
    getSourceFile: (f, language) => (sources.has(f) ? ts.createSourceFile(f, sources.get(f)!, language) : base.getSourceFile(f, language)),
    fileExists: (f) => sources.has(f) || base.fileExists(f),
  }
  const p = ts.createProgram({ rootNames: [...sources.keys()], options: bundle === undefined ? { ...options, lib: [LIBRARY] } : { ...options, noLib: true }, host })
  const cell = p.getSourceFile(CELL)!
  return [...p.getSyntacticDiagnostics(cell), ...p.getSemanticDiagnostics(cell)].map((d) => `${d.start}: TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`)
}

test('the bundled library holds the files of lib.es2023.d.ts in the order a program takes them', () => {
  const library = standardLibrary(LIBRARY)
  const base = ts.createCompilerHost(options)
  const host: ts.CompilerHost = { ...base, getSourceFile: (f, language) => (f === CELL ? ts.createSourceFile(f, '', language) : base.getSourceFile(f, language)), fileExists: (f) => f === CELL || base.fileExists(f) }
  const stock = ts.createProgram({ rootNames: [CELL], options: { ...options, lib: [LIBRARY] }, host }).getSourceFiles().filter((f) => f.fileName !== CELL).map((f) => f.fileName.slice(f.fileName.lastIndexOf('/') + 1))
  assert.ok(stock.length > 50, String(stock.length))
  assert.equal([...library.names], stock)
  assert.not.match(library.text, /<reference\s+lib=/)
  assert.ok(library.text.includes('interface Array<T> {') && library.text.includes('findLast<S extends T>'))
})

test('a cell gets the same diagnostics from the bundle as from the compiler\'s library files', () => {
  const { text } = standardLibrary(LIBRARY)
  const cells = [
    // overloads: the messages list them in the order the files merged them
    'const total: string = [1, 2].reduce((a, b) => a + b, 0)',
    'Promise.all([1, "a"]).then(([n, s]) => n.toUpperCase() + s.toFixed())',
    'new Map([[1, "a"]]).get("x")',
    'Array.from(new Set([1, 2]), (x) => x.length)',
    '"abc".replaceAll(1, "b")',
    '[1, 2, 3].findLast((x) => x > "1")',
    'Object.entries({ a: 1 }).map(([k, v]) => k * v)',
    'const r: RegExpMatchArray = "a".match(/a/)',
    'Symbol.asyncIterator.foo',
    'structuredClone(1)',
    'const big: bigint = 1n + 1',
    'async function* g() { yield 1 }\nfor await (const x of g()) x.toFixed(); const y: string = g()',
    '[1, 2].toSorted().at(-1).toFixed()',
    'const ok = [1, 2].flatMap((x) => [x, x * 2]).includes(2)',
  ]
  for (const code of cells) {
    const stock = diagnostics(code)
    assert.equal(diagnostics(code, text), stock, code)
  }
  // and the comparison can tell: these cells do have errors
  assert.ok(cells.filter((c) => diagnostics(c).length > 0).length >= 10)
})

test.run()
