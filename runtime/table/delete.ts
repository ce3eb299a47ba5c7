/**
 * Cascading delete, planned over the foreign-key graph: the restriction of the table flows to
 * every descendant (a child row goes when its foreign key matches a parent row that goes; several
 * paths combine with OR). The plan gives a preview of the rows each table would lose; the delete
 * removes them leaves-first in one transaction, checking that part rows go with their masters.
 */
import { DataJointError, IntegrityError } from '../errors.js'
import { log } from '../logger.js'
import { confirm } from '../prompt.js'
import { SqlFragment } from '../query/condition.js'
import { DependencyGraph, type TableNode } from '../schema/dependencies.js'
import { config } from '../settings/global.js'
import { parseTableName } from './naming.js'
import type { Table } from './table.js'

export interface DeleteOptions {
  /** ask before committing (default: dj.config.safemode) */
  prompt?: boolean
  /** run in one transaction (default true) */
  transaction?: boolean
  /**
   * part rows deleted without their master: `enforce` (default) refuses, `ignore` allows,
   * `cascade` deletes the masters (and so all their parts) too
   */
  partIntegrity?: 'enforce' | 'ignore' | 'cascade'
}

export type DeletePreview = Array<{ table: string; rows: number }>

interface PlanNode {
  node: TableNode
  /** rows to delete; null means every row */
  condition: SqlFragment | null
}

export interface DeletePlan {
  root: TableNode
  graph: DependencyGraph
  nodes: PlanNode[]
  preview(): Promise<DeletePreview>
}

function masterOf(node: TableNode, g: DependencyGraph): TableNode | null {
  const p = parseTableName(node.table)
  return p?.tier === 'part' ? g.node(node.schema, p.master) : null
}

/** OR of the conditions; null (everything) wins. */
function anyOf(conds: Array<SqlFragment | null>): SqlFragment | null {
  if (conds.some((c) => c === null)) return null
  if (conds.length === 1) return conds[0]!
  return new SqlFragment(conds.map((c) => `(${c!.sql})`).join(' OR '), conds.flatMap((c) => c!.params))
}

const where = (c: SqlFragment | null) => (c ? new SqlFragment(` WHERE ${c.sql}`, c.params) : new SqlFragment(''))

/**
 * Rows of `node` matched by its condition, as a fixed list of keys (so later deletes cannot
 * change it): a condition on `as`, the columns the keys are compared with (default: the same).
 */
async function materialize(table: Table, node: TableNode, cond: SqlFragment | null, columns: string[], as: string[] = columns): Promise<SqlFragment> {
  const q = table.connection.dialect.quote
  const w = where(cond)
  const rows = await table.connection.query(`SELECT DISTINCT ${columns.map(q).join(',')} FROM ${node.full}${w.sql}`, w.params, { rowsAsArray: true })
  if (rows.rows.length === 0) return new SqlFragment('FALSE')
  const tuple = `(${columns.map(() => '?').join(',')})`
  return new SqlFragment(`(${as.map(q).join(',')}) IN (${rows.rows.map(() => tuple).join(',')})`, rows.rows.flat())
}

