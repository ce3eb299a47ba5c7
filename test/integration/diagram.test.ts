/**
 * Diagrams on the real server: the graph of the university schema against datajoint-python's
 * CREATE TABLE statements, a generated 150-table pipeline over 3 schemas against the rules it was
 * generated from, the set algebra, the SVG (well-formed, every label), the Vega-Lite spec against
 * the v5 JSON schema, and the HTML export drawn by headless Chromium.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import * as dj from '../../runtime/index.js'
import { rejects } from '../helpers/assert.js'
import { cleanup, setupDatabase } from '../helpers/db.js'
import { university } from '../helpers/fixtures.js'
import { loadUniversity } from '../helpers/university.js'
import { declareWidePipeline, model } from '../helpers/wide-pipeline.js'

setupDatabase()
test.after(cleanup)
const out = mkdtempSync(join(tmpdir(), 'dj-diagram-'))
const fx = university('v2.3')
let uni: dj.OpenedSchema
let wide: dj.Schema[]

test.before(async () => {
  uni = await loadUniversity('diagram_uni')
  wide = await declareWidePipeline('diagram_wide')
})

const labels = (ids: Iterable<string>, g: dj.PipelineGraph) => [...ids].map((id) => g.node(id).label).sort()
const edgeKey = (e: { parent: string; child: string; primary: boolean; aliased: boolean }) => `${e.parent} -> ${e.child}${e.primary ? ' primary' : ''}${e.aliased ? ' renamed' : ''}`

/** The university's edges as datajoint-python declared them: FOREIGN KEY clauses of its CREATE TABLEs. */
function fixtureEdges(): string[] {
  const byTable = new Map(Object.entries(fx.tables).map(([name, t]) => [t.table_name, name]))
  const edges: string[] = []
  for (const [name, t] of Object.entries(fx.tables)) {
    const key = /PRIMARY KEY \(([^)]*)\)/.exec(t.create_table)![1]!.replace(/`/g, '').split(',')
    for (const m of t.create_table.matchAll(/FOREIGN KEY \(([^)]*)\) REFERENCES `([^`]*)` \(([^)]*)\)/g)) {
      const cols = m[1]!.replace(/[` ]/g, '').split(',')
      const parentCols = m[3]!.replace(/[` ]/g, '').split(',')
      const primary = cols.every((c) => key.includes(c))
      edges.push(edgeKey({ parent: byTable.get(m[2]!)!, child: name, primary, aliased: cols.some((c, i) => c !== parentCols[i]) }))
    }
  }
  return edges.sort()
}

test('the university graph: tables, tiers and foreign keys as datajoint-python declared them', async () => {
  const d = dj.Diagram(uni)
  const g = await d.graph()
  assert.equal(labels(await d.tables(), g), Object.keys(fx.tables).sort())
  for (const [name, t] of Object.entries(fx.tables)) {
    const n = g.node(`\`${uni.database}\`.\`${t.table_name}\``)
    assert.is(n.label, name)
    assert.is(n.tier, t.table_name.startsWith('#') ? 'lookup' : 'manual', name)
  }
  assert.equal(g.edges.map((e) => edgeKey({ ...e, parent: g.node(e.parent).label, child: g.node(e.child).label })).sort(), fixtureEdges())
  // parents first, in the order of their dependencies
  const order = (await d.tables()).map((id) => g.node(id).label)
  for (const e of g.edges) assert.ok(order.indexOf(g.node(e.parent).label) < order.indexOf(g.node(e.child).label), `${e.parent} before ${e.child}`)
  // distinguished: a key attribute of its own (Section has `section`); Enroll's key is all inherited
  assert.is(g.node(`\`${uni.database}\`.\`section\``).distinguished, true)
  assert.is(g.node(`\`${uni.database}\`.\`enroll\``).distinguished, false)
  assert.is(g.node(`\`${uni.database}\`.\`grade\``).distinguished, false)
})

