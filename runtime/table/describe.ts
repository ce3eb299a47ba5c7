/**
 * describe(): the definition of a table as it is in the database, reconstructed from the catalog.
 * Declaring the result makes the same table: foreign keys appear where their attributes begin,
 * with renames and options; key and secondary sections; then the indexes not implied by them.
 */
import type { Attribute } from '../heading/attribute.js'
import { DependencyGraph, type Edge } from '../schema/dependencies.js'
import { classForTable, classLabel } from './registry.js'
import type { Table } from './table.js'

function formatDefault(a: Attribute): string {
  if (a.nullable) return '=null'
  if (a.default === null) return ''
  const d = a.default
  const ts = /^current_timestamp(?:\((\d*)\))?$/i.exec(d)
  // MariaDB reports current_timestamp(), MySQL CURRENT_TIMESTAMP
  if (ts) return `=CURRENT_TIMESTAMP${ts[1] ? `(${ts[1]})` : ''}`
  if (a.isNumeric && /^-?\d+(\.\d+)?(e[-+]?\d+)?$/i.test(d)) return `=${d}`
  // catalogs report strings either bare or single-quoted
  const text = /^'.*'$/s.test(d) ? d.slice(1, -1).replace(/''/g, "'") : d
  return `="${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`
}

export function attributeLine(a: Attribute): string {
  const head = (a.name + formatDefault(a)).padEnd(20)
  const line = `${head} : ${a.type.padEnd(28)}`
  return (a.comment ? `${line} # ${a.comment}` : line).trimEnd()
}

function referenceText(table: Table, e: Edge): string {
  const conn = table.connection
  const cls = classForTable(e.parent.full)
  let name: string
  if (cls && e.parent.schema === table.database) name = classLabel(cls)
  else name = `${conn.dialect.quote(e.parent.schema)}.${conn.dialect.quote(e.parent.table)}`
  const renames = Object.entries(e.attributeMap).filter(([c, p]) => c !== p)
  if (renames.length) name += `.proj(${renames.map(([c, p]) => `${c}="${p}"`).join(', ')})`
  return name
}

export async function describeTable(table: Table): Promise<string> {
  const conn = table.connection
  const heading = table.heading
  const graph = await DependencyGraph.load(conn, [table.database])
  const self = graph.node(table.database, table.tableName)
  const edges = graph.parents(self.full)
  const indexes = await conn.dialect.indexes((sql, p) => conn.fetchAll(sql, p ?? []), table.database, table.tableName)
  const lines: string[] = []
  if (heading.comment) lines.push(`# ${heading.comment}`)
  const done = new Set<Edge>()
  const covered = new Set<string>()
  const usedIndexes = new Set<string>()
  const emit = (a: Attribute, out: string[]) => {
    for (const e of edges) {
      if (done.has(e) || !(a.name in e.attributeMap)) continue
      done.add(e)
      const cols = Object.keys(e.attributeMap)
      const options: string[] = []
      if (cols.some((c) => heading.get(c)?.nullable)) options.push('nullable')
      const unique = indexes.find((ix) => ix.unique && ix.columns.length === cols.length && ix.columns.every((c, i) => c === cols[i]))
      if (unique) {
        options.push('unique')
        usedIndexes.add(unique.name)
      }
      out.push(`-> ${options.length ? `[${options.join(', ')}] ` : ''}${referenceText(table, e)}`)
      for (const c of cols) covered.add(c)
    }
    if (!covered.has(a.name)) out.push(attributeLine(a))
  }
  const key = heading.attributes.filter((a) => a.inKey)
  const rest = heading.attributes.filter((a) => !a.inKey)
  for (const a of key) emit(a, lines)
  lines.push('---')
  for (const a of rest) emit(a, lines)
  for (const ix of indexes) {
    if (usedIndexes.has(ix.name)) continue
    // the index InnoDB makes for a foreign key is implied by the foreign key
    const implied = !ix.unique && edges.some((e) => {
      const cols = Object.keys(e.attributeMap)
      return cols.length === ix.columns.length && cols.every((c, i) => c === ix.columns[i])
    })
    if (!implied) lines.push(`${ix.unique ? 'unique ' : ''}index(${ix.columns.join(', ')})`)
  }
  return lines.join('\n') + '\n'
}
