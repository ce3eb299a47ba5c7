/**
 * From the selected tables to positions: the visible graph (collapsed schemas as one node each,
 * folded parts drawn on their masters), node sizes from their labels, and a layered layout by
 * elkjs (pure JavaScript, no graphviz), with one cluster per schema when several are shown.
 */
import { DataJointError } from '../errors.js'
import type { DiagramSelection } from './diagram.js'
import type { GraphEdge, GraphNode, NodeTier, PipelineGraph } from './graph.js'

export type Direction = 'LR' | 'TB'
export type ShownTier = NodeTier | 'collapsed'

export interface PlacedNode {
  id: string
  label: string
  tier: ShownTier
  schema: string
  x: number
  y: number
  width: number
  height: number
  distinguished: boolean
  /** the full table name (or the schema, for a collapsed one) */
  table: string
  rows: number | null
  /** compact definition: key attributes, `---`, secondary ones; foreign keys as `→ Parent` */
  definition: string
  comment: string
}

export interface PlacedEdge {
  id: string
  parent: string
  child: string
  points: Array<{ x: number; y: number }>
  primary: boolean
  multi: boolean
  aliased: boolean
  /** `child ← parent` for renamed attributes */
  renames: string
}

export interface PlacedCluster {
  schema: string
  x: number
  y: number
  width: number
  height: number
}

export interface DiagramLayout {
  direction: Direction
  width: number
  height: number
  nodes: PlacedNode[]
  edges: PlacedEdge[]
  clusters: PlacedCluster[]
}

/** Font size and height by tier, after DataJoint's graphviz styles. */
export const NODE_STYLE: Record<ShownTier, { fontSize: number; height: number }> = {
  manual: { fontSize: 12, height: 26 },
  lookup: { fontSize: 10, height: 22 },
  imported: { fontSize: 12, height: 26 },
  computed: { fontSize: 12, height: 26 },
  part: { fontSize: 10, height: 18 },
  unknown: { fontSize: 10, height: 22 },
  collapsed: { fontSize: 12, height: 32 },
}

/** Text widths are estimated (no canvas in Node): a generous average glyph width. */
export function labelWidth(label: string, fontSize: number): number {
  return Math.max(36, Math.ceil(label.length * fontSize * 0.62) + 20)
}

interface ElkNode {
  id: string
  width?: number
  height?: number
  x?: number
  y?: number
  children?: ElkNode[]
  edges?: Array<{ id: string; sources: string[]; targets: string[]; layoutOptions?: Record<string, string>; sections?: Array<{ startPoint: { x: number; y: number }; endPoint: { x: number; y: number }; bendPoints?: Array<{ x: number; y: number }> }> }>
  layoutOptions?: Record<string, string>
  labels?: Array<{ text: string; width: number; height: number }>
}

let elk: { layout(graph: ElkNode): Promise<ElkNode> } | null = null
async function elkInstance(): Promise<NonNullable<typeof elk>> {
  if (!elk) {
    const mod = (await import('elkjs/lib/elk.bundled.js')) as unknown as { default: new () => NonNullable<typeof elk> }
    elk = new mod.default()
  }
  return elk
}

export interface LayoutOptions {
  direction: Direction
  counts: boolean
}