test('set algebra: levels up and down, union, difference, intersection, order matters', async () => {
  const T = (name: string) => uni.table(name)
  const names = async (d: dj.PipelineDiagram) => labels(await d.tables(), await d.graph())
  assert.equal(await names(dj.Diagram(T('Enroll')).minus(1)), ['Enroll', 'Section', 'Student'])
  assert.equal(await names(dj.Diagram(T('Enroll')).minus(2)), ['Course', 'Enroll', 'Section', 'Student', 'Term'])
  assert.equal(await names(dj.Diagram(T('Student')).plus(1)), ['Enroll', 'Student', 'StudentMajor'])
  assert.equal(await names(dj.Diagram(T('Student')).plus(2)), ['Enroll', 'Grade', 'Student', 'StudentMajor'])
  assert.equal(await names(dj.Diagram(T('Term')).plus(1).minus(1)), ['Course', 'CurrentTerm', 'Section', 'Term'])
  assert.equal(await names(dj.Diagram(T('Term')).minus(1).plus(1)), ['CurrentTerm', 'Section', 'Term'])
  assert.equal(await names(dj.Diagram(T('Student')).plus(dj.Diagram(T('Term')))), ['Student', 'Term'])
  assert.equal(await names(dj.Diagram(T('Student')).plus(T('Course'))), ['Course', 'Student'])
  assert.equal(await names(dj.Diagram(uni).minus(dj.Diagram(T('Enroll')).plus(1))), ['Course', 'CurrentTerm', 'Department', 'LetterGrade', 'Section', 'Student', 'StudentMajor', 'Term'])
  assert.equal(await names(dj.Diagram(T('Student')).plus(2).intersect(dj.Diagram(T('Section')).plus(2))), ['Enroll', 'Grade'])
  assert.equal(await names(dj.Diagram([T('Grade'), T('Term')])), ['Grade', 'Term'])
  assert.equal(await names(dj.Diagram(T('Grade')).minus(0)), ['Grade'])
  await rejects((async () => dj.Diagram(T('Grade')).plus(-1))(), /A diagram expands by a whole number of levels, not -1/)
  await rejects((async () => dj.Diagram(42 as never))(), /dj.Diagram cannot draw the number 42/)
  await rejects(dj.Diagram(uni).save(join(out, 'x.png')), /unknown file type "\.png"[\s\S]*Use \.svg, \.html, \.vl\.json/)
})

test('the outline lists each table with its tier and its parents', async () => {
  const text = await dj.Diagram(uni.table('Grade')).minus(1).outline()
  // Enroll's parents are not shown, so none are listed
  assert.is(text, [
    'Diagram: 3 tables (2 manual, 1 lookup)',
    `${uni.database}:`,
    '  Enroll       manual',
    '  LetterGrade  lookup',
    '  Grade        manual    ← Enroll; refs LetterGrade',
  ].join('\n'))
})

test('the display bundle: SVG with every label, a Vega-Lite spec valid against the v5 schema, text', async () => {
  const bundle = (await dj.Diagram(uni)[dj.display]()) as Record<string, unknown>
  assert.equal(Object.keys(bundle).sort(), ['application/vnd.vegalite.v5+json', 'image/svg+xml', 'text/plain'])
  const svg = bundle['image/svg+xml'] as string
  wellFormedXml(svg)
  for (const name of Object.keys(fx.tables)) assert.match(svg, `>${name}</text>`)
  const spec = bundle['application/vnd.vegalite.v5+json'] as Record<string, unknown>
  assert.is(spec.$schema, 'https://vega.github.io/schema/vega-lite/v5.json')
  validateV5(spec)
  // the validator does reject what v5 does not know
  assert.not.ok(validator!({ ...spec, layer: [{ mark: 'hexagon' }] }))
  assert.match(bundle['text/plain'] as string, /^Diagram: 10 tables \(9 manual, 1 lookup\)/)
})

