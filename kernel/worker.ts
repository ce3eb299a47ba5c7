/**
 * `dj worker MODULE [TABLE...]`: imports a pipeline module (TypeScript or JavaScript; importing it
 * declares its tables) and populates its auto-populated tables, parents first, with reserved
 * jobs, until nothing is left. Any number of workers on any machines share the work through the
 * job queues in the database. SIGTERM/SIGINT: the current key is finished, then the worker exits.
 */
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { register } from 'tsx/esm/api'
import * as dj from '../runtime/index.js'

export interface WorkerOptions {
  tables?: string[]
  limit?: number
  maxCalls?: number
  order?: 'original' | 'reverse' | 'random'
  /** one pass over the tables, then exit (default: repeat until a pass finds nothing to do) */
  once?: boolean
  log?: (line: string) => void
}

let registered = false
function registerTypeScript(): void {
  if (registered || process.execArgv.some((a) => a.includes('tsx'))) return
  register()
  registered = true
}

/** The auto-populated classes a module exports, directly or through its schemas. */
function collect(mod: Record<string, unknown>): Array<typeof dj.AutoPopulated> {
  const found = new Set<typeof dj.AutoPopulated>()
  // recognised by shape, not identity: the module may load its own copy of datajoint-ts
  const visit = (v: unknown) => {
    const c = v as { populate?: unknown; tier?: unknown; tables?: unknown; declare?: unknown }
    if (typeof v === 'function' && typeof c.populate === 'function' && (c.tier === 'imported' || c.tier === 'computed')) found.add(v as typeof dj.AutoPopulated)
    else if (v && typeof v === 'object' && typeof c.declare === 'function' && c.tables && typeof c.tables === 'object') for (const t of Object.values(c.tables)) visit(t)
  }
  for (const v of Object.values(mod)) visit(v)
  return [...found]
}

export async function runWorker(modulePath: string, options: WorkerOptions = {}): Promise<{ made: number; failed: number }> {
  const say = options.log ?? ((l: string) => process.stderr.write(l + '\n'))
  if (dj.config.effectiveBackend === 'pglite') {
    throw new dj.DataJointError('dj worker needs a database server: the embedded database (pglite) is held by one process, so workers cannot share it.', {
      hint: 'Point the pipeline at a MySQL or PostgreSQL server (dj.config.database.backend, DJ_BACKEND=mysql|postgresql), or populate in the session.',
    })
  }
  const url = pathToFileURL(resolve(modulePath)).href
  // TypeScript modules load through tsx registered for the whole process, so that the module and
  // this worker share one datajoint-ts (one connection, one set of table classes)
  if (/\.(m|c)?tsx?$/.test(modulePath)) registerTypeScript()
  const mod = (await import(url)) as Record<string, unknown>
  let tables = collect(mod)
  if (options.tables?.length) {
    const byName = new Map(tables.map((t) => [t.name, t]))
    tables = options.tables.map((n) => {
      const t = byName.get(n)
      if (!t) throw new dj.DataJointError(`dj worker: ${modulePath} exports no auto-populated table "${n}".`, { hint: `It exports: ${[...byName.keys()].join(', ') || 'none (export the classes or their schema)'}.` })
      return t
    })
  }
  if (tables.length === 0) throw new dj.DataJointError(`dj worker: ${modulePath} exports no auto-populated (Imported or Computed) tables.`, { hint: 'Export the table classes, or the schema they are declared in.' })
  // parents first, so that one pass can feed the next table
  const full = new Map(tables.map((t) => [t.fullTableName, t]))
  const graph = await dj.DependencyGraph.load(dj.conn(), [...new Set(tables.map((t) => t.database))])
  for (const t of tables) graph.node(t.database, t.tableName)
  const ordered = graph.topological(full.keys()).map((n) => full.get(n.full)!)

  const controller = new AbortController()
  const stop = (signal: string) => {
    if (!controller.signal.aborted) say(`dj worker: ${signal} received; finishing the current key`)
    controller.abort()
  }
  process.on('SIGTERM', () => stop('SIGTERM'))
  process.on('SIGINT', () => stop('SIGINT'))
  let made = 0
  let failed = 0
  try {
    for (;;) {
      let pass = 0
      for (const t of ordered) {
        if (controller.signal.aborted) break
        const r = await t.populate({ reserveJobs: true, suppressErrors: true, order: options.order, limit: options.limit, maxCalls: options.maxCalls, signal: controller.signal })
        made += r.successCount
        failed += r.errors.length
        pass += r.successCount + r.errors.length
        for (const e of r.errors) say(`dj worker: ${t.name} ${JSON.stringify(e.key)} failed: ${e.error}`)
      }
      if (options.once || pass === 0 || controller.signal.aborted) break
    }
  } finally {
    await dj.disconnect()
  }
  say(`dj worker: ${made} made, ${failed} failed`)
  return { made, failed }
}
