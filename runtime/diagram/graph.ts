/**
 * The pipeline graph a diagram draws: every table of the schemas involved, with its tier, label,
 * key and attributes, and every foreign key between them with DataJoint's edge properties
 * (primary, one-to-many, renamed). It is read from the catalog in a few queries and grows to every
 * schema connected to the starting ones by a foreign key, in either direction, so that expanding a
 * diagram upstream or downstream can cross schemas.
 */
import type { Connection } from '../connection/connection.js'
import { DataJointError } from '../errors.js'
import { parseTableName, toCamelCase, type Tier } from '../table/naming.js'
import { classForTable, classLabel } from '../table/registry.js'

export type NodeTier = Tier | 'unknown'

export interface GraphNode {
  /** the quoted full name, the node's key */
  id: string
  schema: string
  table: string
  tier: NodeTier
  /** `Session`, `Session.Trial`: the class name if declared in this process, else derived from the table name */
  label: string
  /** the master's id, for parts */
  master: string | null
  comment: string
  attributes: Array<{ name: string; inKey: boolean }>
  primaryKey: string[]
  /** introduces primary-key attributes of its own (DataJoint underlines these) */
  distinguished: boolean
}

export interface GraphEdge {
  id: string
  parent: string
  child: string
  /** child attribute → parent attribute */
  attributeMap: Record<string, string>
  /** every attribute of the foreign key is in the child's primary key */
  primary: boolean
  /** many children per parent: the foreign key is not the child's whole primary key */
  multi: boolean
  /** some attribute is renamed */
  aliased: boolean
}

export class PipelineGraph {
  readonly nodes = new Map<string, GraphNode>()
  readonly edges: GraphEdge[] = []
  readonly #parents = new Map<string, GraphEdge[]>()
  readonly #children = new Map<string, GraphEdge[]>()

  private constructor(readonly connection: Connection, readonly schemas: readonly string[]) {}

