/** `dj kernel install`: writes the kernelspec `dj` ("DataJoint (TypeScript)") for Jupyter. */
import { mkdirSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { logoPng, logoSvg } from './logo.js'

export interface InstallOptions {
  user?: boolean
  prefix?: string
  name?: string
}

export function installKernelSpec(options: InstallOptions = {}): string {
  const name = options.name ?? 'dj'
  const base = options.prefix
    ? join(resolve(options.prefix), 'share', 'jupyter')
    : process.env.JUPYTER_DATA_DIR ?? join(homedir(), '.local', 'share', 'jupyter')
  const dir = join(base, 'kernels', name)
  mkdirSync(dir, { recursive: true })
  // the same node, loader flags and script that run this command start the kernel; a loader
  // named as a package (--import tsx) is resolved now, since Jupyter starts kernels elsewhere
  const flags = process.execArgv.map((a, i, all) => (i > 0 && all[i - 1] === '--import' && !/^(\.|\/|file:)/.test(a) ? import.meta.resolve(a) : a))
  const argv = [process.execPath, ...flags, resolve(process.argv[1]!), 'kernel', '--connection-file', '{connection_file}']
  // glibc's allocator keeps freed memory per thread arena and returns little of it: the kernel
  // runs several threads (the checker, the control channel), and two arenas with an eager trim
  // keep 10-25 MB less resident for the same work
  const env = { MALLOC_ARENA_MAX: '2', MALLOC_TRIM_THRESHOLD_: '131072' }
  const spec = { argv, env, display_name: 'DataJoint (TypeScript)', language: 'typescript', interrupt_mode: 'message', metadata: { debugger: false } }
  writeFileSync(join(dir, 'kernel.json'), JSON.stringify(spec, null, 2) + '\n')
  writeFileSync(join(dir, 'logo-32x32.png'), logoPng(32))
  writeFileSync(join(dir, 'logo-64x64.png'), logoPng(64))
  writeFileSync(join(dir, 'logo-svg.svg'), logoSvg())
  return dir
}
