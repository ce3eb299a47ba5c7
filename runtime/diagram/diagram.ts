/**
 * `dj.Diagram`: a set of tables of the pipeline graph, with DataJoint's set algebra. A diagram is
 * immutable and lazy: each method returns a new diagram that records the operation, and the graph
 * is read from the database once, when the diagram is first shown, saved or asked for its nodes.
 *
 * DataJoint's operators become methods: `d + 2` is `d.plus(2)` (two levels downstream),
 * `d - 1` is `d.minus(1)` (one level upstream), `d1 + d2` is `d1.plus(d2)`, `d1 - d2` is
 * `d1.minus(d2)`, `d1 * d2` is `d1.intersect(d2)`. Order matters: `d.plus(1).minus(1)` is not
 * `d.minus(1).plus(1)`.
 */
import { writeFile } from 'node:fs/promises'
import { extname } from 'node:path'
import type { Connection } from '../connection/connection.js'
import { conn as defaultConnection } from '../connection/global.js'
import { display, type MimeBundle } from '../display.js'
import { DataJointError } from '../errors.js'
import { Schema } from '../schema/schema.js'
import { config } from '../settings/global.js'
import { Table } from '../table/table.js'
import { PipelineGraph } from './graph.js'
import { layoutDiagram, type Direction } from './layout.js'
import { mermaid, outline } from './outline.js'
import { diagramHtml, renderSvg, vegaLiteSpec } from './vega.js'

/** What a diagram can start from: a schema, a table class or query of a table, a schema name, or several. */
export type DiagramSource = Schema | typeof Table | Table | string | { schema: Schema } | DiagramSource[]

/** A diagram operand: a number of levels, another diagram, or a table (or schema) to add or take away. */
export type DiagramOperand = number | PipelineDiagram | Exclude<DiagramSource, string>

type Seed = { kind: 'schema'; database: string } | { kind: 'table'; database: string; id: string }

type Step =
  | { op: 'seed'; seeds: Seed[] }
  | { op: 'down' | 'up'; of: Step; levels: number }
  | { op: 'union' | 'difference' | 'intersection'; a: Step; b: Step }
  | { op: 'addParts' | 'withoutParts' | 'collapse'; of: Step }

/** The tables shown, which of them are folded into one node per schema, and the parts folded into their masters. */
export interface DiagramSelection {
  nodes: Set<string>
  collapsed: Set<string>
  /** parts hidden by withoutParts(): their edges are drawn on their masters */
  folded: Set<string>
}

export interface DiagramOptions {
  /** 'LR' (left to right) or 'TB' (top to bottom); default dj.config['display.diagram_direction'] */
  direction?: Direction
  /** count the rows of each table for the tooltips (one query); default true */
  counts?: boolean
}

export class PipelineDiagram {
  #graph: Promise<PipelineGraph> | null = null

  /** @internal use dj.Diagram(source) */
  constructor(
    readonly connection: Connection,
    readonly step: Step,
    readonly options: DiagramOptions = {},
    graph: Promise<PipelineGraph> | null = null,
  ) {
    this.#graph = graph
  }

