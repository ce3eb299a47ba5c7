/**
 * TypeScript input for the REPL and the kernel: each entry is stripped of types by esbuild (the only
 * file that imports it) and its top-level `const`, `let` and `class` become re-assignable, so that
 * re-entering a definition (a table class, a helper) replaces it instead of failing.
 */
import { createRequire } from 'node:module'
import { sep } from 'node:path'
import vm from 'node:vm'

const require = createRequire(import.meta.url)
type Esbuild = typeof import('esbuild')
type Options = import('esbuild').TransformOptions
// loaded on first use: a session that has not run a cell yet does not pay for it
let loaded: Esbuild | null = null
const esbuild = () => (loaded ??= require('esbuild') as Esbuild)

// verbatimModuleSyntax: an import a later cell uses is kept (types are imported with `import type`)
const OPTIONS: Options = { loader: 'ts', target: 'es2022', sourcemap: false, logLevel: 'silent', tsconfigRaw: { compilerOptions: { verbatimModuleSyntax: true } } }

/**
 * esbuild transforms in a child process. Ctrl-C in a terminal (or an interrupt sent to the kernel's
 * process group) signals the child too, and it dies: a fresh copy of the module starts a new one.
 */
const stopped = (err: unknown) => /service (is no longer running|was stopped)/i.test(String((err as Error)?.message))
function restart(): void {
  for (const key of Object.keys(require.cache)) if (key.includes(`${sep}esbuild${sep}`)) delete require.cache[key]
  loaded = null
}

export class IncompleteInput extends Error {}

/** The error for code esbuild cannot parse: IncompleteInput when the entry continues on the next line. */
function parseError(err: unknown): Error {
  const errors = (err as { errors?: Array<{ text: string }> }).errors ?? []
  if (errors.some((e) => /end of file|Unterminated|Expected "[)\]}]" but found end/i.test(e.text))) return new IncompleteInput(errors[0]!.text)
  return new SyntaxError(errors.map((e) => e.text).join('\n') || String(err))
}

/**
 * Whether an entry is JavaScript that needs nothing from esbuild (`1 + 1`, `await Session.populate()`),
 * so that it skips a round trip to esbuild's process (about 1 ms). It must parse as the body of a
 * script, declare nothing with const, let or class (those are made replaceable below) and hold no
 * `<` or `@`: `f<T>(x)` is a call in TypeScript and two comparisons in JavaScript, and decorators
 * are lowered. Anything else, TypeScript included, fails one of these tests and goes to esbuild.
 */
function plainJavaScript(source: string): boolean {
  if (/[<@]|\b(?:const|let|class|import|export|enum|namespace|declare|using)\b/.test(source)) return false
  try {
    // parsed (not run) as a function body, where top-level await is allowed as in a cell
    new vm.Script(`(async function () {\n${source}\n})`)
    return true
  } catch {
    return false
  }
}

/** JavaScript for the REPL's evaluator; throws IncompleteInput when the entry continues on the next line. */
export function toJavaScript(source: string): string {
  if (plainJavaScript(source)) return source
  let code: string
  try {
    try {
      code = esbuild().transformSync(source, OPTIONS).code
    } catch (err) {
      if (!stopped(err)) throw err
      restart()
      code = esbuild().transformSync(source, OPTIONS).code
    }
  } catch (err) {
    throw parseError(err)
  }
  return replaceable(code)
}

/**
 * The same, without blocking: the kernel's session uses it. (esbuild's synchronous API keeps a
 * worker thread of its own, about 12 MB, to wait on its child.)
 */
export async function transpile(source: string): Promise<string> {
  if (plainJavaScript(source)) return source
  let code: string
  try {
    try {
      code = (await esbuild().transform(source, OPTIONS)).code
    } catch (err) {
      if (!stopped(err)) throw err
      restart()
      code = (await esbuild().transform(source, OPTIONS)).code
    }
  } catch (err) {
    throw parseError(err)
  }
  return replaceable(code)
}

/** esbuild prints top-level statements at column 0: declarations become replaceable. */
function replaceable(code: string): string {
  return staticImports(code)
    .replace(/^(?:const|let) (?=[\w${[])/gm, 'var ')
    .replace(/^class ([A-Za-z_$][\w$]*)/gm, 'var $1 = class $1')
}

/**
 * Static imports become awaited dynamic ones bound as session names (a cell is a script, where
 * `import` statements cannot stand): `import d, { a as b } from "m"` is
 * `var { default: d, a: b } = await import("m")`. Specifiers resolve from the working directory
 * (the notebook's folder); CommonJS modules give module.exports as default.
 */
function staticImports(code: string): string {
  return code.replace(/^import\s+(?:([\w$]+)\s*(?:,\s*)?)?(?:\*\s*as\s+([\w$]+)\s*|\{([^}]*)\}\s*)?(?:from\s*)?("[^"\n]*"|'[^'\n]*');?$/gm, (_all, def?: string, ns?: string, named?: string, spec?: string) => {
    const load = `await import(${spec})`
    if (ns) return `var ${ns} = ${load}${def ? `, ${def} = ${ns}.default` : ''};`
    const parts = (named ?? '').split(',').map((p) => p.trim()).filter(Boolean).map((p) => p.replace(/^([\w$]+)\s+as\s+([\w$]+)$/, '$1: $2'))
    if (def) parts.unshift(`default: ${def}`)
    return parts.length ? `var { ${parts.join(', ')} } = ${load};` : `${load};`
  })
}
