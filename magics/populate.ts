/**
 * %populate and %jobs: populate a table in the foreground (an updating progress display), in the
 * background (the session stays free while keys are made), or by worker processes; list the
 * background tasks and the job queues, cancel a task, retry failed jobs.
 */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import * as dj from '../runtime/index.js'
import { type Magic, type MagicHost, MagicError, parseMagicArgs, sessionTable, Text } from './magic.js'

type AutoClass = typeof dj.AutoPopulated

async function autoPopulated(name: string, magic: string, host: MagicHost): Promise<AutoClass> {
  const value = await sessionTable(host, magic, name, 'Give the class name of a declared Imported or Computed table.')
  const tier = (value as { tier?: unknown })?.tier
  if (typeof value !== 'function' || !(value.prototype instanceof dj.Table) || (tier !== 'imported' && tier !== 'computed')) {
    throw new MagicError(`%${magic}: ${name} is not an Imported or Computed table; only those are populated.`, { hint: 'Declare it with %%table NAME computed (or imported) and give it a make(key).' })
  }
  return value as AutoClass
}

const count = (v: string | boolean | undefined, option: string): number | undefined => {
  if (v === undefined) return undefined
  const n = Number(v)
  if (!Number.isInteger(n) || n < 1) throw new MagicError(`%populate: --${option} needs a whole number of at least 1, not "${v}".`)
  return n
}

export const populate: Magic = {
  name: 'populate',
  kinds: ['line'],
  usage: '%populate TABLE [--restrict EXPR] [--reserve-jobs] [--suppress-errors] [--limit N] [--background] [--workers N]',
  help: [
    'Calls make(key) for every key of TABLE that is not computed yet, showing progress as it goes',
    '(keys done of all, errors, rate, time to go). --restrict EXPR limits the keys (EXPR is TypeScript:',
    "a query, an object or a string condition, e.g. --restrict '{ subject_id: 1 }'). --reserve-jobs",
    'shares the keys with other workers through the job table; --suppress-errors records errors and',
    'goes on. --background returns at once and computes while the session goes on (%jobs lists it,',
    '%jobs cancel ID stops it). --workers N starts N `dj worker` processes for a table declared in a',
    'module file (imported into the session) and follows their progress through the job table.',
  ].join('\n'),
  async run({ args, host }) {
    const { positionals, values } = parseMagicArgs(this, args, {
      restrict: { type: 'string' },
      'reserve-jobs': { type: 'boolean' },
      'suppress-errors': { type: 'boolean' },
      limit: { type: 'string' },
      background: { type: 'boolean' },
      workers: { type: 'string' },
    }, { min: 1, max: 1 })
    const cls = await autoPopulated(positionals[0]!, 'populate', host)
    const conditions: dj.Condition[] = []
    if (values.restrict !== undefined) {
      try {
        conditions.push((await host.evaluate(`(${values.restrict as string})`)) as dj.Condition)
      } catch (e) {
        throw new MagicError(`%populate: the restriction ${values.restrict} could not be evaluated: ${(e as Error).message}`, { hint: "Give TypeScript for a condition: --restrict '{ subject_id: 1 }' or --restrict 'Session & \"day > 3\"'." })
      }
    }
    const limit = count(values.limit, 'limit')
    const workers = count(values.workers, 'workers')
    if (workers !== undefined) return runWorkers(cls, workers, { limit, conditions, background: values.background === true })
    const options = { reserveJobs: values['reserve-jobs'] === true, suppressErrors: values['suppress-errors'] === true, limit, display: true }
    if (values.background) {
      cls.populate(...conditions, { ...options, background: true })
      return undefined
    }
    await cls.populate(...conditions, options)
    return undefined
  },
}

/**
 * Starts `dj worker` processes on the module that declared the table; a task follows their
 * progress through the database until they exit. Cancelling it stops them (SIGTERM: after their
 * key; at once: SIGKILL, and the server rolls their keys back).
 */