test('the 150-table pipeline over 3 schemas: nodes, tiers, edges and expansions as generated', async () => {
  const databases = wide.map((s) => s.database)
  const m = model(databases)
  const d = dj.Diagram(wide)
  const g = await d.graph()
  const name = (id: string) => `${g.node(id).schema}.${g.node(id).label}`
  const tables = await d.tables()
  assert.is(tables.length, 150)
  assert.equal(new Map(tables.map((id) => [name(id), g.node(id).tier])), m.nodes)
  assert.equal(g.edges.map((e) => edgeKey({ ...e, parent: name(e.parent), child: name(e.child) })).sort(), m.edges.map(edgeKey).sort())
  // expansions, checked against a walk over the generated edges
  const walk = (start: string[], levels: number, down: boolean) => {
    const set = new Set(start)
    for (let i = 0; i < levels; i++) {
      const level = [...set]
      for (const e of m.edges) if (level.includes(down ? e.parent : e.child)) set.add(down ? e.child : e.parent)
    }
    return [...set].sort()
  }
  const [a, b, c] = wide as [dj.Schema, dj.Schema, dj.Schema]
  const A0 = a.table('A0')
  const shown = async (x: dj.PipelineDiagram) => (await x.tables()).map(name).sort()
  assert.equal(await shown(dj.Diagram(A0).plus(1)), [`${databases[0]}.A0`, `${databases[0]}.A1`, `${databases[0]}.A18`, `${databases[0]}.A2`, `${databases[0]}.A31`, `${databases[0]}.A44`, `${databases[0]}.A5`, `${databases[1]}.B0`].sort())
  assert.equal(await shown(dj.Diagram(A0).plus(3)), walk([`${databases[0]}.A0`], 3, true))
  assert.equal(await shown(dj.Diagram(c.table('C41')).minus(2)), walk([`${databases[2]}.C41`], 2, false))
  assert.equal(await shown(dj.Diagram(b).minus(1)), walk([...m.nodes.keys()].filter((k) => k.startsWith(databases[1]!)), 1, false))
  // parts: hidden, then added back
  assert.equal((await shown(dj.Diagram(a).withoutParts())).length, 45)
  assert.equal((await shown(dj.Diagram(a).withoutParts().addParts())).length, 50)
  assert.ok(tables.indexOf(g.nodes.get(a.table('A8').fullTableName)!.id) + 1 === tables.indexOf(`\`${databases[0]}\`.\`__a8__detail\``), 'a part right after its master')

  // one cluster per schema; a collapsed schema is one node whose edges merge
  const layout = await d.layout()
  assert.equal(layout.clusters.map((x) => x.schema), databases)
  assert.is(layout.nodes.length, 150)
  assert.is(layout.edges.length, 171)
  for (const n of layout.nodes) assert.ok(n.width > 0 && n.x >= 0 && n.y >= 0, n.id)
  for (const e of layout.edges) assert.ok(e.points.length >= 2, e.id)
  const folded = await dj.Diagram(a).collapse().plus(dj.Diagram(b)).layout()
  assert.is(folded.nodes.length, 51)
  assert.equal(folded.nodes.filter((n) => n.tier === 'collapsed').map((n) => n.label), [`${databases[0]} (50 tables)`])
  assert.equal(folded.edges.filter((e) => e.parent.startsWith('schema:')).map((e) => g.node(e.child).label).sort(), ['B0', 'B1', 'B11', 'B21', 'B31', 'B41'])
  // expanded wins: A0 shown by the other operand stays a table
  const mixed = await dj.Diagram(a).collapse().plus(dj.Diagram(A0)).selection()
  assert.is(mixed.collapsed.size, 49)
  assert.ok(!mixed.collapsed.has(A0.fullTableName))

  const svg = await d.svg()
  wellFormedXml(svg)
  for (const id of tables) assert.match(svg, `>${g.node(id).label}</text>`)
  validateV5(await d.vegaLite())
})

test('save: SVG, Vega-Lite JSON, Mermaid, and HTML drawn by headless Chromium with every node', async () => {
  const d = dj.Diagram(wide)
  const g = await d.graph()
  await d.save(join(out, 'wide.svg'))
  wellFormedXml(readFileSync(join(out, 'wide.svg'), 'utf8'))
  await d.save(join(out, 'wide.vl.json'))
  validateV5(JSON.parse(readFileSync(join(out, 'wide.vl.json'), 'utf8')))
  await dj.Diagram(uni).save(join(out, 'uni.mmd'))
  const mmd = readFileSync(join(out, 'uni.mmd'), 'utf8')
  assert.match(mmd, /^flowchart LR\n/)
  assert.is((mmd.match(/ --- | -\.- /g) ?? []).length, fixtureEdges().length)
  await d.save(join(out, 'wide.html'))
  const { chromium } = await import('playwright-core')
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] })
  try {
    const page = await browser.newPage()
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(e.message))
    await page.goto(`file://${join(out, 'wide.html')}`)
    await page.waitForSelector('body[data-rendered="true"]', { timeout: 30_000 })
    const drawn = await page.$$eval('#diagram svg text', (els) => els.map((e) => e.textContent ?? ''))
    const boxes = await page.$$eval('#diagram svg path[aria-roledescription="rect mark"]', (els) => els.length)
    assert.equal(errors, [])
    const want = [...g.nodes.values()].map((n) => n.label)
    for (const label of want) assert.ok(drawn.includes(label), `Chromium drew ${label}`)
    // every node's box, plus one box per schema cluster
    assert.is(boxes, want.length + 3)
  } finally {
    await browser.close()
  }
})

/** Well-formed XML, checked by a real parser (Python's ElementTree). */
function wellFormedXml(svg: string): void {
  const r = spawnSync('/usr/bin/python3', ['-c', 'import sys, xml.etree.ElementTree as E; r = E.fromstring(sys.stdin.read()); print(r.tag)'], { input: svg, encoding: 'utf8' })
  assert.is(r.status, 0, r.stderr)
  assert.is(r.stdout.trim(), '{http://www.w3.org/2000/svg}svg')
}

let validator: ((spec: unknown) => boolean) & { errors?: unknown } | null = null
/** Validates against Vega-Lite's own v5 JSON schema (the vega-lite 5 package, installed as vega-lite-v5). */
function validateV5(spec: unknown): void {
  if (!validator) {
    const require = createRequire(import.meta.url)
    const Ajv = require('ajv').default
    const schema = JSON.parse(readFileSync(require.resolve('vega-lite-v5/build/vega-lite-schema.json'), 'utf8'))
    validator = new Ajv({ strict: false, validateFormats: false }).compile(schema)
  }
  assert.ok(validator!(spec), JSON.stringify(validator!.errors)?.slice(0, 2000))
}

test.run()
