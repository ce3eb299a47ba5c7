/**
 * A generated pipeline of 150 tables over 3 schemas (a, b, c), for diagram tests and benchmarks.
 * In each schema, tables X0..X44 form a binary tree of primary-key dependencies (Xk's parent is
 * X⌊(k-1)/2⌋), five computed masters (X8, X9, X18, X28, X38) have a part `Detail`, tables with
 * k % 13 = 5 hold a renamed secondary reference to X0, and schemas b and c hang off the one
 * before: X0 by its primary key, Xk with k % 10 = 1 by a secondary reference to the same k.
 * `model` is what the graph must be, written from these rules alone.
 */
import * as dj from '../../runtime/index.js'

export const LETTERS = ['a', 'b', 'c'] as const
export const SIZE = 45
export const MASTERS = [8, 9, 18, 28, 38]

export function tierFor(k: number): 'manual' | 'lookup' | 'imported' | 'computed' {
  const r = k % 10
  return r === 2 ? 'lookup' : r === 4 || r === 6 ? 'imported' : r >= 7 ? 'computed' : 'manual'
}

export interface ModelEdge {
  parent: string
  child: string
  primary: boolean
  aliased: boolean
}

/** Nodes as `schemaName.Label` and the edges between them, from the rules alone. */
export function model(schemaNames: readonly string[]): { nodes: Map<string, string>; edges: ModelEdge[] } {
  const nodes = new Map<string, string>()
  const edges: ModelEdge[] = []
  LETTERS.forEach((x, s) => {
    const at = (label: string, i = s) => `${schemaNames[i]}.${label}`
    const X = x.toUpperCase()
    for (let k = 0; k < SIZE; k++) {
      nodes.set(at(`${X}${k}`), tierFor(k))
      if (k > 0) edges.push({ parent: at(`${X}${Math.floor((k - 1) / 2)}`), child: at(`${X}${k}`), primary: true, aliased: false })
      if (k % 13 === 5) edges.push({ parent: at(`${X}0`), child: at(`${X}${k}`), primary: false, aliased: true })
      if (s > 0) {
        const P = LETTERS[s - 1]!.toUpperCase()
        if (k === 0) edges.push({ parent: at(`${P}0`, s - 1), child: at(`${X}0`), primary: true, aliased: false })
        if (k % 10 === 1) edges.push({ parent: at(`${P}${k}`, s - 1), child: at(`${X}${k}`), primary: false, aliased: false })
      }
    }
    for (const k of MASTERS) {
      nodes.set(at(`${X}${k}.Detail`), 'part')
      edges.push({ parent: at(`${X}${k}`), child: at(`${X}${k}.Detail`), primary: true, aliased: false })
    }
  })
  return { nodes, edges }
}

const BASES = { manual: dj.Manual, lookup: dj.Lookup, imported: dj.Imported, computed: dj.Computed }

/** Declares the three schemas `${name}_a`, `${name}_b`, `${name}_c`; returns them in order. */
export async function declareWidePipeline(name: string): Promise<dj.Schema[]> {
  // every table has a key attribute of its own, computed ones included (a 2.x opt-in)
  const allow = dj.config.get('jobs.allow_new_pk_fields_in_computed_tables')
  dj.config.set('jobs.allow_new_pk_fields_in_computed_tables', true)
  try {
    return await declareAll(name)
  } finally {
    dj.config.set('jobs.allow_new_pk_fields_in_computed_tables', allow)
  }
}

async function declareAll(name: string): Promise<dj.Schema[]> {
  const schemas: dj.Schema[] = []
  for (const [s, x] of LETTERS.entries()) {
    const schema = dj.schema(`${name}_${x}`)
    const X = x.toUpperCase()
    const classes: Record<string, typeof dj.Table> = {}
    const prev = schemas[s - 1]
    if (prev) schema.context.prev = prev.tables
    for (let k = 0; k < SIZE; k++) {
      const lines: string[] = []
      if (k > 0) lines.push(`-> ${X}${Math.floor((k - 1) / 2)}`)
      if (k === 0 && prev) lines.push(`-> prev.${LETTERS[s - 1]!.toUpperCase()}0`)
      lines.push(`${x}${k}_id : int32`, '---', `note = "" : varchar(16)`)
      if (k % 13 === 5) lines.push(`-> [nullable] ${X}0.proj(ref_${x}${k}='${x}0_id')`)
      if (prev && k % 10 === 1) lines.push(`-> [nullable] prev.${LETTERS[s - 1]!.toUpperCase()}${k}`)
      const cls = { [`${X}${k}`]: class extends BASES[tierFor(k)] {} }[`${X}${k}`]! as unknown as typeof dj.Table & { definition: string; Detail?: unknown }
      cls.definition = lines.join('\n')
      if (MASTERS.includes(k)) {
        cls.Detail = class Detail extends dj.Part {
          static override definition = `-> master\ndetail_id : int16`
        }
      }
      classes[`${X}${k}`] = cls
      schema.context[`${X}${k}`] = cls
    }
    await schema.declare(...Object.values(classes))
    schemas.push(schema)
  }
  return schemas
}
