/**
 * Runs cells on the dj kernel through Debian's jupyter_client (test/helpers/kernel_cells.py):
 * installs the kernelspec in a temporary Jupyter data folder, runs the cells in order, and returns
 * one report per cell (and the completion/is_complete probes the script ends with).
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as assert from 'uvu/assert'
import { prefix } from './db.js'

export const root = fileURLToPath(new URL('../..', import.meta.url))

export interface CellReport { status: string; outputs: unknown[][]; prompts?: Array<[string, boolean]>; matches?: string[]; found?: boolean; data?: Record<string, string>; statuses?: string[]; stderr?: string[]; errors?: string[] }

export interface KernelRun {
  /** the kernel's working directory (the notebook's folder) */
  cwd?: string
  env?: Record<string, string>
  /** a kernelspec derived from dj with these fields changed (interrupt_mode, env) */
  spec?: Record<string, unknown>
}

export function runCells(cells: object[], run: KernelRun = {}): { cells: CellReport[]; complete: string[]; isComplete: string[] } {
  const data = mkdtempSync(join(tmpdir(), 'dj-jupyter-'))
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>), JUPYTER_DATA_DIR: data, DJ_HOST: process.env.DJ_HOST ?? '127.0.0.1', DJ_USER: process.env.DJ_USER ?? 'root', DJ_DATABASE_PREFIX: prefix, DJ_LOG_LEVEL: 'WARNING', ...run.env,
  }
  const install = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'kernel/cli.ts'), 'kernel', 'install'], { cwd: root, env, encoding: 'utf8' })
  assert.is(install.status, 0, install.stderr)
  if (run.spec) {
    const spec = JSON.parse(readFileSync(join(data, 'kernels', 'dj', 'kernel.json'), 'utf8'))
    mkdirSync(join(data, 'kernels', 'dj-variant'))
    writeFileSync(join(data, 'kernels', 'dj-variant', 'kernel.json'), JSON.stringify({ ...spec, ...run.spec }))
    env.DJ_KERNEL_NAME = 'dj-variant'
  }
  const r = spawnSync('/usr/bin/python3', [join(root, 'test/helpers/kernel_cells.py'), JSON.stringify(cells)], { cwd: run.cwd ?? root, env, encoding: 'utf8', timeout: 180_000 })
  assert.is(r.status, 0, `${r.stdout}\n${r.stderr}`)
  const report = JSON.parse(r.stdout.trim().split('\n').pop()!)
  const last = report.pop()
  return { cells: report, complete: last.complete, isComplete: last.is_complete }
}

/** The text/plain of a cell's execute_result. */
export const resultText = (c: CellReport) => (c.outputs.find((o) => o[0] === 'execute_result')?.[1] as Record<string, string> | undefined)?.['text/plain']
/** A cell's error output, if any. */
export const errorOf = (c: CellReport) => {
  const e = c.outputs.find((o) => o[0] === 'error')
  return e ? { ename: e[1] as string, evalue: e[2] as string, traceback: e[3] as string[] } : null
}
/** A cell's text on stderr. */
export const stderrOf = (c: CellReport) => c.outputs.filter((o) => o[0] === 'stream' && o[1] === 'stderr').map((o) => o[2]).join('')

/** Tests of the installed kernel run it from dist/ (what users get): builds it if a source is newer. */
export function ensureBuilt(): void {
  const newest = (dir: string): number => readdirSync(dir).reduce((m, f) => {
    const p = join(dir, f)
    const s = statSync(p)
    return Math.max(m, s.isDirectory() ? newest(p) : f.endsWith('.ts') ? s.mtimeMs : 0)
  }, 0)
  const cli = join(root, 'dist/kernel/cli.js')
  const built = existsSync(cli) ? statSync(cli).mtimeMs : 0
  if (Math.max(...['runtime', 'kernel', 'magics'].map((d) => newest(join(root, d)))) <= built) return
  const r = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: root, encoding: 'utf8' })
  assert.is(r.status, 0, r.stdout + r.stderr)
}
