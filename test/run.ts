/**
 * Runs every test file with uvu (one process per file, so each gets a fresh runtime) and ends
 * with one line `N passed, M failed`. Files: test/**\/*.test.ts, or the paths given as arguments.
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

function runFile(file: string): Promise<{ passed: number; failed: number; output: string; code: number }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file], { cwd: root, env: { ...process.env, FORCE_COLOR: '0' } })
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
const started = Date.now()
for (const file of files) {
  const t0 = Date.now()
  const r = await runFile(file)
  passed += r.passed
  failed += r.failed
  const name = relative(root, file)
  process.stdout.write(`${r.failed ? '✗' : '✓'} ${name}  (${r.passed} passed${r.failed ? `, ${r.failed} failed` : ''}, ${((Date.now() - t0) / 1000).toFixed(1)}s)\n`)
  if (r.failed || process.env.DJ_TEST_VERBOSE) process.stdout.write(r.output.split('\n').map((l) => '    ' + l).join('\n') + '\n')
}
process.stdout.write(`\n${((Date.now() - started) / 1000).toFixed(1)}s\n${passed} passed, ${failed} failed\n`)
process.exit(failed ? 1 : 0)
