/**
 * The foreign-key graph between tables, read from the catalog (never from error messages). It
 * is loaded for the schemas involved and grows to every schema that holds a dependent table, so
 * that cascades and drops see all descendants.
 */
import type { Connection } from '../connection/connection.js'

export interface TableNode {
  schema: string
  table: string
  /** the quoted full name, the node's key */
  full: string
}

export interface Edge {
  parent: TableNode
  child: TableNode
  /** child column → parent column */
  attributeMap: Record<string, string>
  name: string
}

export class DependencyGraph {
  readonly nodes = new Map<string, TableNode>()
  readonly edges: Edge[] = []
  readonly #children = new Map<string, Edge[]>()
  readonly #parents = new Map<string, Edge[]>()

  constructor(readonly connection: Connection) {}

  node(schema: string, table: string): TableNode {
    const full = this.connection.dialect.fullName(schema, table)
    let n = this.nodes.get(full)
    if (!n) this.nodes.set(full, (n = { schema, table, full }))
    return n
  }

  /** Loads the edges touching `schemas` and, transitively, every schema holding a child table. */
  static async load(connection: Connection, schemas: Iterable<string>): Promise<DependencyGraph> {
    const g = new DependencyGraph(connection)
    const exec = (sql: string, params?: readonly unknown[]) => connection.fetchAll(sql, params ?? [])
    const loaded = new Set<string>()
    let pending = new Set(schemas)
    const seen = new Set<string>()
    while (pending.size) {
      for (const s of pending) loaded.add(s)
      const fks = await connection.dialect.foreignKeys(exec, [...pending])
      const next = new Set<string>()
      for (const fk of fks) {
        const key = `${fk.childSchema}.${fk.childTable}.${fk.name}`
        if (seen.has(key)) continue
        seen.add(key)
        const edge: Edge = {
          parent: g.node(fk.parentSchema, fk.parentTable),
          child: g.node(fk.childSchema, fk.childTable),
          attributeMap: Object.fromEntries(fk.columns),
          name: fk.name,
        }
        g.edges.push(edge)
        push(g.#children, edge.parent.full, edge)
        push(g.#parents, edge.child.full, edge)
        if (!loaded.has(fk.childSchema)) next.add(fk.childSchema)
      }
      pending = next
    }
    return g
  }

  children(full: string): Edge[] {
    return this.#children.get(full) ?? []
  }
  parents(full: string): Edge[] {
    return this.#parents.get(full) ?? []
  }

  /** The table and all its descendants, parents before children. */
  descendants(full: string): TableNode[] {
    return this.topological(this.#closure(full, (n) => this.children(n).map((e) => e.child.full)))
  }

  /** The table and all its ancestors, parents before children. */
  ancestors(full: string): TableNode[] {
    return this.topological(this.#closure(full, (n) => this.parents(n).map((e) => e.parent.full)))
  }

  #closure(full: string, next: (n: string) => string[]): Set<string> {
    const set = new Set<string>([full])
    const stack = [full]
    while (stack.length) {
      for (const n of next(stack.pop()!)) {
        if (!set.has(n)) {
          set.add(n)
          stack.push(n)
        }
      }
    }
    return set
  }

  /** Kahn's order over a subset of nodes; ties broken by name for stable output. */
  topological(subset: Iterable<string>): TableNode[] {
    const members = new Set(subset)
    const indegree = new Map<string, number>()
    for (const m of members) indegree.set(m, 0)
    for (const e of this.edges) {
      if (members.has(e.parent.full) && members.has(e.child.full) && e.parent.full !== e.child.full) {
        indegree.set(e.child.full, indegree.get(e.child.full)! + 1)
      }
    }
    const ready = [...members].filter((m) => indegree.get(m) === 0).sort()
    const out: TableNode[] = []
    while (ready.length) {
      const m = ready.shift()!
      out.push(this.nodes.get(m)!)
      const released: string[] = []
      for (const e of this.children(m)) {
        if (!members.has(e.child.full) || e.child.full === m) continue
        const d = indegree.get(e.child.full)! - 1
        indegree.set(e.child.full, d)
        if (d === 0) released.push(e.child.full)
      }
      ready.push(...released)
      ready.sort()
    }
    return out
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key)
  if (list) list.push(value)
  else map.set(key, [value])
}
