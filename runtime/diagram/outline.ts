/**
 * The diagram as text: an outline of the dependencies for terminals and the `text/plain` of the
 * display bundle (each table in dependency order with its tier and its parents), and Mermaid's
 * flowchart syntax for Markdown viewers.
 */
import type { DiagramSelection } from './diagram.js'
import type { Direction } from './layout.js'
import type { PipelineGraph } from './graph.js'

/** Where each table is shown: itself, its collapsed schema (`[schema]`) or its master (folded part). */
function placement(g: PipelineGraph, s: DiagramSelection): (id: string) => string | null {
  const at = (id: string): string | null => {
    if (s.nodes.has(id)) return s.collapsed.has(id) ? `[${g.node(id).schema}]` : id
    if (s.folded.has(id)) {
      const m = g.nodes.get(id)?.master
      return m ? at(m) : null
    }
    return null
  }
  return at
}

export function outline(g: PipelineGraph, s: DiagramSelection): string {
  const order = g.topological(s.nodes)
  const at = placement(g, s)
  const label = (id: string) => (id.startsWith('[') ? id : g.node(id).label)
  const shown = order.filter((id) => !s.collapsed.has(id))
  const tiers = new Map<string, number>()
  for (const id of shown) tiers.set(g.node(id).tier, (tiers.get(g.node(id).tier) ?? 0) + 1)
  const collapsedSchemas = [...new Set(order.filter((id) => s.collapsed.has(id)).map((id) => g.node(id).schema))]
  const counts = ['manual', 'lookup', 'imported', 'computed', 'part', 'unknown'].filter((t) => tiers.has(t)).map((t) => `${tiers.get(t)} ${t}`)
  if (collapsedSchemas.length) counts.push(`${collapsedSchemas.length} collapsed ${collapsedSchemas.length === 1 ? 'schema' : 'schemas'}`)
  const lines = [`Diagram: ${shown.length} ${shown.length === 1 ? 'table' : 'tables'} (${counts.join(', ') || 'empty'})`]
  const width = Math.max(8, ...shown.map((id) => g.node(id).label.length))
  const bySchema = new Map<string, string[]>()
  for (const id of shown) bySchema.set(g.node(id).schema, [...(bySchema.get(g.node(id).schema) ?? []), id])
  for (const [schema, ids] of bySchema) {
    lines.push(`${schema}:`)
    for (const id of ids) {
      const n = g.node(id)
      const key: string[] = []
      const refs: string[] = []
      for (const e of g.parents(id)) {
        const p = at(e.parent)
        if (!p || p === id) continue
        const list = e.primary ? key : refs
        const name = label(p) + (e.aliased ? '*' : '')
        if (!list.includes(name)) list.push(name)
      }
      // parts folded into this master bring their parents along
      for (const part of g.partsOf(id).filter((p) => s.folded.has(p))) {
        for (const e of g.parents(part)) {
          const p = at(e.parent)
          if (p && p !== id && !refs.includes(label(p)) && !key.includes(label(p))) refs.push(label(p))
        }
      }
      let line = `  ${n.label.padEnd(width)}  ${n.tier.padEnd(8)}`
      if (key.length) line += `  ← ${key.join(', ')}`
      if (refs.length) line += `${key.length ? ';' : ' '} refs ${refs.join(', ')}`
      lines.push(line.trimEnd())
    }
  }
  for (const schema of collapsedSchemas) {
    const n = order.filter((id) => s.collapsed.has(id) && g.node(id).schema === schema).length
    lines.push(`[${schema}]: ${n} ${n === 1 ? 'table' : 'tables'}, collapsed`)
  }
  if (order.some((id) => g.parents(id).some((e) => e.aliased && at(e.parent)))) lines.push('(* a renamed foreign key)')
  return lines.join('\n')
}

export function mermaid(g: PipelineGraph, s: DiagramSelection, direction: Direction): string {
  const at = placement(g, s)
  const order = g.topological(s.nodes)
  const ids = new Map<string, string>()
  const idOf = (place: string) => {
    let v = ids.get(place)
    if (!v) ids.set(place, (v = `n${ids.size}`))
    return v
  }
  const lines = [`flowchart ${direction}`]
  const quote = (t: string) => `"${t.replace(/"/g, '#quot;')}"`
  const shape: Record<string, (t: string) => string> = {
    manual: (t) => `[${quote(t)}]`,
    lookup: (t) => `[${quote(t)}]`,
    imported: (t) => `([${quote(t)}])`,
    computed: (t) => `([${quote(t)}])`,
    part: (t) => `[${quote(t)}]`,
    unknown: (t) => `((${quote(t)}))`,
  }
  const declared = new Set<string>()
  for (const id of order) {
    const p = at(id)!
    if (declared.has(p)) continue
    declared.add(p)
    if (p.startsWith('[')) lines.push(`  ${idOf(p)}[[${quote(p.slice(1, -1))}]]:::collapsed`)
    else lines.push(`  ${idOf(p)}${shape[g.node(p).tier]!(g.node(p).label)}:::${g.node(p).tier}`)
  }
  const edges = new Set<string>()
  for (const e of g.edges) {
    const p = at(e.parent)
    const c = at(e.child)
    if (!p || !c || p === c) continue
    const line = `  ${idOf(p)} ${e.primary ? '---' : '-.-'} ${idOf(c)}`
    if (!edges.has(line)) {
      edges.add(line)
      lines.push(line)
    }
  }
  lines.push(
    '  classDef manual fill:#cfffcf,color:#006400',
    '  classDef lookup fill:#dfdfdf,color:#000000',
    '  classDef imported fill:#bfbfdf,color:#00007f',
    '  classDef computed fill:#ffdfdf,color:#7f0000',
    '  classDef part fill:#ffffff,color:#000000,font-size:10px',
    '  classDef unknown fill:#ffffbf',
    '  classDef collapsed fill:#d0d0d0,color:#404040',
  )
  return lines.join('\n') + '\n'
}
