/**
 * The `dj` terminal REPL: Node's REPL with the DataJoint runtime preloaded as `dj`, TypeScript
 * input (types stripped; re-entered declarations replace the old ones), top-level await,
 * safemode questions and passwords asked on the same terminal while the entry runs, and history
 * kept in ~/.dj_history.
 *
 * When input is not a terminal (`dj < tour.js`, CI), lines are fed one at a time and each
 * statement finishes before the next is read, so a piped session runs exactly as if typed;
 * safemode questions take the next input line as the answer.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { homedir, tmpdir } from 'node:os'
import { join } from 'node:path'
import repl from 'node:repl'
import { PassThrough } from 'node:stream'
import { inspect } from 'node:util'
import { cellMagic, cellMagicEnded, Magics, rewriteMagics, RUNNER } from '../magics/index.js'
import * as dj from '../runtime/index.js'
import { terminalProgress } from './progress-bar.js'
import { databaseLine, ownBundle } from './session.js'
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
  return [
    `DataJoint for TypeScript ${version} — dj is loaded.`,
    databaseLine(),
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
    // Ctrl-C stops the running entry (a loop or an await) and keeps the session
    breakEvalOnSigint: true,
  })
  server.context.dj = dj
  // a background populate's summary is printed above the prompt when it ends
  let evaluating = false
  const say = (line: string) => {
    if (evaluating) return void output.write(line + '\n')
    output.write(`\r\x1b[K${line}\n`)
    server.displayPrompt(true)
  }
  if (interactive) dj.setProgressRenderer(terminalProgress(process.stderr, say))
  // Ctrl-C also cancels a running populate at once (its key under way is rolled back)
  server.on('SIGINT', () => void dj.cancelForeground())
  const evaluate = server.eval
  // a magic's own evaluation (%time CODE) runs like an entry of its own
  const run = (code: string) => new Promise<unknown>((resolve, reject) => evaluate.call(server, toJavaScript(rewriteMagics(code)), server.context, 'repl', (err, result) => (err ? reject(err) : resolve(result))))
  let ask: (prompt: string, password: boolean) => Promise<string> = async () => ''
  const magics = new Magics({ context: server.context, evaluate: run, input: (prompt, o = {}) => ask(prompt, o.password ?? false), print: (text) => void output.write(text) })
  Object.defineProperty(server.context, RUNNER, { value: magics, enumerable: false })
  // track each evaluation so that fed input waits for it (top-level await included)
  ;(server as unknown as { eval: typeof evaluate }).eval = (cmd, context, file, cb) => {
    let js: string
    try {
      // a cell magic (%%table) takes the lines that follow, until an empty line (the REPL ends
      // every entry it passes with a newline of its own)
      if (cellMagic(cmd) && !cellMagicEnded(cmd.slice(0, -1))) throw new IncompleteInput('the cell magic continues until an empty line')
      js = cmd.trim() === '' ? cmd : toJavaScript(rewriteMagics(cmd))
    } catch (err) {
      // an unfinished entry continues on the next line; a real syntax error is shown
      cb(err instanceof IncompleteInput ? new repl.Recoverable(err) : (err as Error), undefined)
      return
    }
    evaluating = true
    busy = new Promise<void>((done) => (settle = done, evaluate.call(server, js, context, file, (err, result) => {
      // a query (or table class) as the result shows its preview, as in a notebook
      const bundle = err || completing ? null : ownBundle(result)
      if (!bundle) {
        cb(err, result)
        done()
        return
      }
      bundle
        .then(async (b) => cb(null, new Shown(await terminalText(b, result))))
        .catch((e: unknown) => cb(e as Error, undefined))
        .finally(done)
    }))).finally(() => (evaluating = false))
  }
  // completion evaluates `Probe` of `Probe.ins<tab>`: it needs the class, not its preview
  let completing = false
  const complete = server.completer as (line: string, cb: (err: Error | null, result?: unknown) => void) => void
  ;(server as unknown as { completer: typeof complete }).completer = (line, cb) => {
    completing = true
    complete.call(server, line, (err, result) => {
      completing = false
      cb(err, result)
    })
  }
  // an awaited entry that rejects is reported by the REPL's domain, which never calls back:
  // the entry is over all the same, so the next fed line may go
  let settle: (() => void) | null = null
  ;(server as unknown as { _domain?: NodeJS.EventEmitter })._domain?.prependListener('error', () => setImmediate(() => settle?.()))
  const history = options.historyFile === undefined ? join(homedir(), '.dj_history') : options.historyFile
  if (history && interactive) server.setupHistory(history, () => {})
  server.on('exit', () => {
    void dj.disconnect().finally(() => process.exit(0))
  })

  if (!feed) {
    ask = (question, password) => askOnTerminal(input, output, question, password)
    dj.setPrompter((question) => ask(question, false))
    return server
  }
  const lines: string[] = []
  let ended = false
  let wake: (() => void) | null = null
  const next = async (): Promise<string | null> => {
    while (lines.length === 0 && !ended) await new Promise<void>((r) => (wake = r))
    return lines.shift() ?? null
  }
  ask = async (question, password) => {
    const answer = (await next()) ?? ''
    output.write(`${question}${password ? '' : answer}\n`)
    return answer
  }
  dj.setPrompter((question) => ask(question, false))
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

let figures = 0
/**
 * What the terminal shows of a bundle: its text, and a picture (a diagram's SVG) written to a file
 * whose path is printed, since a terminal cannot draw it.
 */
