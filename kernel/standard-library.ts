/**
 * The compiler's library files (lib.es2023.d.ts and the 60 files it refers to) as one text, for
 * the kernel's type checker. Each check builds a new program and checker; with the library in
 * separate files the checker merges the declarations they share (Array, Promise, …) anew every
 * time, and that was most of a trivial cell's check. In one file they are merged once, when the
 * file is bound, and a check costs about a fifth. The declarations and their order (which decides
 * the order of merged overloads) are those of a program given `lib: [name]`.
 */
import ts from './compiler.js'

const REFERENCE = /^\/\/\/\s*<reference\s+lib=.*$/gm

export interface StandardLibrary {
  /** the files' declarations, their `/// <reference lib>` lines left out */
  text: string
  /** the file names it holds (`lib.es5.d.ts`, …) */
  names: Set<string>
}

export function standardLibrary(name: string): StandardLibrary {
  const texts = new Map<string, string>()
  const read = (f: string) => {
    let t = texts.get(f)
    if (t === undefined) texts.set(f, (t = ts.sys.readFile(f) ?? ''))
    return t
  }
  // the order the compiler takes them in (it sorts them): a program over their reference lines alone
  const probe = '/__dj_library_probe.ts'
  const order = ts.createProgram({
    rootNames: [probe],
    options: { noEmit: true, types: [], lib: [name] },
    host: {
      ...ts.createCompilerHost({}),
      getSourceFile: (f, language) => ts.createSourceFile(f, f === probe ? '' : (read(f).match(REFERENCE) ?? []).join('\n'), language),
      fileExists: (f) => f === probe || ts.sys.fileExists(f),
    },
  })
    .getSourceFiles()
    .map((f) => f.fileName)
    .filter((f) => f !== probe)
  // a compiler that cannot find its files would report every cell's Array and JSON as unknown
  if (!order.length) throw new Error(`the TypeScript library ${name} is not in ${ts.getDefaultLibFilePath({})}`)
  return {
    text: order.map((f) => read(f).replace(REFERENCE, '')).join('\n'),
    names: new Set(order.map((f) => f.slice(f.lastIndexOf('/') + 1))),
  }
}
