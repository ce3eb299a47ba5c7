/**
 * The type checker's thread: one TypeScript LanguageService (the stock compiler API) over the
 * session's cells. Each cell that ran is kept as a script, so later cells see its declarations;
 * a name declared again takes the place of the earlier declaration, as it does when the cell runs.
 * Names the session has but no kept cell declares (classes bound by %%table, values of module
 * cells) are declared from what the main thread says they are. Answers diagnostics for a cell,
 * completions and quick info at a position.
 */
// first: the thread runs at a low priority before it loads the compiler
import './low-priority.js'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parentPort, workerData } from 'node:worker_threads'
import type * as TS from 'typescript'
import ts from './compiler.js'
import { NODE_GLOBALS, needsNodeTypes } from './node-globals.js'
import { standardLibrary } from './standard-library.js'

/** `ran`: the cell that ran since the last request (its check's declarations are kept). */
export type Request = { ran?: number } & (
  | { op: 'check'; id: number; cell: number; code: string; names: Record<string, string>; keep?: boolean }
  | { op: 'replay'; id: number; cells: Array<{ cell: number; code: string }> }
  | { op: 'complete'; id: number; code: string; cursor: number; names: Record<string, string> }
  | { op: 'info'; id: number; code: string; cursor: number; names: Record<string, string> }
)

export interface Diagnostic {
  line: number
  column: number
  code: number
  message: string
}

const require = createRequire(import.meta.url)
const cwd: string = (workerData as { cwd?: string } | undefined)?.cwd ?? process.cwd()
const here = dirname(fileURLToPath(import.meta.url))
// the runtime's types: the declarations of the built package (next to this file when installed, in
// dist/ in a checkout, which npm ci builds), else its sources (slower to check)
const runtimeEntry = ['../runtime/index.d.ts', '../dist/runtime/index.d.ts', '../runtime/index.ts'].map((p) => join(here, p)).find(existsSync) ?? join(here, '../runtime/index.ts')
const typeRoots = [dirname(dirname(require.resolve('@types/node/package.json')))]
const RUNNER = '__dj_magics__'

// a module that puts dj in the global scope as a namespace, so that cells can name its types
// (`dj.blob.NDArray`) as well as use its values
const PRELUDE = `
import * as __dj from ${JSON.stringify(runtimeEntry)}
declare global {
  export import dj = __dj
  interface DisplayHandle { id: string; update(value: unknown): void }
  function display(value: unknown, options?: { id?: string }): DisplayHandle
  namespace display {
    function html(html: string): void
    function markdown(text: string): void
    function svg(svg: string): void
    function json(value: unknown): void
    function mime(bundle: Record<string, unknown>): void
  }
  function clearOutput(options?: { wait?: boolean }): void
  function input(prompt?: string, options?: { password?: boolean }): Promise<string>
  const ${RUNNER}: { line(name: string, args: string): Promise<any>; cell(name: string, args: string, body: string): Promise<any> }
}
`

/** Notebook code is loose: no implicit-any complaints, the rest of strict. */
let options: TS.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  allowImportingTsExtensions: true,
  noEmit: true,
  strict: true,
  noImplicitAny: false,
  skipLibCheck: true,
  esModuleInterop: true,
  resolveJsonModule: true,
  // the ES library comes as one file (standardLibrary): see there
  noLib: true,
  // Node's globals come from NODE_GLOBALS until a cell needs Node's full types (useNodeTypes)
  types: [],
  typeRoots,
}

/** Codes that do not hold in a session: top-level await in a script, and names declared again. */
const IGNORED = new Set([1375, 1378, 1431, 1432, 2300, 2393, 2451, 2440])

const file = (name: string) => join(cwd, `__dj_${name}.ts`)
const PRELUDE_FILE = file('prelude')
const NODE_FILE = join(cwd, '__dj_node_globals.d.ts')
const LIB_FILE = join(cwd, '__dj_lib.d.ts')
const LIBRARY = 'lib.es2023.d.ts'
const NAMES_FILE = file('session')
const CURRENT = file('current')

interface Kept { cell: number; code: string; source: TS.SourceFile; declares: Array<{ start: number; end: number; names: string[] }>; slot?: string }
const kept: Kept[] = []
// the files kept cells live in. A cell whose every declaration was replaced is dropped and its
// file goes to the next kept cell: the program's root files stay the same, and TypeScript reuses
// the last program's structure instead of building a new one (re-running a cell is the common case)
const freeSlots: string[] = []
let slots = 0
let pending: Kept | null = null
const files = new Map<string, { text: string; version: number }>()
const disk = new Map<string, TS.IScriptSnapshot | null>()
// libraries do not appear or vanish during a session: what exists on disk is asked once
const exists = new Map<string, boolean>()
const dirExists = new Map<string, boolean>()
const onDisk = (f: string) => {
  let e = exists.get(f)
  if (e === undefined) exists.set(f, (e = ts.sys.fileExists(f)))
  return e
}
const dirOnDisk = (d: string) => {
  let e = dirExists.get(d)
  if (e === undefined) dirExists.set(d, (e = ts.sys.directoryExists(d)))
  return e
}

