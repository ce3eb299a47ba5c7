/** Dropping a table drops its dependents first (leaves first), after one confirmation in safemode. */
import { DataJointError } from '../errors.js'
import { log } from '../logger.js'
import { confirm } from '../prompt.js'
import { DependencyGraph } from '../schema/dependencies.js'
import { dropLineage } from '../schema/lineage.js'
import { config } from '../settings/global.js'
import { parseTableName } from './naming.js'
import type { Table } from './table.js'

export interface DropOptions {
  /** ask before dropping (default: dj.config.safemode) */
  prompt?: boolean
  /** `ignore` allows dropping a part table without its master */
  partIntegrity?: 'enforce' | 'ignore'
}

export async function dropTable(table: Table, options: DropOptions = {}): Promise<void> {
  if (table.isRestricted) {
    throw new DataJointError(`A restricted table cannot be dropped (${table.label}).`, { hint: 'Call drop() on the table class itself.' })
  }
  const conn = table.connection
  const exists = await conn.dialect.tableComment((s, p) => conn.fetchAll(s, p ?? []), table.database, table.tableName)
  if (exists === null) {
    log.warn(`Nothing to drop: ${table.label} is not declared.`)
    return
  }
  const graph = await DependencyGraph.load(conn, [table.database])
  const root = graph.node(table.database, table.tableName)
  const nodes = graph.descendants(root.full)
  if ((options.partIntegrity ?? 'enforce') === 'enforce') {
    const names = new Set(nodes.map((n) => n.full))
    for (const n of nodes) {
      const p = parseTableName(n.table)
      if (p?.tier !== 'part') continue
      const master = graph.node(n.schema, p.master)
      if (!names.has(master.full)) {
        throw new DataJointError(`Attempt to drop the part table ${n.full} before its master ${master.full}.`, {
          hint: `Drop the master ${master.full} instead (its parts go with it), or pass { partIntegrity: 'ignore' }.`,
        })
      }
    }
  }
  if (options.prompt ?? (config.get('safemode') as boolean)) {
    for (const n of nodes) {
      const c = await conn.fetchAll(`SELECT count(*) AS n FROM ${n.full}`)
      log.info(`${n.full} (${Number(c[0].n)} rows)`)
    }
    const ok = await confirm('Proceed? [yes, No]: ', 'Pass { prompt: false } to drop without asking, or set dj.config.safemode = false.')
    if (!ok) {
      log.info('Drop cancelled')
      return
    }
  }
  for (const n of [...nodes].reverse()) {
    await conn.query(conn.dialect.dropTable(n.schema, n.table))
    await dropLineage(conn, n.schema, n.table)
    log.info(`Dropped table ${n.full}`)
  }
}
