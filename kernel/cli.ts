#!/usr/bin/env node
/**
 * The `dj` command: the REPL, `dj worker`, `dj kernel`. Each command loads only what it needs
 * (zeromq for the kernel, tsx for workers), so that none pays for the others at start-up.
 */
import { version } from '../runtime/version.js'

const HELP = `Usage: dj [command]

  dj              start the DataJoint REPL (dj preloaded, top-level await)
  dj worker MODULE [TABLE...] [--limit N] [--max-calls N] [--order original|reverse|random] [--once]
                  populate the auto-populated tables of MODULE with reserved jobs until done
  dj kernel install [--user|--prefix P] [--name N]
                  install the Jupyter kernelspec "DataJoint (TypeScript)"
  dj kernel --connection-file F
                  run the kernel (Jupyter starts it)
  dj notebooks [DIR]
                  copy the tutorial notebooks into DIR (default ./datajoint-tutorials)
  dj --version    print the version
  dj help         this text

Settings come from datajoint.json / dj_local_conf.json and DJ_HOST, DJ_USER, DJ_PASS, ...
(see the README).`

const [command] = process.argv.slice(2)
switch (command) {
  case undefined:
  case 'repl':
    ;(await import('./repl.js')).startRepl(version)
    break
  case 'worker': {
    const args = process.argv.slice(3)
    const flags: Record<string, string | true> = {}
    const positional: string[] = []
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!
      if (a.startsWith('--')) {
        const [k, v] = a.slice(2).split('=')
        flags[k!] = v ?? (args[i + 1] && !args[i + 1]!.startsWith('--') && k !== 'once' ? args[++i]! : true)
      } else positional.push(a)
    }
    const [module, ...tables] = positional
    if (!module) {
      process.stderr.write(`dj worker: which module? \n\n${HELP}\n`)
      process.exitCode = 2
      break
    }
    const num = (k: string) => (flags[k] === undefined ? undefined : Number(flags[k]))
    const { runWorker } = await import('./worker.js')
    runWorker(module, { tables, limit: num('limit'), maxCalls: num('max-calls'), order: flags.order as never, once: flags.once === true })
      .then((r) => process.exit(r.failed ? 1 : 0))
      .catch((e: Error) => {
        process.stderr.write(`${e.message}\n`)
        process.exit(1)
      })
    break
  }
  case 'kernel': {
    const args = process.argv.slice(3)
    const at = (flag: string) => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined)
    if (args[0] === 'install') {
      const { installKernelSpec } = await import('./jupyter/install.js')
      const dir = installKernelSpec({ user: args.includes('--user'), prefix: at('--prefix'), name: at('--name') })
      process.stdout.write(`Installed the kernelspec "${at('--name') ?? 'dj'}" (DataJoint (TypeScript)) in ${dir}\n`)
      break
    }
    const file = at('--connection-file') ?? args.find((a) => a.endsWith('.json'))
    if (!file) {
      process.stderr.write(`dj kernel: --connection-file FILE is required (Jupyter passes it).\n`)
      process.exit(2)
    }
    const { startKernel } = await import('./jupyter/kernel.js')
    startKernel(file).catch((e: Error) => {
      process.stderr.write(`dj kernel: ${e.stack ?? e.message}\n`)
      process.exit(1)
    })
    break
  }
  case 'notebooks':
    try {
      process.stdout.write((await import('./notebooks.js')).notebooksCommand(process.argv.slice(3)) + '\n')
    } catch (e) {
      process.stderr.write(`${(e as Error).message}\n`)
      process.exitCode = 1
    }
    break
  case '--version':
  case '-v':
    process.stdout.write(`${version}\n`)
    break
  case 'help':
  case '--help':
  case '-h':
    process.stdout.write(HELP + '\n')
    break
  default:
    process.stderr.write(`dj: unknown command "${command}"\n\n${HELP}\n`)
    process.exitCode = 2
}