function setFile(name: string, text: string): void {
  const f = files.get(name)
  if (f?.text === text) return
  files.set(name, { text, version: (f?.version ?? 0) + 1 })
}

const host: TS.LanguageServiceHost = {
  getScriptFileNames: () => [...files.keys()],
  getScriptVersion: (f) => String(files.get(f)?.version ?? 0),
  getScriptSnapshot: (f) => {
    const v = files.get(f)
    if (v) return ts.ScriptSnapshot.fromString(v.text)
    // files on disk (libraries, the runtime's types, imported modules) are read once
    let snap = disk.get(f)
    if (snap === undefined) {
      const text = ts.sys.readFile(f)
      snap = text === undefined ? null : ts.ScriptSnapshot.fromString(text)
      disk.set(f, snap)
    }
    return snap ?? undefined
  },
  getCurrentDirectory: () => cwd,
  useCaseSensitiveFileNames: () => ts.sys.useCaseSensitiveFileNames,
  getCompilationSettings: () => options,
  getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
  fileExists: (f) => files.has(f) || onDisk(f),
  readFile: (f) => files.get(f)?.text ?? ts.sys.readFile(f),
  readDirectory: ts.sys.readDirectory,
  directoryExists: dirOnDisk,
  getDirectories: ts.sys.getDirectories,
}
// resolutions are kept across programs: each cell makes a new program, the libraries stay
const moduleCache = ts.createModuleResolutionCache(cwd, (f) => f, options)
const typeCache = ts.createTypeReferenceDirectiveResolutionCache(cwd, (f) => f, options, moduleCache.getPackageJsonInfoCache())
const moduleMemo = new Map<string, TS.ResolvedModuleWithFailedLookupLocations>()
const typeMemo = new Map<string, TS.ResolvedTypeReferenceDirectiveWithFailedLookupLocations>()
host.resolveModuleNameLiterals = (literals, containingFile, redirected, o, sourceFile) =>
  literals.map((l) => {
    const key = `${containingFile}\0${l.text}`
    let r = moduleMemo.get(key)
    if (!r) moduleMemo.set(key, (r = ts.resolveModuleName(l.text, containingFile, o, host, moduleCache, redirected, ts.getModeForUsageLocation(sourceFile, l, o))))
    return r
  })
host.resolveTypeReferenceDirectiveReferences = (refs, containingFile, redirected, o) =>
  refs.map((ref) => {
    const name = typeof ref === 'string' ? ref : ref.fileName.toLowerCase()
    const key = `${containingFile}\0${name}`
    let r = typeMemo.get(key)
    if (!r) typeMemo.set(key, (r = ts.resolveTypeReferenceDirective(name, containingFile, o, host, redirected, typeCache)))
    return r
  })
// package.json lookups (the module format of each file) share the same cache
;(host as { getModuleResolutionCache?: () => TS.ModuleResolutionCache }).getModuleResolutionCache = () => moduleCache
setFile(NODE_FILE, NODE_GLOBALS)
setFile(PRELUDE_FILE, PRELUDE)
const library = standardLibrary(LIBRARY)
setFile(LIB_FILE, library.text)

let nodeTypes = false
/** From now on the checker has Node's full types (@types/node) in place of NODE_GLOBALS. */
function useNodeTypes(): void {
  if (nodeTypes) return
  nodeTypes = true
  // a new options object: programs and the language service see that the settings changed
  options = { ...options, types: ['node'] }
  files.delete(NODE_FILE)
}
const isNodeTypes = (f: TS.SourceFile) => f.fileName.includes('/node_modules/@types/node/')

let stockLibrary = false
/** From now on the checker takes the compiler's library files, which a package's types add to (`/// <reference lib="dom" />`). */
function useStockLibrary(): void {
  if (stockLibrary) return
  stockLibrary = true
  options = { ...options, noLib: false, lib: [LIBRARY] }
  files.delete(LIB_FILE)
}
/** A library file the bundle does not hold: with noLib, the compiler would leave it out. */
const needsStockLibrary = (f: TS.SourceFile) => f.libReferenceDirectives.some((r) => !library.names.has(`lib.${r.fileName.toLowerCase()}.d.ts`))

