/**
 * Runs every test file with uvu (one process per file, so each gets a fresh runtime) and ends
 * with one line `N passed, M failed`. Files: test/**\/*.test.ts, or the paths given as arguments.
 * The backend matrix: the files in MATRIX also run on PostgreSQL (a server started here in a
 * temporary folder) and on PGlite, and files named *.pg.test.ts run only there.
 */
import { spawn } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))

function collect(dir: string): string[] {
  const out: string[] = []
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) out.push(...collect(p))
    else if (name.endsWith('.test.ts')) out.push(p)
  }
  return out
}

const args = process.argv.slice(2)
const files = args.length ? args.map((a) => join(process.cwd(), a)) : collect(join(root, 'test'))
const ANSI = /\x1b\[[0-9;]*m/g
/** runtime suites that run on every backend */
const MATRIX = ['blob', 'declare', 'delete', 'insert', 'populate', 'queries'].map((n) => `test/integration/${n}.test.ts`)
const BACKENDS = ['postgresql', 'pglite'] as const
const onPostgres = (f: string) => MATRIX.includes(relative(root, f)) || f.endsWith('.pg.test.ts')

function runFile(file: string, env: Record<string, string> = {}): Promise<{ passed: number; failed: number; output: string; code: number }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file], { cwd: root, env: { ...process.env, FORCE_COLOR: '0', ...env } })
    let output = ''
    child.stdout.on('data', (d) => (output += d))
    child.stderr.on('data', (d) => (output += d))
    child.on('close', (code) => {
      const text = output.replace(ANSI, '')
      // uvu prints "Total: N", "Passed: P" (and "Skipped"); sum over suites in the file
      const total = [...text.matchAll(/^\s*Total:\s+(\d+)/gm)].reduce((s, m) => s + Number(m[1]), 0)
      const passed = [...text.matchAll(/^\s*Passed:\s+(\d+)/gm)].reduce((s, m) => s + Number(m[1]), 0)
      const skipped = [...text.matchAll(/^\s*Skipped:\s+(\d+)/gm)].reduce((s, m) => s + Number(m[1]), 0)
      let failed = total - passed - skipped
      // a file that crashed before uvu reported counts as one failure
      if (code !== 0 && failed === 0) failed = 1
      resolve({ passed, failed, output: text, code: code ?? 1 })
    })
  })
}

let passed = 0
let failed = 0
const perBackend = new Map<string, { passed: number; failed: number }>()
const started = Date.now()
async function run(file: string, backend: string, env: Record<string, string> = {}): Promise<void> {
  const t0 = Date.now()
  const r = await runFile(file, { DJ_TEST_BACKEND: backend, ...env })
  passed += r.passed
  failed += r.failed
  const b = perBackend.get(backend) ?? { passed: 0, failed: 0 }
  perBackend.set(backend, { passed: b.passed + r.passed, failed: b.failed + r.failed })
  const name = relative(root, file) + (backend === 'mysql' ? '' : ` [${backend}]`)
  process.stdout.write(`${r.failed ? '✗' : '✓'} ${name}  (${r.passed} passed${r.failed ? `, ${r.failed} failed` : ''}, ${((Date.now() - t0) / 1000).toFixed(1)}s)\n`)
  if (r.failed || process.env.DJ_TEST_VERBOSE) process.stdout.write(r.output.split('\n').map((l) => '    ' + l).join('\n') + '\n')
}
for (const file of files) if (!file.endsWith('.pg.test.ts')) await run(file, 'mysql')
const matrix = files.filter(onPostgres)
if (matrix.length) {
  const { startPostgres } = await import('./helpers/postgres.js')
  let server: Awaited<ReturnType<typeof startPostgres>> | null = null
  try {
    server = await startPostgres()
  } catch (e) {
    failed++
    process.stdout.write(`✗ could not start the PostgreSQL test server: ${(e as Error).message}\n`)
  }
  try {
    for (const backend of BACKENDS) {
      if (backend === 'postgresql' && !server) continue
      for (const file of matrix) await run(file, backend, server ? { DJ_TEST_PG_PORT: String(server.port) } : {})
    }
  } finally {
    server?.stop()
  }
}
const summary = [...perBackend].map(([b, r]) => `${b} ${r.passed} passed${r.failed ? `, ${r.failed} failed` : ''}`).join('; ')
process.stdout.write(`\n${((Date.now() - started) / 1000).toFixed(1)}s\nbackends: ${summary}\n${passed} passed, ${failed} failed\n`)
process.exit(failed ? 1 : 0)