async function runWorkers(cls: AutoClass, n: number, o: { limit?: number; conditions: dj.Condition[]; background: boolean }): Promise<Text | undefined> {
  if (o.conditions.length) throw new MagicError('%populate: --restrict cannot be passed to worker processes.', { hint: 'Workers populate every key; restrict the key source in the module, or populate here without --workers.' })
  const module = dj.declaringModule(cls)
  if (!module) {
    throw new MagicError(`%populate: ${cls.name} was declared in the session, not in a module file, so worker processes cannot load it.`, {
      hint: `Move its classes into a file (pipeline.ts), import it (const p = await import('./pipeline.ts')), or populate here with --background.`,
    })
  }
  const here = fileURLToPath(import.meta.url)
  const cli = fileURLToPath(new URL(`../kernel/cli${here.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url))
  const argv = [...process.execArgv, cli, 'worker', module, cls.name, ...(o.limit ? ['--limit', String(o.limit)] : [])]
  const problems: string[] = []
  const children = Array.from({ length: n }, () => spawn(process.execPath, argv, { stdio: ['ignore', 'ignore', 'pipe'], env: process.env }))
  const exits = children.map((child, i) => new Promise<void>((resolve) => {
    let tail = ''
    child.stderr!.setEncoding('utf8')
    child.stderr!.on('data', (d: string) => (tail = (tail + d).slice(-2000)))
    child.on('exit', (code, signal) => {
      if (code !== 0) problems.push(`worker ${i + 1} ${signal ? `was stopped by ${signal}` : `exited with code ${code}`}: ${tail.trim().split('\n').filter((l) => !l.startsWith('dj worker: ') || l.includes('failed')).slice(-3).join(' | ') || 'no output'}`)
      resolve()
    })
    child.on('error', (e) => (problems.push(`worker ${i + 1} could not start: ${e.message}`), resolve()))
  }))
  const task = dj.followPopulate(cls, Promise.all(exits), {
    display: true,
    background: o.background,
    stop: (now) => children.forEach((c) => c.exitCode === null && c.kill(now ? 'SIGKILL' : 'SIGTERM')),
  })
  if (o.background) return undefined
  const r = await task.result
  const lines = [`${n} worker${n === 1 ? '' : 's'} made ${r.successCount} key${r.successCount === 1 ? '' : 's'} of ${cls.name} in ${task.elapsed.toFixed(1)} s${r.errors.length ? `; ${r.errors.length} failed (%jobs lists them)` : ''}.`]
  for (const p of problems) lines.push(`  ${p}`)
  return new Text(lines.join('\n'))
}

export const jobs: Magic = {
  name: 'jobs',
  kinds: ['line'],
  usage: '%jobs [cancel ID [--now] | retry TABLE]',
  help: [
    'Lists the background populates of this session and the job tables of the active schema',
    '(reserved, errors with the first line of their message). `%jobs cancel ID` stops task ID after',
    'its current key (--now: at once, rolling that key back); `%jobs retry TABLE` puts the failed jobs of TABLE back to pending.',
  ].join('\n'),
  async run({ args, host, state }) {
    const { positionals, values } = parseMagicArgs(this, args, { now: { type: 'boolean' } }, { max: 2 })
    const [verb, target] = positionals
    if (verb === 'cancel') {
      const id = Number(target)
      const task = dj.populateTasks().find((t) => t.id === id)
      if (!task) throw new MagicError(`%jobs: there is no populate task ${target ?? '(none given)'}.`, { hint: '%jobs lists them with their ids.' })
      if (task.status !== 'running') return new Text(`${task.summary()} (already ended)`)
      if (values.now) {
        task.cancel({ now: true })
        await task.result.catch(() => {})
        return new Text(task.summary())
      }
      task.cancel()
      return new Text(`${task.summary()}; it stops after the key under way.`)
    }
    if (verb === 'retry') {
      if (!target) throw new MagicError('%jobs retry: which table?', { hint: `Usage: ${this.usage}` })
      const cls = await autoPopulated(target, 'jobs', host)
      const n = await cls.jobs.retry('error')
      return new Text(`${n} failed job${n === 1 ? '' : 's'} of ${cls.name} back to pending; %populate ${cls.name} --reserve-jobs computes them.`)
    }
    if (verb !== undefined) throw new MagicError(`%jobs: unknown command "${verb}".`, { hint: `Usage: ${this.usage}` })
    return new Text(await listing(state.schema))
  },
}

async function listing(schema: dj.Schema | null): Promise<string> {
  const lines: string[] = []
  const tasks = dj.populateTasks()
  if (tasks.length) {
    lines.push('Populate tasks:')
    for (const t of tasks) lines.push(`  ${t.summary()}`)
    for (const t of tasks) for (const e of t.errors.slice(-5)) lines.push(`    ${t.table} ${JSON.stringify(e.key)}: ${e.error}`)
  } else lines.push('No populate tasks.')
  const classes = Object.values(schema?.tables ?? {}).filter((c) => (c as { tier?: string }).tier === 'imported' || (c as { tier?: string }).tier === 'computed') as AutoClass[]
  const rows: string[][] = []
  const errors: string[] = []
  for (const cls of classes) {
    if (!(await cls.jobs.exists())) continue
    const p = await cls.jobs.progress()
    rows.push([cls.name, ...(['pending', 'reserved', 'error', 'ignore', 'success'] as const).map((s) => String(p[s]))])
    for (const j of (await cls.jobs.list('error')).slice(0, 5)) {
      const key = Object.fromEntries(Object.entries(j).filter(([k]) => cls.primaryKey.includes(k)))
      errors.push(`  ${cls.name} ${JSON.stringify(key)}: ${String(j.error_message ?? '').split('\n')[0]}`)
    }
  }
  if (schema) {
    if (rows.length) {
      lines.push('', `Job tables of ${schema.database}:`, dj.textTable(['table', 'pending', 'reserved', 'error', 'ignore', 'success'], rows, { more: false, total: null }))
      if (errors.length) lines.push('Errors:', ...errors)
    } else lines.push('', `No job tables in ${schema.database} (populate --reserve-jobs makes them).`)
  }
  return lines.join('\n')
}