  /** `d + n` (n levels downstream), `d + other` (union), `d + Table` (adds the table). */
  plus(operand: DiagramOperand): PipelineDiagram {
    if (typeof operand === 'number') return this.downstream(operand)
    return this.#combine('union', operand)
  }
  /** `d - n` (n levels upstream), `d - other` (difference), `d - Table` (takes the table away). */
  minus(operand: DiagramOperand): PipelineDiagram {
    if (typeof operand === 'number') return this.upstream(operand)
    return this.#combine('difference', operand)
  }
  /** `d1 * d2`: the tables in both. */
  intersect(operand: Exclude<DiagramOperand, number>): PipelineDiagram {
    return this.#combine('intersection', operand)
  }
  /** Adds the children of the shown tables, `levels` times. */
  downstream(levels = 1): PipelineDiagram {
    return this.#derive({ op: 'down', of: this.step, levels: checkLevels(levels) })
  }
  /** Adds the parents of the shown tables, `levels` times. */
  upstream(levels = 1): PipelineDiagram {
    return this.#derive({ op: 'up', of: this.step, levels: checkLevels(levels) })
  }
  /** Adds the part tables of the masters shown. */
  addParts(): PipelineDiagram {
    return this.#derive({ op: 'addParts', of: this.step })
  }
  /** Hides the part tables; their dependencies are drawn on their masters. */
  withoutParts(): PipelineDiagram {
    return this.#derive({ op: 'withoutParts', of: this.step })
  }
  /** Shows each schema of this diagram as one node; in a union, tables shown expanded elsewhere stay expanded. */
  collapse(): PipelineDiagram {
    return this.#derive({ op: 'collapse', of: this.step })
  }
  /** The same diagram laid out in another direction, or without row counts. */
  with(options: DiagramOptions): PipelineDiagram {
    return new PipelineDiagram(this.connection, this.step, { ...this.options, ...options }, this.#graph)
  }

  /** The pipeline graph the diagram draws from (read once). */
  graph(): Promise<PipelineGraph> {
    this.#graph ??= PipelineGraph.load(this.connection, seedDatabases(this.step))
    return this.#graph
  }

  /** The tables shown, parents before children (parts right after their masters). */
  async tables(): Promise<string[]> {
    const g = await this.graph()
    return g.topological(evaluate(this.step, g).nodes)
  }

  /** The tables shown and those collapsed. */
  async selection(): Promise<DiagramSelection> {
    return evaluate(this.step, await this.graph())
  }

  /** The shown graph laid out, ready to draw. */
  async layout(): Promise<Awaited<ReturnType<typeof layoutDiagram>>> {
    const g = await this.graph()
    const direction = this.options.direction ?? (config.get('display.diagram_direction') as Direction)
    return layoutDiagram(g, evaluate(this.step, g), { direction, counts: this.options.counts ?? true })
  }

  /** The Vega-Lite v5 specification of the diagram. */
  async vegaLite(): Promise<Record<string, unknown>> {
    return vegaLiteSpec(await this.layout())
  }
  /** The diagram as an SVG document (rendered in Node by vega). */
  async svg(): Promise<string> {
    return renderSvg(await this.vegaLite())
  }
  /** A self-contained HTML page that draws the diagram with vega in the browser (tooltips included). */
  async html(): Promise<string> {
    return diagramHtml(await this.vegaLite())
  }
  /** The dependencies as text: each table with its parents, by schema. */
  async outline(): Promise<string> {
    const g = await this.graph()
    return outline(g, evaluate(this.step, g))
  }
  /** The diagram in Mermaid's flowchart syntax. */
  async mermaid(): Promise<string> {
    const g = await this.graph()
    const direction = this.options.direction ?? (config.get('display.diagram_direction') as Direction)
    return mermaid(g, evaluate(this.step, g), direction)
  }

  /** Writes the diagram to `path`: .svg, .html, .vl.json (the Vega-Lite spec), .mmd or .txt. */
  async save(path: string): Promise<string> {
    const lower = path.toLowerCase()
    const ext = lower.endsWith('.vl.json') ? '.vl.json' : extname(lower)
    const render: Record<string, () => Promise<string>> = {
      '.svg': () => this.svg(),
      '.html': () => this.html(),
      '.htm': () => this.html(),
      '.vl.json': async () => JSON.stringify(await this.vegaLite(), null, 2) + '\n',
      '.json': async () => JSON.stringify(await this.vegaLite(), null, 2) + '\n',
      '.mmd': () => this.mermaid(),
      '.mermaid': () => this.mermaid(),
      '.txt': () => this.outline(),
    }
    const make = render[ext]
    if (!make) {
      throw new DataJointError(`Cannot save a diagram as "${path}": unknown file type "${ext || '(none)'}".`, { hint: 'Use .svg, .html, .vl.json, .mmd or .txt.' })
    }
    await writeFile(path, await make())
    return path
  }

  async [display](): Promise<MimeBundle> {
    const spec = await this.vegaLite()
    return {
      'text/plain': await this.outline(),
      'image/svg+xml': await renderSvg(spec),
      'application/vnd.vegalite.v5+json': spec,
    }
  }

  #derive(step: Step): PipelineDiagram {
    return new PipelineDiagram(this.connection, step, this.options, this.#graph)
  }

  #combine(op: 'union' | 'difference' | 'intersection', operand: Exclude<DiagramOperand, number>): PipelineDiagram {
    const other = operand instanceof PipelineDiagram ? operand : Diagram(operand)
    const step: Step = { op, a: this.step, b: other.step }
    // the same schemas need no new graph
    const same = sameSeeds(this.step, other.step)
    return new PipelineDiagram(this.connection, step, this.options, same ? this.#graph : null)
  }
}

/**
 * A diagram of a schema, a table, or several of them:
 * `dj.Diagram(uni)`, `dj.Diagram(Session).plus(1)`, `dj.Diagram([lab, ephys])`.
 */
export function Diagram(source: DiagramSource, options: DiagramOptions = {}): PipelineDiagram {
  const seeds: Seed[] = []
  let connection: Connection | null = null
  const add = (s: DiagramSource): void => {
    if (Array.isArray(s)) return s.forEach(add)
    if (s instanceof Schema) {
      connection ??= s.connection
      seeds.push({ kind: 'schema', database: s.database })
    } else if (typeof s === 'string') {
      seeds.push({ kind: 'schema', database: (config.get('database.prefix') as string) + s })
    } else if (typeof s === 'function' && s.prototype instanceof Table) {
      const t = new (s as unknown as new () => Table)()
      connection ??= t.connection
      seeds.push({ kind: 'table', database: t.database, id: t.fullTableName })
    } else if (s instanceof Table) {
      connection ??= s.connection
      seeds.push({ kind: 'table', database: s.database, id: s.fullTableName })
    } else if (s && typeof s === 'object' && (s as { schema?: unknown }).schema instanceof Schema) {
      add((s as { schema: Schema }).schema)
    } else {
      throw new DataJointError(`dj.Diagram cannot draw ${describe(s)}.`, { hint: 'Give a schema, a table class, a schema name, or an array of them: dj.Diagram(schema), dj.Diagram(Session).' })
    }
  }
  add(source)
  if (seeds.length === 0) throw new DataJointError('dj.Diagram needs at least one schema or table.', { hint: 'dj.Diagram(schema) or dj.Diagram([schemaA, schemaB]).' })
  return new PipelineDiagram(connection ?? defaultConnection(), { op: 'seed', seeds }, options)
}

/** A diagram of the given tables, like DataJoint's Diagram.from_sequence. */
Diagram.fromSequence = (sources: DiagramSource[], options: DiagramOptions = {}): PipelineDiagram => Diagram(sources, options)

function describe(v: unknown): string {
  if (typeof v === 'function') return `the function ${v.name || '(anonymous)'} (not a table class)`
  return v === null ? 'null' : typeof v === 'object' ? `an object of class ${v.constructor?.name ?? 'Object'}` : `the ${typeof v} ${String(v)}`
}

function checkLevels(levels: number): number {
  if (!Number.isInteger(levels) || levels < 0) {
    throw new DataJointError(`A diagram expands by a whole number of levels, not ${levels}.`, { hint: 'd.plus(1) adds one level downstream, d.minus(2) two levels upstream.' })
  }
  return levels
}

function seedDatabases(step: Step, out = new Set<string>()): Set<string> {
  if (step.op === 'seed') for (const s of step.seeds) out.add(s.database)
  else if ('of' in step) seedDatabases(step.of, out)
  else {
    seedDatabases(step.a, out)
    seedDatabases(step.b, out)
  }
  return out
}

function sameSeeds(a: Step, b: Step): boolean {
  const x = seedDatabases(a)
  const y = seedDatabases(b)
  return [...y].every((d) => x.has(d))
}

/** Evaluates the recorded operations on the graph. */
export function evaluate(step: Step, g: PipelineGraph): DiagramSelection {
  switch (step.op) {
    case 'seed': {
      const nodes = new Set<string>()
      for (const s of step.seeds) {
        if (s.kind === 'schema') {
          const tables = g.tablesOf(s.database)
          if (tables.length === 0 && !g.schemas.includes(s.database)) throw new DataJointError(`The schema ${s.database} has no tables.`)
          tables.forEach((t) => nodes.add(t))
        } else {
          g.node(s.id)
          nodes.add(s.id)
        }
      }
      return { nodes, collapsed: new Set(), folded: new Set() }
    }
    case 'down':
    case 'up': {
      const r = evaluate(step.of, g)
      const nodes = new Set(r.nodes)
      for (let i = 0; i < step.levels; i++) {
        const before = nodes.size
        for (const n of [...nodes]) {
          for (const e of step.op === 'down' ? g.children(n) : g.parents(n)) nodes.add(step.op === 'down' ? e.child : e.parent)
        }
        if (nodes.size === before) break
      }
      return { nodes, collapsed: r.collapsed, folded: new Set([...r.folded].filter((n) => !nodes.has(n))) }
    }
    case 'union':
    case 'difference':
    case 'intersection': {
      const a = evaluate(step.a, g)
      const b = evaluate(step.b, g)
      const nodes =
        step.op === 'union' ? new Set([...a.nodes, ...b.nodes])
        : step.op === 'difference' ? new Set([...a.nodes].filter((n) => !b.nodes.has(n)))
        : new Set([...a.nodes].filter((n) => b.nodes.has(n)))
      // expanded wins: a table shown expanded by either side is not collapsed
      const expanded = new Set([...a.nodes].filter((n) => !a.collapsed.has(n)).concat([...b.nodes].filter((n) => !b.collapsed.has(n))))
      const collapsed = new Set([...a.collapsed, ...(step.op === 'difference' ? [] : b.collapsed)].filter((n) => nodes.has(n) && !expanded.has(n)))
      const folded = new Set([...a.folded, ...b.folded].filter((n) => !nodes.has(n)))
      return { nodes, collapsed, folded }
    }
    case 'addParts': {
      const r = evaluate(step.of, g)
      const nodes = new Set(r.nodes)
      for (const n of r.nodes) g.partsOf(n).forEach((p) => nodes.add(p))
      return { nodes, collapsed: r.collapsed, folded: new Set([...r.folded].filter((n) => !nodes.has(n))) }
    }
    case 'withoutParts': {
      const r = evaluate(step.of, g)
      const keep = (n: string) => g.nodes.get(n)?.tier !== 'part'
      const parts = [...r.nodes].filter((n) => !keep(n))
      return { nodes: new Set([...r.nodes].filter(keep)), collapsed: new Set([...r.collapsed].filter(keep)), folded: new Set([...r.folded, ...parts]) }
    }
    case 'collapse': {
      const r = evaluate(step.of, g)
      return { nodes: r.nodes, collapsed: new Set(r.nodes), folded: r.folded }
    }
  }
}
