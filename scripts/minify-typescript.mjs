/**
 * Part of the build: a minified copy of the TypeScript compiler for the kernel's type checker
 * (dist/kernel/vendor/typescript.cjs, loaded by kernel/compiler.ts). V8 keeps a script's source
 * while its functions live; the package's 9 MB of source is 3.6 MB minified, and the kernel's
 * memory is that much smaller. Its licence comment is kept.
 */
import { buildSync } from 'esbuild'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

const require = createRequire(import.meta.url)
buildSync({
  entryPoints: [require.resolve('typescript')],
  outfile: fileURLToPath(new URL('../dist/kernel/vendor/typescript.cjs', import.meta.url)),
  platform: 'node',
  format: 'cjs',
  minify: true,
  legalComments: 'inline',
  logLevel: 'error',
})
