/**
 * The Jupyter kernel: the five channels over zeromq (the only file importing it), one request at
 * a time on shell with busy/idle around it, the session for evaluation, and interrupts that stop
 * a pending await while the session keeps its state.
 */
import { readFileSync } from 'node:fs'
import { inspect } from 'node:util'
import * as zmq from 'zeromq'
import * as dj from '../../runtime/index.js'
import { bundleOf, databaseLine, Session } from '../session.js'
import { progressBundle } from './progress.js'
import { startThread } from '../thread.js'
import { cellMagic, rewriteMagics } from '../../magics/index.js'
import { type Diagnostic, describeName, formatDiagnostics, TypeChecker, type TypecheckMode, TYPECHECK_MODES } from '../typecheck.js'
import { decode, encode, header, type Message, PROTOCOL_VERSION, Signer } from './wire.js'

interface ConnectionInfo {
  ip: string
  transport: string
  shell_port: number
  control_port: number
  iopub_port: number
  stdin_port: number
  hb_port: number
  key: string
  signature_scheme: string
}

/** Where a reply goes: a zeromq socket, or the control thread. */
interface Replier {
  send(frames: Buffer[]): Promise<void>
}

class Interrupted extends Error {
  override name = 'KeyboardInterrupt'
}
class TypeScriptError extends Error {
  override name = 'TypeScriptError'
}

