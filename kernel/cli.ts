#!/usr/bin/env node
/** The `dj` command: `dj` starts the REPL; `dj --version`; `dj help`. */
import { version } from '../runtime/version.js'
import { startRepl } from './repl.js'

const HELP = `Usage: dj [command]

  dj              start the DataJoint REPL (dj preloaded, top-level await)
  dj --version    print the version
  dj help         this text

Settings come from datajoint.json / dj_local_conf.json and DJ_HOST, DJ_USER, DJ_PASS, ...
(see the README).`

const [command] = process.argv.slice(2)
switch (command) {
  case undefined:
  case 'repl':
    startRepl(version)
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
