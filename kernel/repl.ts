/**
 * The `dj` terminal REPL: Node's REPL with the DataJoint runtime preloaded as `dj`, top-level
 * await, safemode questions asked on the same terminal, and history kept in ~/.dj_history.
 */
import { homedir } from 'node:os'
import { join } from 'node:path'
import repl from 'node:repl'
import * as dj from '../runtime/index.js'

export interface ReplOptions {
  input?: NodeJS.ReadableStream
  output?: NodeJS.WritableStream
  /** where history is kept; null for none */
  historyFile?: string | null
}

export function banner(version: string): string {
  const c = dj.config
  const user = c.get('database.user') ?? '(no user)'
  return [
    `DataJoint for TypeScript ${version} — dj is loaded.`,
    `Database: ${c.get('database.backend')} ${user}@${c.effectiveHost}:${c.effectivePort} (connects on first use; dj.config.explain() shows where settings come from)`,
    'Try:  await dj.listSchemas()    const s = dj.schema("tutorial")    .help',
  ].join('\n')
}

export function startRepl(version: string, options: ReplOptions = {}): repl.REPLServer {
  const output = options.output ?? process.stdout
  output.write(banner(version) + '\n')
  const server = repl.start({
    prompt: 'dj> ',
    input: options.input ?? process.stdin,
    output,
    useGlobal: false,
    ignoreUndefined: true,
    preview: false,
  })
  server.context.dj = dj
  dj.setPrompter((question) => new Promise((resolve) => server.question(question, resolve)))
  const history = options.historyFile === undefined ? join(homedir(), '.dj_history') : options.historyFile
  if (history && process.stdin.isTTY) server.setupHistory(history, () => {})
  server.on('exit', () => {
    void dj.disconnect().finally(() => process.exit(0))
  })
  return server
}