// Checks build a program directly from cached source files (a language service spends more
// time syncing its files than checking a cell); completions and quick info, asked less often,
// go through a language service made on first use.
const parsed = new Map<string, { version: number; source: TS.SourceFile }>()
const diskSources = new Map<string, TS.SourceFile | undefined>()
const compilerHost: TS.CompilerHost = {
  ...ts.createCompilerHost(options),
  getSourceFile(name, language) {
    const v = files.get(name)
    if (v) {
      const p = parsed.get(name)
      if (p?.version === v.version) return p.source
      const source = ts.createSourceFile(name, v.text, language, true, ts.ScriptKind.TS)
      parsed.set(name, { version: v.version, source })
      return source
    }
    if (!diskSources.has(name)) {
      const text = ts.sys.readFile(name)
      diskSources.set(name, text === undefined ? undefined : ts.createSourceFile(name, text, language, true))
    }
    return diskSources.get(name)
  },
  fileExists: (f) => files.has(f) || onDisk(f),
  directoryExists: dirOnDisk,
  readFile: (f) => files.get(f)?.text ?? ts.sys.readFile(f),
  getCurrentDirectory: () => cwd,
  getModuleResolutionCache: () => moduleCache,
  // the comments of declarations matter to quick info (the language service parses its own
  // copies), not to a cell's type errors: skipping them saves memory and time
  jsDocParsingMode: ts.JSDocParsingMode.ParseForTypeErrors,
}
compilerHost.resolveModuleNameLiterals = host.resolveModuleNameLiterals
compilerHost.resolveTypeReferenceDirectiveReferences = host.resolveTypeReferenceDirectiveReferences
let lastProgram: TS.Program | undefined
function program(): TS.Program {
  lastProgram = ts.createProgram({ rootNames: [...files.keys()], options, host: compilerHost, oldProgram: lastProgram })
  return lastProgram
}
let service: TS.LanguageService | null = null
const languageService = () => (service ??= ts.createLanguageService(host, ts.createDocumentRegistry()))

/** Top-level declarations of a script: each statement's range and the names it declares. */
function declarations(source: TS.SourceFile): Kept['declares'] {
  const out: Kept['declares'] = []
  const bound = (n: TS.BindingName, acc: string[]) => {
    if (ts.isIdentifier(n)) acc.push(n.text)
    else for (const e of n.elements) if (!ts.isOmittedExpression(e)) bound(e.name, acc)
  }
  for (const st of source.statements) {
    const names: string[] = []
    if (ts.isVariableStatement(st)) for (const d of st.declarationList.declarations) bound(d.name, names)
    else if ((ts.isFunctionDeclaration(st) || ts.isClassDeclaration(st) || ts.isInterfaceDeclaration(st) || ts.isTypeAliasDeclaration(st) || ts.isEnumDeclaration(st)) && st.name) names.push(st.name.text)
    if (names.length) out.push({ start: st.getFullStart(), end: st.getEnd(), names })
  }
  return out
}

function keep(cell: number, code: string): Kept {
  const source = ts.createSourceFile(`cell-${cell}.ts`, code, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS)
  return { cell, code, source, declares: ts.isExternalModule(source) ? [] : declarations(source) }
}

/** A kept cell without the declarations of `names` (a later cell declares them again); newlines stay. */
function without(k: Kept, names: Set<string>): string {
  if (!k.declares.some((d) => d.names.some((n) => names.has(n)))) return k.code
  let text = k.code
  for (const d of [...k.declares].reverse()) {
    if (d.names.some((n) => names.has(n))) text = text.slice(0, d.start) + text.slice(d.start, d.end).replace(/[^\n]/g, ' ') + text.slice(d.end)
  }
  return text
}

/** Lays out the files for checking `code` as the next cell: older cells without what it declares again. */
function stage(code: string, names: Record<string, string>): Kept {
  if (!nodeTypes && needsNodeTypes(code)) useNodeTypes()
  // the cell is parsed once: the program checks the same source its declarations come from
  setFile(CURRENT, code)
  const source = compilerHost.getSourceFile(CURRENT, ts.ScriptTarget.ES2022)!
  const next: Kept = { cell: -1, code, source, declares: ts.isExternalModule(source) ? [] : declarations(source) }
  const redeclared = new Set(next.declares.flatMap((d) => d.names))
  const declared = new Set<string>(redeclared)
  for (const k of kept) {
    setFile(k.slot!, without(k, redeclared))
    for (const d of k.declares) if (!d.names.some((n) => redeclared.has(n))) for (const n of d.names) declared.add(n)
  }
  // the session's other names, as the main thread describes them
  setFile(NAMES_FILE, Object.entries(names).filter(([n]) => !declared.has(n)).map(([n, t]) => `declare var ${n}: ${t}`).join('\n') + '\n')
  return next
}

