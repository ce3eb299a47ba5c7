/**
 * The TypeScript compiler, for the type checker's thread: the minified copy the build puts next
 * to this file (scripts/minify-typescript.mjs) when there is one, else the package. V8 keeps a
 * script's source as long as its functions live: the package's 9 MB of source, comments and all,
 * was about a twentieth of the kernel's memory. Types come from the package (`import type`).
 */
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import type * as TS from 'typescript'

const require = createRequire(import.meta.url)
const minified = fileURLToPath(new URL('./vendor/typescript.cjs', import.meta.url))
const ts = (existsSync(minified) ? require(minified) : require('typescript')) as typeof TS
// the compiler looks for its library files (lib.*.d.ts) next to the script it runs from: the package's
const packaged = require.resolve('typescript')
ts.sys.getExecutingFilePath = () => packaged

export default ts