export async function layoutDiagram(g: PipelineGraph, selection: DiagramSelection, options: LayoutOptions): Promise<DiagramLayout> {
  const order = g.topological(selection.nodes)
  // where each table is drawn: itself, its schema's collapsed node, or its master (folded parts)
  const groupId = (schema: string) => `schema:${schema}`
  const visible = (id: string): string | null => {
    if (selection.nodes.has(id)) return selection.collapsed.has(id) ? groupId(g.node(id).schema) : id
    if (selection.folded.has(id)) {
      const master = g.nodes.get(id)?.master
      return master ? visible(master) : null
    }
    return null
  }
  const rows = options.counts ? await countRows(g, order.filter((id) => !selection.collapsed.has(id))) : new Map<string, number>()

  const nodes: PlacedNode[] = []
  const groups = new Map<string, PlacedNode>()
  for (const id of order) {
    const n = g.node(id)
    if (selection.collapsed.has(id)) {
      const gid = groupId(n.schema)
      let group = groups.get(gid)
      if (!group) {
        group = { id: gid, label: n.schema, tier: 'collapsed', schema: n.schema, x: 0, y: 0, width: 0, height: NODE_STYLE.collapsed.height, distinguished: false, table: n.schema, rows: null, definition: '', comment: '' }
        groups.set(gid, group)
        nodes.push(group)
      }
      group.definition += (group.definition ? '\n' : '') + n.label
      continue
    }
    const style = NODE_STYLE[n.tier]
    nodes.push({
      id, label: n.label, tier: n.tier, schema: n.schema, x: 0, y: 0, width: labelWidth(n.label, style.fontSize), height: style.height,
      distinguished: n.distinguished, table: id, rows: rows.get(id) ?? null, definition: definitionOf(g, n), comment: n.comment,
    })
  }
  for (const group of groups.values()) {
    const count = group.definition.split('\n').length
    group.label = `${group.schema} (${count} ${count === 1 ? 'table' : 'tables'})`
    group.width = labelWidth(group.label, NODE_STYLE.collapsed.fontSize)
  }

  const edges: PlacedEdge[] = []
  const seen = new Set<string>()
  for (const e of g.edges) {
    const p = visible(e.parent)
    const c = visible(e.child)
    if (!p || !c || p === c) continue
    // edges between real tables are kept one per foreign key; drawn on a stand-in they merge
    const merged = p !== e.parent || c !== e.child
    const key = merged ? `${p}->${c}` : e.id
    if (seen.has(key)) continue
    seen.add(key)
    edges.push({ id: key, parent: p, child: c, points: [], primary: e.primary, multi: e.multi, aliased: e.aliased, renames: renamesOf(e) })
  }

  const schemas = [...new Set(nodes.filter((n) => n.tier !== 'collapsed').map((n) => n.schema))]
  const clustered = schemas.length > 1
  const elkNode = (n: PlacedNode): ElkNode => ({ id: n.id, width: n.width, height: n.height })
  const children: ElkNode[] = clustered
    ? [
        ...schemas.map((s) => ({
          id: `cluster:${s}`,
          layoutOptions: { 'elk.padding': '[top=28,left=12,bottom=12,right=12]' },
          children: nodes.filter((n) => n.tier !== 'collapsed' && n.schema === s).map(elkNode),
        })),
        ...nodes.filter((n) => n.tier === 'collapsed').map(elkNode),
      ]
    : nodes.map(elkNode)
  const masterEdge = (e: PlacedEdge) => g.nodes.get(e.child)?.master === e.parent
  const root: ElkNode = {
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': options.direction === 'TB' ? 'DOWN' : 'RIGHT',
      'elk.edgeRouting': 'POLYLINE',
      'elk.spacing.nodeNode': '14',
      'elk.layered.spacing.nodeNodeBetweenLayers': '36',
      'elk.spacing.componentComponent': '24',
      'elk.separateConnectedComponents': 'true',
      // several small components are packed towards a readable page, not one long row
      'elk.aspectRatio': '1.6',
      'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
      'elk.json.edgeCoords': 'ROOT',
      'elk.json.shapeCoords': 'ROOT',
      ...(clustered ? { 'elk.hierarchyHandling': 'INCLUDE_CHILDREN' } : {}),
    },
    children,
    edges: edges.map((e) => ({
      id: e.id,
      sources: [e.parent],
      targets: [e.child],
      // parts sit next to their masters
      ...(masterEdge(e) ? { layoutOptions: { 'elk.layered.priority.shortness': '10', 'elk.layered.priority.straightness': '10' } } : {}),
    })),
  }
  let laid: ElkNode
  try {
    laid = await (await elkInstance()).layout(root)
  } catch (err) {
    throw new DataJointError(`The diagram could not be laid out: ${(err as Error).message}`, { cause: err })
  }
  const positions = new Map<string, ElkNode>()
  const clusters: PlacedCluster[] = []
  for (const c of laid.children ?? []) {
    if (c.id.startsWith('cluster:')) {
      clusters.push({ schema: c.id.slice('cluster:'.length), x: c.x ?? 0, y: c.y ?? 0, width: c.width ?? 0, height: c.height ?? 0 })
      for (const k of c.children ?? []) positions.set(k.id, k)
    } else positions.set(c.id, c)
  }
  for (const n of nodes) {
    const p = positions.get(n.id)!
    n.x = p.x ?? 0
    n.y = p.y ?? 0
  }
  const sections = new Map((laid.edges ?? []).map((e) => [e.id, e.sections ?? []]))
  for (const e of edges) {
    for (const s of sections.get(e.id) ?? []) e.points.push(s.startPoint, ...(s.bendPoints ?? []), s.endPoint)
  }
  return { direction: options.direction, width: Math.ceil(laid.width ?? 0), height: Math.ceil(laid.height ?? 0), nodes, edges, clusters }
}

/** `→ Parent` for the foreign keys, names for the attributes of its own; key above `---`. */
export function definitionOf(g: PipelineGraph, n: GraphNode): string {
  const lines: string[] = []
  const fkOf = new Map<string, GraphEdge>()
  for (const e of g.parents(n.id)) for (const a of Object.keys(e.attributeMap)) if (!fkOf.has(a)) fkOf.set(a, e)
  const done = new Set<GraphEdge>()
  let inKey = true
  for (const a of n.attributes) {
    if (inKey && !a.inKey) {
      lines.push('---')
      inKey = false
    }
    const e = fkOf.get(a.name)
    if (!e) lines.push(a.name)
    else if (!done.has(e)) {
      done.add(e)
      const parent = g.nodes.get(e.parent)
      const renames = renamesOf(e)
      lines.push(`→ ${parent ? parent.label : e.parent}${renames ? ` (${renames})` : ''}`)
    }
  }
  return lines.join('\n')
}

function renamesOf(e: GraphEdge): string {
  return Object.entries(e.attributeMap).filter(([c, p]) => c !== p).map(([c, p]) => `${c} ← ${p}`).join(', ')
}

/** Row counts of the tables, in one query per hundred tables; a table that cannot be counted has none. */
async function countRows(g: PipelineGraph, ids: string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>()
  for (let i = 0; i < ids.length; i += 100) {
    const chunk = ids.slice(i, i + 100)
    const sql = `SELECT ${chunk.map((id, j) => `(SELECT COUNT(*) FROM ${id}) AS c${j}`).join(', ')}`
    try {
      const [row] = await g.connection.fetchAll(sql)
      chunk.forEach((id, j) => out.set(id, Number(row[`c${j}`])))
    } catch {
      // counts are a courtesy of the tooltips: a table the user may not read just shows none
    }
  }
  return out
}