/** The cell ran: its declarations take the place of earlier ones. */
function commit(cell: Kept): void {
  // a cell that declares nothing cannot change what later cells see, and is not kept
  if (cell.declares.length === 0 && !ts.isExternalModule(cell.source)) return
  const redeclared = new Set(cell.declares.flatMap((d) => d.names))
  for (const k of [...kept]) {
    const text = without(k, redeclared)
    if (text === k.code) continue
    const rest = keep(k.cell, text)
    // what is left declares nothing later cells can see
    if (rest.declares.length === 0) {
      kept.splice(kept.indexOf(k), 1)
      freeSlots.push(k.slot!)
      setFile(k.slot!, '')
    } else Object.assign(k, rest, { slot: k.slot })
  }
  cell.slot = freeSlots.pop() ?? file(`cell_${slots++}`)
  kept.push(cell)
  setFile(cell.slot, cell.code)
}

/** the last checks, by cell text and the state of everything else: an unchanged cell re-run in an unchanged session is not checked again */
const memo = new Map<string, Diagnostic[]>()

/** The cell's type errors, and the cell as it would be kept (parsed once for both). */
function check(code: string, names: Record<string, string>): { diagnostics: Diagnostic[]; next: Kept } {
  const next = stage(code, names)
  const key = `${[...files].filter(([f]) => f !== CURRENT).map(([f, v]) => `${f}@${v.version}`).join(',')}\0${code}`
  const known = memo.get(key)
  if (known) return { diagnostics: known, next }
  const diagnostics = checkStaged()
  if (memo.size > 200) memo.clear()
  memo.set(key, diagnostics)
  return { diagnostics, next }
}

function checkStaged(): Diagnostic[] {
  let p = program()
  // a package the cell imports refers to Node's types: they take the place of NODE_GLOBALS; or
  // to a library the bundle does not hold: the compiler's own files take its place
  // (each switch happens once, so this ends)
  for (;;) {
    const more = p.getSourceFiles().filter((f) => (!nodeTypes && isNodeTypes(f)) || (!stockLibrary && needsStockLibrary(f)))
    if (!more.length) break
    if (more.some(isNodeTypes)) useNodeTypes()
    if (more.some(needsStockLibrary)) useStockLibrary()
    p = program()
  }
  const source = p.getSourceFile(CURRENT)!
  const all = [...p.getSyntacticDiagnostics(source), ...p.getSemanticDiagnostics(source)]
  return all
    .filter((d) => d.category === ts.DiagnosticCategory.Error && !IGNORED.has(d.code))
    .map((d) => {
      const { line, character } = source.getLineAndCharacterOfPosition(d.start ?? 0)
      return { line: line + 1, column: character + 1, code: d.code, message: ts.flattenDiagnosticMessageText(d.messageText, '\n') }
    })
}

parentPort!.on('message', (m: Request) => {
  try {
    if (m.ran !== undefined && pending?.cell === m.ran) {
      commit(pending)
      pending = null
    }
    switch (m.op) {
      case 'check': {
        const { diagnostics, next } = check(m.code, m.names)
        // a cell checked after it ran is kept at once; else when the next request says it ran
        if (m.keep) commit({ ...next, cell: m.cell })
        else pending = { ...next, cell: m.cell }
        parentPort!.postMessage({ id: m.id, diagnostics })
        break
      }
      case 'replay': {
        // a new thread for the same session (the last one stopped): the cells kept before, again
        for (const c of m.cells) commit(keep(c.cell, c.code))
        parentPort!.postMessage({ id: m.id })
        break
      }
      case 'complete': {
        stage(m.code, m.names)
        const r = languageService().getCompletionsAtPosition(CURRENT, m.cursor, { includeCompletionsWithInsertText: false })
        parentPort!.postMessage({ id: m.id, names: (r?.entries ?? []).filter((e) => e.kind !== ts.ScriptElementKind.keyword).map((e) => e.name) })
        break
      }
      case 'info': {
        stage(m.code, m.names)
        const q = languageService().getQuickInfoAtPosition(CURRENT, Math.max(0, m.cursor - 1))
        const text = q ? [ts.displayPartsToString(q.displayParts), ts.displayPartsToString(q.documentation)].filter(Boolean).join('\n') : null
        parentPort!.postMessage({ id: m.id, text })
        break
      }
    }
  } catch (e) {
    parentPort!.postMessage({ id: m.id, error: String((e as Error)?.stack ?? e) })
  }
})
