/**
 * TypeScript input for the REPL: each entry is stripped of types by esbuild (the only file that
 * imports it) and its top-level `const`, `let` and `class` become re-assignable, so that re-entering
 * a definition (a table class, a helper) replaces it instead of failing.
 */
import { createRequire } from 'node:module'
import { sep } from 'node:path'

const require = createRequire(import.meta.url)
type Esbuild = typeof import('esbuild')
let esbuild = require('esbuild') as Esbuild

/**
 * esbuild transforms in a child process. Ctrl-C in a terminal signals the whole process group,
 * and the child dies with it; a fresh copy of the module starts a new child.
 */
function transformSync(source: string, options: import('esbuild').TransformOptions): import('esbuild').TransformResult {
  try {
    return esbuild.transformSync(source, options)
  } catch (err) {
    if (!/service (is no longer running|was stopped)/i.test(String((err as Error).message))) throw err
    for (const key of Object.keys(require.cache)) if (key.includes(`${sep}esbuild${sep}`)) delete require.cache[key]
    esbuild = require('esbuild') as Esbuild
    return esbuild.transformSync(source, options)
  }
}

export class IncompleteInput extends Error {}

/** JavaScript for the REPL's evaluator; IncompleteInput when the entry continues on the next line. */
export function toJavaScript(source: string): string {
  let code: string
  try {
    // verbatimModuleSyntax: an import a later cell uses is kept (types are imported with `import type`)
    code = transformSync(source, { loader: 'ts', target: 'es2022', sourcemap: false, logLevel: 'silent', tsconfigRaw: { compilerOptions: { verbatimModuleSyntax: true } } }).code
  } catch (err) {
    const errors = (err as { errors?: Array<{ text: string }> }).errors ?? []
    if (errors.some((e) => /end of file|Unterminated|Expected "[)\]}]" but found end/i.test(e.text))) throw new IncompleteInput(errors[0]!.text)
    throw new SyntaxError(errors.map((e) => e.text).join('\n') || String(err))
  }
  // esbuild prints top-level statements at column 0: make declarations replaceable
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