export async function startKernel(connectionFile: string): Promise<void> {
  const info = JSON.parse(readFileSync(connectionFile, 'utf8')) as ConnectionInfo
  const url = (port: number) => `${info.transport}://${info.ip}:${port}`
  const signer = new Signer(info.key, info.signature_scheme || 'hmac-sha256')
  const session = crypto.randomUUID()
  const shell = new zmq.Router()
  const stdin = new zmq.Router()
  // an XPUB socket sees subscriptions arrive, so requests can wait for the client's iopub
  const iopub = new zmq.XPublisher()
  const hb = new zmq.Reply()
  await Promise.all([shell.bind(url(info.shell_port)), stdin.bind(url(info.stdin_port)), iopub.bind(url(info.iopub_port)), hb.bind(url(info.hb_port))])
  // the control channel lives in a thread, so that an interrupt reaches a cell stuck in a loop
  const controlThread = startThread(import.meta.url, 'control-thread', { url: url(info.control_port), key: info.key, scheme: info.signature_scheme || 'hmac-sha256', session })
  controlThread.unref()
  // the thread loads on the other core while this one serves shell: control requests that come
  // before it has bound wait in the client's socket. Without it nothing could interrupt a cell.
  controlThread.once('error', (e: Error) => {
    process.stderr.write(`dj kernel: the control channel failed: ${e.message}\n`)
    process.exit(1)
  })
  /** replies to control requests go out through its thread */
  let sendId = 0
  const sent = new Map<number, () => void>()
  controlThread.on('message', (m: { sent?: number }) => {
    if (m.sent !== undefined) (sent.get(m.sent)?.(), sent.delete(m.sent))
  })
  const control: Replier = {
    send: (frames) => new Promise<void>((resolve) => {
      const id = ++sendId
      sent.set(id, resolve)
      controlThread.postMessage({ send: frames, id })
    }),
  }

  /** Closes every socket, the control thread's first, before the process exits. */
  const closeSockets = async () => {
    const ended = new Promise<void>((resolve) => {
      controlThread.once('exit', () => resolve())
      setTimeout(resolve, 1000).unref()
    })
    controlThread.postMessage({ close: true })
    await ended
    for (const s of [shell, stdin, iopub, hb]) s.close()
  }

  let executionCount = 0
  let parent: Message | null = null
  /** the execute_request running now, if any */
  let executing: Message | null = null
  let interrupt: ((e: Error) => void) | null = null
  const history: Array<[number, number, string]> = []
  // a zeromq socket takes one send at a time: iopub messages go out in a chain, in order
  let published: Promise<void> = Promise.resolve()
  const publish = (type: string, content: object, p: Message | null = parent, metadata: object = {}) => {
    const frames = encode(signer, [Buffer.from(type)], header(type, session), p?.header ?? {}, content, metadata)
    // a failed send is reported and does not stop the messages after it
    published = published.then(() => iopub.send(frames)).catch((e: Error) => void process.stderr.write(`dj kernel: iopub send failed: ${e.message}\n`))
  }
  const reply = (socket: Replier, request: Message, type: string, content: object) =>
    socket.send(encode(signer, request.identities, header(type, session), request.header, content))

  // type checking in a worker thread; DJ_TYPECHECK or %config typecheck = strict|warn|off
  const checker = new TypeChecker(process.cwd())
  const envMode = (process.env.DJ_TYPECHECK ?? 'warn').toLowerCase() as TypecheckMode
  let typecheck: TypecheckMode = TYPECHECK_MODES.includes(envMode) ? envMode : 'warn'
  /** warnings of a cell that ended before its check did: shown at the start of the next cell */
  const late: string[] = []
  /** Shows the late warnings under the request `m`. */
  const publishLate = (m: Message) => {
    if (late.length) publish('stream', { name: 'stderr', text: late.splice(0).join('\n') + '\n' }, m)
  }
  let lateCheck: Promise<unknown> = Promise.resolve()
  /** the last cell stopped waiting for its check because the client had sent the next request */
  let pipelined = false
  /** how long after a cell's reply the session must be without requests before checks are sent */
  const QUIET_MS = 5
  /**
   * 'late' after `ms`, or 'queued' as soon as another shell request waits: a client that sends
   * cells ahead (Run All) is not slowed by their checks, whose warnings then come with later cells.
   */
  const patience = (ms: number) => {
    let timer: NodeJS.Timeout | undefined
    const settled = Promise.race([
      new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), ms))),
      arrival().then(() => 'queued' as const),
    ])
    return { settled, stop: () => clearTimeout(timer) }
  }
  // shell requests are read as they come, so that a cell knows when the next one waits
  const inbox: Buffer[][] = []
  let shellOpen = true
  let arrived: Array<() => void> = []
  /** resolves when a shell request waits (at once if one does) or the socket is closed */
  const arrival = () => new Promise<void>((resolve) => (inbox.length || !shellOpen ? resolve() : arrived.push(resolve)))
  const nextRequest = async (): Promise<Buffer[] | undefined> => {
    await arrival()
    return inbox.shift()
  }
  void (async () => {
    for await (const frames of shell) {
      inbox.push(frames)
      for (const go of arrived.splice(0)) go()
    }
    shellOpen = false
    for (const go of arrived.splice(0)) go()
  })()
  /** final progress displays sent while no cell ran, sent again before the next cell's reply */
  const unseenFinals = new Map<string, () => void>()
  const sess = new Session({
    stream: (name, text) => publish('stream', { name, text }),
    display: (bundle, id, update) => publish(update ? 'update_display_data' : 'display_data', { data: bundle, metadata: {}, transient: id ? { display_id: id } : {} }),
    clear: (wait) => publish('clear_output', { wait }),
    input: (prompt, password) => ask(prompt, password),
  }, {
    typecheck: {
      get: () => typecheck,
      set: (v) => (typecheck = v as TypecheckMode),
      choices: TYPECHECK_MODES,
      help: 'strict refuses a cell with type errors, warn runs it and shows them, off checks nothing',
    },
  })
  let warmed = false
  const sessionTypes = () => Object.fromEntries(sess.userNames().map(([n, v]) => [n, describeName(v)]))
  // questions (safemode, input()) go to the notebook's input box over stdin
  const ask = async (prompt: string, password = false): Promise<string> => {
    if (!parent || !parent.content.allow_stdin) throw new dj.ConfirmationRequired(`${prompt.trim()}: this cell cannot take input.`)
    await stdin.send(encode(signer, parent.identities, header('input_request', session), parent.header, { prompt, password }))
    for (;;) {
      const frames = await stdin.receive()
      const m = decode(frames, signer)
      if (m && m.header.msg_type === 'input_reply') return String(m.content.value ?? '')
    }
  }
  dj.setPrompter((q) => ask(q))
  sess.context.input = (prompt = '', options: { password?: boolean } = {}) => ask(prompt, options.password)
  // a populate's display: shown under the cell that started it, then updated in place. An update
  // goes out under the cell executing now, if any (nbclient reads only the current cell's
  // messages), else under the cell that started it (live front ends route it by display id).
  dj.setProgressRenderer((task) => {
    const id = `dj-populate-${task.id}`
    const origin = executing
    let last = 0
    let timer: NodeJS.Timeout | null = null
    let latest: dj.PopulateEvent | null = null
    const send = (e: dj.PopulateEvent | null) => {
      last = Date.now()
      publish(e ? 'update_display_data' : 'display_data', { data: progressBundle(task, e), metadata: {}, transient: { display_id: id } }, e ? executing ?? origin : origin)
      // a final state sent while no cell runs is lost to clients that read only the running cell
      // (nbclient): it goes again under the next cell
      if (e?.type === 'end' && !executing) unseenFinals.set(id, () => send(e))
    }
    send(null)
    return (e) => {
      latest = e
      if (timer) clearTimeout(timer)
      timer = null
      // at most ten updates a second; the last state always goes out
      const wait = e.type === 'end' || e.type === 'start' ? 0 : 100 - (Date.now() - last)
      if (wait <= 0) send(e)
      else timer = setTimeout(() => (timer = null, latest && send(latest)), wait)
    }
  })

  const kernelInfo = {
    status: 'ok',
    protocol_version: PROTOCOL_VERSION,
    implementation: 'datajoint-ts',
    implementation_version: dj.version,
    language_info: { name: 'typescript', version: '5', mimetype: 'text/typescript', file_extension: '.ts', codemirror_mode: 'typescript' },
    banner: `DataJoint (TypeScript) ${dj.version}\n${databaseLine()}`,
    help_links: [{ text: 'datajoint-ts', url: 'https://github.com/datajoint' }],
  }

  /**
   * Cells that ran in `warn` mode, waiting for their check. A check never competes with a cell:
   * it is sent once the cell has replied and no other request has come for QUIET_MS. While a
   * client sends cells ahead (Run All), their checks wait until the last one; their warnings then
   * come together, each labelled with its cell.
   */
  const unchecked: Array<{ count: number; code: string }> = []
  /** Sends the waiting cells' checks, in order (each sees the declarations of those before it). */
  const sendChecks = () =>
    unchecked.splice(0).map(({ count, code }) => ({ count, result: checker.check(count, code, sessionTypes(), true).catch(() => null) }))
  /** Their warnings, labelled, come with the next cell. */
  const reportLater = (checks: ReturnType<typeof sendChecks>) => {
    for (const c of checks) lateCheck = c.result.then((d) => void (d?.length && late.push(`[cell ${c.count}] ${formatDiagnostics(d)}`)))
  }

  /** What follows a cell's reply: the waiting checks, and their warnings before the idle status if they end within 250 ms. */
  function afterCell(m: Message, count: number): (() => Promise<void>) | undefined {
    if (!unchecked.length || m.content.silent) return undefined
    return async () => {
      const quiet = patience(QUIET_MS)
      const q = await quiet.settled
      quiet.stop()
      if (q === 'queued') return void (pipelined = true)
      const wait = patience(250)
      const sent = sendChecks()
      for (const [i, { count: k, result }] of sent.entries()) {
        const ds = await Promise.race([result, wait.settled])
        if (ds === 'late' || ds === 'queued') {
          // the rest come with a later cell
          pipelined = ds === 'queued'
          reportLater(sent.slice(i))
          break
        }
        if (ds?.length) publish('stream', { name: 'stderr', text: `${k === count ? '' : `[cell ${k}] `}${formatDiagnostics(ds)}\n` }, m)
      }
      wait.stop()
      publishLate(m)
    }
  }

  /** Runs a cell: its reply, and what comes after the reply (the cell's type warnings). */
  async function execute(m: Message): Promise<{ content: { status: string } & Record<string, unknown>; after?: () => Promise<void> }> {
    const { code, silent = false, store_history = true } = m.content
    if (!silent && store_history) executionCount++
    const count = executionCount
    if (!silent) publish('execute_input', { code, execution_count: count })
    if (store_history) history.push([0, count, code])
    executing = m
    checker.stopWarming()
    // the warnings of the cell before, if its check outlasted it (the first, while the compiler loads)
    // (unless the client sends cells ahead: then they come when they are ready)
    if (!pipelined) await Promise.race([lateCheck, new Promise((r) => setTimeout(r, 3000))])
    pipelined = false
    if (!silent) publishLate(m)
    // a cell magic (%%table, %%sql) is not TypeScript; line magics are checked as their calls
    const checked = typecheck !== 'off' && !silent && code.trim() !== '' && !cellMagic(code)
    const strict = checked && typecheck === 'strict'
    try {
      if (strict) {
        // the cells waiting for their check go first: this one sees their declarations
        reportLater(sendChecks())
        // a checker that fails or is gone checks nothing: the cell runs as it would without it
        const ds = await checker.check(count, rewriteMagics(code), sessionTypes()).catch(() => null)
        if (ds?.length) throw new TypeScriptError(`${ds.length} type error${ds.length === 1 ? '' : 's'}; the cell did not run (%config typecheck = warn runs it anyway).\n${formatDiagnostics(ds)}`)
      }
      const value = await Promise.race([sess.evaluate(code), new Promise((_, reject) => (interrupt = reject))])
      // strict: checked already, its declarations are kept now; warn: checked after it ran
      if (strict) checker.commit(count)
      else if (checked) unchecked.push({ count, code: rewriteMagics(code) })
      await sess.flush()
      if (!silent && value !== undefined) publish('execute_result', { execution_count: count, data: await bundleOf(value), metadata: {} })
      const userExpressions: Record<string, object> = {}
      for (const [name, expr] of Object.entries((m.content.user_expressions ?? {}) as Record<string, string>)) {
        try {
          userExpressions[name] = { status: 'ok', data: await bundleOf(await sess.evaluate(expr)), metadata: {} }
        } catch (e) {
          userExpressions[name] = { status: 'error', ename: (e as Error).name, evalue: (e as Error).message, traceback: [] }
        }
      }
      return { content: { status: 'ok', execution_count: count, user_expressions: userExpressions, payload: [] }, after: afterCell(m, count) }
    } catch (caught) {
      // a script stopped by SIGINT (a busy loop) is an interrupt too
      const err = (caught as { code?: string })?.code === 'ERR_SCRIPT_EXECUTION_INTERRUPTED' ? new Interrupted('the cell was interrupted') : caught
      // an interrupted populate is cancelled at once: its key under way is rolled back
      if (err instanceof Interrupted) await dj.cancelForeground()
      await sess.flush()
      // errors of the cell's realm are not instances of this realm's Error
      const e = err !== null && typeof err === 'object' && 'message' in err ? (err as Error) : new Error(String(err))
      // the stack repeats the message (hints span lines): the frames are what follows it
      const head = `${e.name}: ${e.message}`
      const stack = e.stack ?? ''
      const frames = (stack.startsWith(head) ? stack.slice(head.length) : stack.split('\n').slice(1).join('\n')).split('\n').filter((l) => l.trim() && !l.includes('node:internal') && !l.includes('/kernel/') && !l.includes('/magics/'))
      const traceback = [head, ...frames]
      if (!silent) publish('error', { ename: e.name, evalue: e.message, traceback })
      return { content: { status: 'error', execution_count: count, ename: e.name, evalue: e.message, traceback }, after: afterCell(m, count) }
    } finally {
      for (const resend of unseenFinals.values()) resend()
      unseenFinals.clear()
      interrupt = null
      executing = null
    }
  }

  /** requests being handled (shell and control), and when the last one ended */
  let handling = 0
  let lastHandled = Date.now()
  /** Runs `fn` once no request has been handled or waiting for `ms`. */
  const whenIdle = (ms: number, fn: () => void) => {
    const tick = () => (handling === 0 && !inbox.length && Date.now() - lastHandled >= ms ? fn() : void setTimeout(tick, ms / 5).unref())
    setTimeout(tick, ms).unref()
  }

  /** set when a cell fails (stop_on_error): the execute requests already waiting are aborted */
  let abortBacklog = false
  let failedAt = 0
  async function handle(socket: Replier, m: Message, backlog = false): Promise<void> {
    const type = m.header.msg_type
    // outputs of the running cell keep its parent; a control request does not take it over
    if (socket === shell) parent = m
    publish('status', { execution_state: 'busy' }, m)
    handling++
    try {
      switch (type) {
        case 'kernel_info_request':
          await reply(socket, m, 'kernel_info_reply', kernelInfo)
          // the checker loads the compiler and the runtime's types once the client is talking and
          // the kernel has nothing to do (the load is a second of work, which a client's first
          // cells sent at once would otherwise compete with; their checks wait until after them)
          if (!warmed && typecheck !== 'off') {
            warmed = true
            whenIdle(500, () => checker.warm())
          }
          break
        case 'execute_request': {
          if (backlog) {
            await reply(socket, m, 'execute_reply', { status: 'aborted', execution_count: executionCount })
            break
          }
          const { content, after } = await execute(m)
          await published
          await reply(socket, m, 'execute_reply', content)
          if (content.status === 'error' && m.content.stop_on_error !== false) {
            abortBacklog = true
            failedAt = Date.now()
          }
          await after?.()
          break
        }
        case 'complete_request': {
          const code = String(m.content.code)
          const cursor = Number(m.content.cursor_pos)
          // live values first (what the session holds), then the language service, which also
          // knows what calls return (dj.schema('x').listT<tab>) without running them
          const c = await sess.complete(code, cursor)
          let matches = c.matches
          if (typecheck !== 'off' && !cellMagic(code) && rewriteMagics(code) === code) {
            const partial = code.slice(c.start, cursor)
            try {
              // (the language service sees the cells still waiting for their check)
              reportLater(sendChecks())
              const typed = await checker.completions(code, cursor, sessionTypes(), 1500)
              matches = [...new Set([...matches, ...typed.filter((n) => n.startsWith(partial) && !n.startsWith('__dj_'))])].sort()
            } catch {
              /* the checker is busy or gone: the live values answer alone */
            }
          }
          await reply(socket, m, 'complete_reply', { status: 'ok', matches, cursor_start: c.start, cursor_end: c.end, metadata: {} })
          break
        }
        case 'inspect_request': {
          const before = String(m.content.code).slice(0, m.content.cursor_pos)
          const name = /([A-Za-z_$][\w$.]*)$/.exec(before)?.[1]
          const parts: string[] = []
          const code = String(m.content.code)
          if (typecheck !== 'off' && !cellMagic(code) && rewriteMagics(code) === code) {
            // the type and documentation from the language service
            reportLater(sendChecks())
            const info = await checker.info(code, Number(m.content.cursor_pos), sessionTypes(), 1500).catch(() => null)
            if (info) parts.push(info)
          }
          if (name) {
            try {
              const v = await sess.evaluate(name)
              parts.push(typeof v === 'function' ? `${v.name}: ${String(v).split('\n')[0]}` : inspect(v, { depth: 1 }))
            } catch {
              /* not a name in the session */
            }
          }
          const found = parts.length > 0
          const data = found ? { 'text/plain': parts.join('\n\n') } : {}
          await reply(socket, m, 'inspect_reply', { status: 'ok', found, data, metadata: {} })
          break
        }
        case 'is_complete_request': {
          const status = await sess.isComplete(m.content.code)
          await reply(socket, m, 'is_complete_reply', status === 'incomplete' ? { status, indent: '' } : { status })
          break
        }
        case 'history_request':
          await reply(socket, m, 'history_reply', { status: 'ok', history: m.content.output ? history.map((h) => [h[0], h[1], [h[2], null]]) : history })
          break
        case 'comm_info_request':
          await reply(socket, m, 'comm_info_reply', { status: 'ok', comms: {} })
          break
        case 'interrupt_request':
          // answered by the control thread, which signals this process (see the SIGINT handler)
          break
        case 'shutdown_request':
          await reply(socket, m, 'shutdown_reply', { status: 'ok', restart: !!m.content.restart })
          publish('status', { execution_state: 'idle' }, m)
          await published
          await dj.disconnect().catch(() => {})
          await closeSockets()
          process.exit(0)
          break
        default:
          break // unknown requests get no reply, as the spec allows
      }
    } finally {
      handling--
      lastHandled = Date.now()
      publish('status', { execution_state: 'idle' }, m)
      await published
    }
  }

  // an interrupt, by signal or by message (the control thread sends the signal): a running
  // script is stopped by the evaluator (breakOnSigint), a pending await here
  process.on('SIGINT', () => {
    sess.interrupted()
    interrupt?.(new Interrupted('the cell was interrupted'))
  })
  publish('status', { execution_state: 'starting' }, null)

  // A client's iopub subscription reaches us some time after it connects (zeromq retries a
  // connect every 100 ms). Outputs published before it are lost, and a client that waits for
  // the idle status of its request (jupyter console) then waits forever. So the first request
  // waits, at most a few seconds, until some client has subscribed.
  let subscribed: () => void = () => {}
  const firstSubscriber = new Promise<void>((resolve) => (subscribed = resolve))
  void (async () => {
    for await (const [frame] of iopub) if (frame?.[0] === 1) subscribed()
  })()
  const ready = Promise.race([firstSubscriber, new Promise<void>((resolve) => setTimeout(resolve, 3000).unref())])
  void (async () => {
    for await (const frames of hb) await hb.send(frames)
  })()
  // control requests from the control thread, one at a time
  let controlQueue: Promise<void> = Promise.resolve()
  controlThread.on('message', (msg: { request?: Uint8Array[]; status?: Message['header'] }) => {
    if (!msg.request && !msg.status) return
    controlQueue = controlQueue.then(async () => {
      await ready
      if (msg.status) {
        // the interrupt was answered by the thread: its busy and idle
        const m = { header: msg.status } as Message
        publish('status', { execution_state: 'busy' }, m)
        publish('status', { execution_state: 'idle' }, m)
        return
      }
      const m = decode(msg.request!.map((f) => Buffer.from(f)), signer)
      if (m) await handle(control, m)
    })
  })
  // shell requests run one at a time, in order
  for (;;) {
    const frames = await nextRequest()
    if (!frames) break
    const m = decode(frames, signer)
    // kernel_info publishes nothing a client waits for (clients that need iopub ask again until
    // a status reaches them): it is answered at once, so that start-up is not held up
    if (m?.header.msg_type !== 'kernel_info_request') await ready
    if (m) await handle(shell, m)
    // after a failed cell, the cells queued behind it are aborted: those sent before its reply
    while (abortBacklog && inbox.length) {
      const q = decode(inbox.shift()!, signer)
      // a request written after the failure's reply was sent is the client's next one, not a queued cell
      const sent = Date.parse(String(q?.header.date ?? ''))
      if (q) await handle(shell, q, Number.isFinite(sent) && sent < failedAt)
    }
    abortBacklog = false
  }
}