async function terminalText(bundle: Record<string, unknown>, value: unknown): Promise<string> {
  const text = String(bundle['text/plain'] ?? value)
  const svg = bundle['image/svg+xml']
  if (typeof svg !== 'string') return text
  const dir = join(tmpdir(), 'dj-figures')
  await mkdir(dir, { recursive: true })
  const file = join(dir, `figure-${process.pid}-${++figures}.svg`)
  await writeFile(file, svg)
  return `${text}\nDrawn in ${file}`
}

type KeyListener = (text: string | undefined, key: { name?: string; ctrl?: boolean; meta?: boolean; sequence?: string } | undefined) => void

/**
 * Asks on the terminal while an entry is running. The REPL's readline does not hand lines back
 * until the entry ends, so the question takes the keypresses for itself until Enter: typed
 * characters are echoed unless it is a password, and the answer never reaches the history.
 * Ctrl-C or Ctrl-D answers with nothing (a safemode question then means no).
 */
function askOnTerminal(input: NodeJS.ReadableStream, output: NodeJS.WritableStream, question: string, password: boolean): Promise<string> {
  return new Promise((resolve) => {
    const others = input.listeners('keypress') as KeyListener[]
    input.removeAllListeners('keypress')
    const tty = input as NodeJS.ReadableStream & { isRaw?: boolean; setRawMode?: (raw: boolean) => void }
    const wasRaw = tty.isRaw
    tty.setRawMode?.(true)
    input.resume()
    output.write(question)
    let answer = ''
    const finish = (text: string) => {
      input.removeListener('keypress', onKey)
      for (const l of others) input.on('keypress', l)
      tty.setRawMode?.(wasRaw ?? false)
      output.write('\n')
      resolve(text)
    }
    const onKey: KeyListener = (text, key) => {
      if (key?.ctrl && (key.name === 'c' || key.name === 'd')) return finish('')
      if (key?.name === 'return' || key?.name === 'enter') return finish(answer)
      if (key?.name === 'backspace') {
        if (answer && !password) output.write('\b \b')
        answer = [...answer].slice(0, -1).join('')
        return
      }
      if (!text || key?.ctrl || key?.meta || /[\x00-\x1f\x7f]/.test(text)) return
      answer += text
      if (!password) output.write(text)
    }
    input.on('keypress', onKey)
  })
}