export async function deletePlan(table: Table, options: Pick<DeleteOptions, 'partIntegrity'> = {}): Promise<DeletePlan> {
  const conn = table.connection
  const q = conn.dialect.quote
  const graph = await DependencyGraph.load(conn, [table.database])
  const root = graph.node(table.database, table.tableName)
  const integrity = options.partIntegrity ?? 'enforce'
  let rootCond = table.restrictionSql()
  if (rootCond && /\bSELECT\b/i.test(rootCond.sql)) {
    // a restriction by other tables could change as their rows are deleted: fix the keys now
    rootCond = await materialize(table, root, rootCond, table.primaryKey)
  }
  if (table.tier === 'part' && integrity === 'enforce') {
    const master = masterOf(root, graph)!
    throw new DataJointError(`Cannot delete from the part table ${table.label} directly.`, {
      hint: `Delete from its master ${master.full} instead (its parts go with it), or pass { partIntegrity: 'ignore' }.`,
    })
  }
  const roots = new Map<string, SqlFragment | null>([[root.full, rootCond]])

  const propagate = (): PlanNode[] => {
    const all = new Set<string>()
    for (const r of roots.keys()) for (const n of graph.descendants(r)) all.add(n.full)
    const order = graph.topological(all)
    const conds = new Map<string, SqlFragment | null>()
    for (const n of order) {
      const parts: Array<SqlFragment | null> = []
      if (roots.has(n.full)) parts.push(roots.get(n.full)!)
      for (const e of graph.parents(n.full)) {
        if (!conds.has(e.parent.full)) continue
        const child = Object.keys(e.attributeMap)
        const parentCols = child.map((c) => e.attributeMap[c]!)
        const pw = where(conds.get(e.parent.full)!)
        parts.push(new SqlFragment(
          `(${child.map(q).join(',')}) IN (SELECT ${parentCols.map(q).join(',')} FROM ${e.parent.full}${pw.sql})`,
          pw.params,
        ))
      }
      conds.set(n.full, anyOf(parts))
    }
    return order.map((node) => ({ node, condition: conds.get(node.full)! }))
  }

  let nodes = propagate()
  if (integrity === 'cascade') {
    // masters of affected parts join the roots, by the keys their parts carry, until nothing changes
    for (let round = 0; round < 32; round++) {
      let added = false
      for (const pn of nodes) {
        const master = masterOf(pn.node, graph)
        if (!master || nodes.some((x) => x.node.full === master.full)) continue
        const edge = graph.parents(pn.node.full).find((e) => e.parent.full === master.full)
        if (!edge) continue
        // the part's key values, compared with the master's key columns they refer to
        const childCols = Object.keys(edge.attributeMap)
        const keys = await materialize(table, pn.node, pn.condition, childCols, childCols.map((c) => edge.attributeMap[c]!))
        if (keys.sql === 'FALSE') continue
        roots.set(master.full, keys)
        added = true
      }
      if (!added) break
      nodes = propagate()
    }
  }

  return {
    root,
    graph,
    nodes,
    async preview(): Promise<DeletePreview> {
      const out: DeletePreview = []
      for (const { node, condition } of nodes) {
        const w = where(condition)
        const rows = await conn.fetchAll(`SELECT count(*) AS n FROM ${node.full}${w.sql}`, w.params)
        out.push({ table: node.full, rows: Number(rows[0].n) })
      }
      return out
    },
  }
}

function checkParts(counts: Map<string, number>, plan: DeletePlan): void {
  for (const { node } of plan.nodes) {
    const master = masterOf(node, plan.graph)
    if (!master || !(counts.get(node.full) ?? 0)) continue
    if (!(counts.get(master.full) ?? 0)) {
      throw new DataJointError(`Attempt to delete rows of the part table ${node.full} before deleting from its master ${master.full}.`, {
        hint: "Delete from the master instead, or pass { partIntegrity: 'cascade' } to delete the masters too, or { partIntegrity: 'ignore' }.",
      })
    }
  }
}

export async function deleteRows(table: Table, options: DeleteOptions = {}): Promise<number> {
  const conn = table.connection
  const plan = await deletePlan(table, options)
  const ask = options.prompt ?? (config.get('safemode') as boolean)
  const integrity = options.partIntegrity ?? 'enforce'
  const preview = await plan.preview()
  const total = preview.reduce((s, p) => s + p.rows, 0)
  if (total === 0) {
    log.warn(`Nothing to delete in ${table.label}.`)
    return 0
  }
  if (integrity === 'enforce') checkParts(new Map(preview.map((p) => [p.table, p.rows])), plan)
  if (ask) {
    for (const p of preview) if (p.rows) log.info(`Deleting ${p.rows} rows from ${p.table}`)
    const ok = await confirm('Commit deletes? [yes, No]: ', 'Pass { prompt: false } to delete without asking, or set dj.config.safemode = false.')
    if (!ok) {
      log.info('Delete cancelled')
      return 0
    }
  }
  const run = async (): Promise<number> => {
    const counts = new Map<string, number>()
    for (const { node, condition } of [...plan.nodes].reverse()) {
      const w = where(condition)
      try {
        const r = await conn.query(`DELETE FROM ${node.full}${w.sql}`, w.params)
        counts.set(node.full, r.affectedRows)
      } catch (err) {
        if (err instanceof IntegrityError) {
          throw new IntegrityError(`Delete from ${node.full} is blocked by a table that refers to it but was not found in the dependency graph.`, {
            cause: err, sql: err.sql, hint: 'Make sure you have the REFERENCES privilege on all dependent schemas.',
          })
        }
        throw err
      }
    }
    if (integrity === 'enforce') checkParts(counts, plan)
    return counts.get(plan.root.full) ?? 0
  }
  const deleted = options.transaction === false || conn.inTransaction ? await run() : await conn.transaction(run)
  log.info(`Deleted ${deleted} rows from ${table.label}${plan.nodes.length > 1 ? ' (and their dependents)' : ''}.`)
  return deleted
}
