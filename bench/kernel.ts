/**
 * The dj kernel next to tslab (installed from npm by this script into a temporary folder), both
 * driven by Debian's jupyter_client in the same run: startup to the first kernel_info_reply, a
 * trivial cell (median of 50), a 200-line typed cell, memory after start.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))

export function kernelBench(): void {
  if (!existsSync('/usr/bin/python3') || spawnSync('/usr/bin/python3', ['-c', 'import jupyter_client']).status !== 0) {
    console.log('\nkernel: skipped (needs Debian python3-jupyter-client; .ci/run installs it)')
    return
  }
  const data = mkdtempSync(join(tmpdir(), 'dj-kbench-'))
  const env = { ...process.env, JUPYTER_DATA_DIR: data }
  // the built kernel (dist/, as installed users run it) when there is one
  const dist = join(root, 'dist/kernel/cli.js')
  spawnSync(process.execPath, existsSync(dist) ? [dist, 'kernel', 'install'] : ['--import', 'tsx', join(root, 'kernel/cli.ts'), 'kernel', 'install'], { env })
  const tslabDir = join(tmpdir(), 'dj-bench-tslab')
  if (!existsSync(join(tslabDir, 'node_modules/.bin/tslab'))) {
    spawnSync('npm', ['install', '--no-audit', '--no-fund', '--prefix', tslabDir, 'tslab@1.0.22'], { stdio: 'ignore' })
  }
  const tslab = join(tslabDir, 'node_modules/.bin/tslab')
  // the same kernel without type checking, for comparison
  const spec = JSON.parse(readFileSync(join(data, 'kernels', 'dj', 'kernel.json'), 'utf8'))
  mkdirSync(join(data, 'kernels', 'dj-off'), { recursive: true })
  writeFileSync(join(data, 'kernels', 'dj-off', 'kernel.json'), JSON.stringify({ ...spec, env: { ...spec.env, DJ_TYPECHECK: 'off' } }))
  const kernels = ['dj', 'dj-off']
  if (existsSync(tslab)) {
    mkdirSync(join(data, 'kernels', 'tslab'), { recursive: true })
    writeFileSync(join(data, 'kernels', 'tslab', 'kernel.json'), JSON.stringify({ argv: [process.execPath, tslab, 'kernel', '--config-path', '{connection_file}'], display_name: 'tslab', language: 'typescript' }))
    kernels.push('tslab')
  }
  const RUNS = 3
  console.log(`\nkernel (jupyter_client, median of ${RUNS} starts each): startup to kernel_info_reply, trivial cell to its reply (median of 50 distinct cells), 200-line typed cell to its reply (median of 5; checked: to its idle status, its type warnings in), memory after the cells and 15 s later at rest`)
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!
  for (const k of kernels) {
    const runs: Array<Record<string, number>> = []
    let failure = ''
    for (let i = 0; i < RUNS && !failure; i++) {
      // the first run also waits at rest, for the memory a kernel keeps while idle
      const r = spawnSync('/usr/bin/python3', [join(root, 'bench/kernel_bench.py'), k, i === 0 ? '15' : '0'], { env, encoding: 'utf8', timeout: 300_000 })
      const line = r.stdout.trim().split('\n').pop() ?? ''
      try {
        runs.push(JSON.parse(line))
      } catch {
        failure = (r.stderr || line).split('\n').slice(-3).join(' ')
      }
    }
    if (failure) {
      console.log(`${k.padEnd(8)} failed: ${failure}`)
      continue
    }
    const m = (key: string) => median(runs.map((r) => r[key]!))
    console.log(`${k.padEnd(8)} startup ${m('startup_s').toFixed(2)} s   trivial ${m('trivial_ms').toFixed(1)} ms   typed 200 lines ${m('typed200_ms').toFixed(0)} ms (checked ${m('typed200_checked_ms').toFixed(0)} ms)   ${m('rss_mib').toFixed(0)} MiB (at rest ${runs[0]!.rest_rss_mib!.toFixed(0)} MiB)`)
  }
  console.log('(dj checks types in a worker thread and shows errors as warnings; dj-off is the same kernel with %config typecheck = off)')
  console.log('reference on this machine class: tslab 0.71 s, 2.7 ms, 68 ms, 174 MiB; Deno 0.11 s, 1.6 ms, 3.4 ms, 201 MiB')
}
