/**
 * The `dj` terminal REPL: Node's REPL with the DataJoint runtime preloaded as `dj`, TypeScript
 * input (types stripped; re-entered declarations replace the old ones), top-level await,
 * safemode questions asked on the same terminal, and history kept in ~/.dj_history.
 *
 * When input is not a terminal (`dj < tour.js`, CI), lines are fed one at a time and each
 * statement finishes before the next is read, so a piped session runs exactly as if typed;
 * safemode questions take the next input line as the answer.
 */
import { homedir } from 'node:os'
import { join } from 'node:path'
import repl from 'node:repl'
import { PassThrough } from 'node:stream'
import { inspect } from 'node:util'
import * as dj from '../runtime/index.js'
import { terminalProgress } from './progress-bar.js'
import { ownBundle } from './session.js'
import { IncompleteInput, toJavaScript } from './typescript.js'

/** Text shown as it is by the REPL's writer. */
class Shown {
  constructor(readonly text: string) {}
  [inspect.custom](): string {
    return this.text
  }
}

export interface ReplOptions {
  input?: NodeJS.ReadableStream & { isTTY?: boolean }
  output?: NodeJS.WritableStream
  /** where history is kept; null for none */
  historyFile?: string | null
}

export function banner(version: string): string {
  const c = dj.config
  const user = c.get('database.user') ?? 'root'
  return [
    `DataJoint for TypeScript ${version} — dj is loaded.`,
    `Database: ${c.get('database.backend')} ${user}@${c.effectiveHost}:${c.effectivePort} (connects on first use; dj.config.explain() shows where settings come from)`,
    'Try:  await dj.listSchemas()    const s = dj.schema("tutorial")    .help',
  ].join('\n')
}

export function startRepl(version: string, options: ReplOptions = {}): repl.REPLServer {
  const input = options.input ?? process.stdin
  const output = options.output ?? process.stdout
  const interactive = input.isTTY === true
  output.write(banner(version) + '\n')
  const feed = interactive ? null : new PassThrough()
  let busy: Promise<void> = Promise.resolve()
  const server = repl.start({
    prompt: 'dj> ',
    input: feed ?? input,
    output,
    terminal: interactive,
    useGlobal: false,
    ignoreUndefined: true,
    preview: false,
  })
  server.context.dj = dj
  if (interactive) dj.setProgressRenderer(terminalProgress())
  const evaluate = server.eval
  // track each evaluation so that fed input waits for it (top-level await included)
  ;(server as unknown as { eval: typeof evaluate }).eval = (cmd, context, file, cb) => {
    let js: string
    try {
      js = cmd.trim() === '' ? cmd : toJavaScript(cmd)
    } catch (err) {
      // an unfinished entry continues on the next line; a real syntax error is shown
      cb(err instanceof IncompleteInput ? new repl.Recoverable(err) : (err as Error), undefined)
      return
    }
    busy = new Promise((done) => evaluate.call(server, js, context, file, (err, result) => {
      // a query (or table class) as the result shows its preview, as in a notebook
      const bundle = err ? null : ownBundle(result)
      if (!bundle) {
        cb(err, result)
        done()
        return
      }
      bundle
        .then((b) => cb(null, new Shown(String(b['text/plain'] ?? result))))
        .catch((e: unknown) => cb(e as Error, undefined))
        .finally(done)
    }))
  }
  const history = options.historyFile === undefined ? join(homedir(), '.dj_history') : options.historyFile
  if (history && interactive) server.setupHistory(history, () => {})
  server.on('exit', () => {
    void dj.disconnect().finally(() => process.exit(0))
  })

  if (!feed) {
    dj.setPrompter((question) => new Promise((resolve) => server.question(question, resolve)))
    return server
  }
  const lines: string[] = []
  let ended = false
  let wake: (() => void) | null = null
  const next = async (): Promise<string | null> => {
    while (lines.length === 0 && !ended) await new Promise<void>((r) => (wake = r))
    return lines.shift() ?? null
  }
  dj.setPrompter(async (question) => {
    const answer = (await next()) ?? ''
    output.write(`${question}${answer}\n`)
    return answer
  })
  let pending = ''
  input.setEncoding?.('utf8')
  input.on('data', (chunk: string) => {
    const parts = (pending + chunk).split('\n')
    pending = parts.pop()!
    lines.push(...parts)
    wake?.()
  })
  input.on('end', () => {
    if (pending) lines.push(pending)
    ended = true
    wake?.()
  })
  void (async () => {
    for (;;) {
      const line = await next()
      if (line === null) break
      feed.write(line + '\n')
      // let the REPL read the line and start evaluating, then wait until it is done
      await new Promise((r) => setImmediate(r))
      await busy
    }
    feed.end()
  })()
  return server
}