  /** Loads the schemas and every schema connected to them through foreign keys. */
  static async load(connection: Connection, schemas: Iterable<string>): Promise<PipelineGraph> {
    const exec = (sql: string, params?: readonly unknown[]) => connection.fetchAll(sql, params ?? [])
    const dialect = connection.dialect
    const loaded = new Set<string>()
    const fks = new Map<string, Awaited<ReturnType<typeof dialect.foreignKeys>>[number]>()
    let pending = [...new Set(schemas)]
    while (pending.length) {
      for (const s of pending) loaded.add(s)
      const next = new Set<string>()
      for (const fk of await dialect.foreignKeys(exec, pending)) {
        fks.set(`${fk.childSchema}.${fk.childTable}.${fk.name}`, fk)
        for (const s of [fk.childSchema, fk.parentSchema]) if (!loaded.has(s)) next.add(s)
      }
      pending = [...next]
    }
    const g = new PipelineGraph(connection, [...loaded].sort())
    for (const t of await dialect.schemaColumns(exec, g.schemas)) {
      const parsed = parseTableName(t.table)
      if (parsed?.tier === 'hidden') continue
      const id = dialect.fullName(t.schema, t.table)
      const cls = classForTable(id)
      const strip = (name: string) => toCamelCase(name.replace(/^(#|__|_)/, ''))
      const label = cls ? classLabel(cls) : !parsed ? t.table : parsed.tier === 'part' ? `${strip(parsed.master)}.${parsed.className}` : parsed.className
      g.nodes.set(id, {
        id, schema: t.schema, table: t.table, label, comment: t.comment,
        tier: (parsed?.tier as Tier | undefined) ?? 'unknown',
        master: parsed?.tier === 'part' ? dialect.fullName(t.schema, parsed.master) : null,
        attributes: t.columns.map((c) => ({ name: c.name, inKey: c.inKey })),
        primaryKey: t.columns.filter((c) => c.inKey).map((c) => c.name),
        distinguished: false,
      })
    }
    for (const fk of [...fks.values()].sort((a, b) => (a.childSchema + a.childTable + a.name).localeCompare(b.childSchema + b.childTable + b.name))) {
      const parent = g.nodes.get(dialect.fullName(fk.parentSchema, fk.parentTable))
      const child = g.nodes.get(dialect.fullName(fk.childSchema, fk.childTable))
      if (!parent || !child) continue
      const columns = fk.columns.map(([c]) => c)
      const key = new Set(child.primaryKey)
      const edge: GraphEdge = {
        id: `${child.id}.${fk.name}`,
        parent: parent.id,
        child: child.id,
        attributeMap: Object.fromEntries(fk.columns),
        primary: columns.every((c) => key.has(c)),
        multi: !(columns.length === key.size && columns.every((c) => key.has(c))),
        aliased: fk.columns.some(([c, p]) => c !== p),
      }
      g.edges.push(edge)
      push(g.#parents, child.id, edge)
      push(g.#children, parent.id, edge)
    }
    for (const n of g.nodes.values()) {
      const inherited = new Set(g.parents(n.id).filter((e) => e.primary).flatMap((e) => Object.keys(e.attributeMap)))
      n.distinguished = n.tier !== 'part' && n.primaryKey.some((a) => !inherited.has(a))
    }
    return g
  }

  node(id: string): GraphNode {
    const n = this.nodes.get(id)
    if (!n) throw new DataJointError(`The diagram has no table ${id}.`, { hint: 'Check that the table is declared and that its schema is part of the diagram.' })
    return n
  }
  parents(id: string): GraphEdge[] {
    return this.#parents.get(id) ?? []
  }
  children(id: string): GraphEdge[] {
    return this.#children.get(id) ?? []
  }
  /** the tables of a schema */
  tablesOf(schema: string): string[] {
    return [...this.nodes.values()].filter((n) => n.schema === schema).map((n) => n.id)
  }
  /** the part tables of a master */
  partsOf(id: string): string[] {
    return [...this.nodes.values()].filter((n) => n.master === id).map((n) => n.id)
  }

  /** Kahn's order over a subset, parts right after their masters, ties by schema then label. */
  topological(subset: Iterable<string>): string[] {
    const members = new Set(subset)
    // a part's other parents count as its master's, so that the master comes after them
    const anchor = (id: string) => {
      const m = this.nodes.get(id)?.master
      return m && members.has(m) ? m : id
    }
    const indegree = new Map<string, number>()
    const outs = new Map<string, Set<string>>()
    for (const m of members) if (anchor(m) === m) indegree.set(m, 0)
    for (const e of this.edges) {
      const p = anchor(e.parent)
      const c = anchor(e.child)
      if (!members.has(e.parent) || !members.has(e.child) || p === c) continue
      const set = outs.get(p) ?? new Set()
      if (!set.has(c)) {
        set.add(c)
        outs.set(p, set)
        indegree.set(c, indegree.get(c)! + 1)
      }
    }
    const order = (a: string, b: string) => {
      const x = this.nodes.get(a)!
      const y = this.nodes.get(b)!
      return x.schema.localeCompare(y.schema) || x.label.localeCompare(y.label)
    }
    const ready = [...indegree.keys()].filter((m) => indegree.get(m) === 0).sort(order)
    const out: string[] = []
    while (ready.length) {
      const m = ready.shift()!
      out.push(m)
      out.push(...[...members].filter((p) => p !== m && anchor(p) === m).sort(order))
      for (const c of outs.get(m) ?? []) {
        const d = indegree.get(c)! - 1
        indegree.set(c, d)
        if (d === 0) {
          ready.push(c)
          ready.sort(order)
        }
      }
    }
    if (out.length < members.size) throw new DataJointError('The dependencies form a cycle.', { hint: 'DataJoint can only work with acyclic dependencies; check the foreign keys of the tables shown.' })
    return out
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key)
  if (list) list.push(value)
  else map.set(key, [value])
}
