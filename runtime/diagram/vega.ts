/**
 * The laid-out diagram as a Vega-Lite v5 specification in DataJoint's visual vocabulary, and its
 * two renderings: SVG made in Node by vega (no canvas, no browser) and a self-contained HTML page
 * that draws it with vega in the browser, tooltips included.
 *
 * Positions come from the layout, so every channel uses `scale: null` (data values are pixels).
 * Styles follow DataJoint's graphviz ones: Manual green boxes, Lookup grey, Imported blue and
 * Computed red rounded nodes, Parts small and plain; primary-key dependencies solid, secondary
 * dashed, one-to-one thick, renamed foreign keys orange; tables with key attributes of their own
 * underlined.
 */
import { readFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { DataJointError } from '../errors.js'
import { type DiagramLayout, NODE_STYLE, type ShownTier } from './layout.js'

export const VEGA_LITE_SCHEMA = 'https://vega.github.io/schema/vega-lite/v5.json'

/** Fill, outline and text colours by tier (DataJoint's translucent colours, blended on white). */
export const TIER_COLORS: Record<ShownTier, { fill: string; stroke: string; text: string }> = {
  manual: { fill: '#cfffcf', stroke: '#5fbf5f', text: '#006400' },
  lookup: { fill: '#dfdfdf', stroke: '#dfdfdf', text: '#000000' },
  imported: { fill: '#bfbfdf', stroke: '#7f7fbf', text: '#00007f' },
  computed: { fill: '#ffdfdf', stroke: '#df9f9f', text: '#7f0000' },
  part: { fill: '#ffffff', stroke: '#ffffff', text: '#000000' },
  unknown: { fill: '#ffffbf', stroke: '#bfbf5f', text: '#5f5f00' },
  collapsed: { fill: '#d0d0d0', stroke: '#808080', text: '#404040' },
}
const TIER_NAMES: Record<ShownTier, string> = { manual: 'Manual', lookup: 'Lookup', imported: 'Imported', computed: 'Computed', part: 'Part', unknown: 'unknown tier', collapsed: 'collapsed schema' }
const ROUND = new Set<ShownTier>(['imported', 'computed'])
const EDGE = { color: '#999999', renamed: '#ff8800' }

const px = (field: string) => ({ field, type: 'quantitative', scale: null, axis: null })

export function vegaLiteSpec(layout: DiagramLayout): Record<string, unknown> {
  const nodes = layout.nodes.map((n) => {
    const c = TIER_COLORS[n.tier]
    return {
      id: n.id, label: n.label, tier: TIER_NAMES[n.tier], table: n.table, schema: n.schema,
      rows: n.rows ?? '', definition: n.definition, comment: n.comment,
      x: n.x, x2: n.x + n.width, y: n.y, y2: n.y + n.height, cx: n.x + n.width / 2, cy: n.y + n.height / 2,
      fill: c.fill, stroke: c.stroke, text: c.text, fontSize: NODE_STYLE[n.tier].fontSize, round: ROUND.has(n.tier), distinguished: n.distinguished,
    }
  })
  const edgePoints = layout.edges.flatMap((e) => {
    const parent = layout.nodes.find((n) => n.id === e.parent)
    const child = layout.nodes.find((n) => n.id === e.child)
    return e.points.map((p, i) => ({
      edge: e.id, i, x: p.x, y: p.y,
      kind: e.primary ? 'primary' : 'secondary',
      width: e.multi ? 1 : 2.5,
      color: e.aliased ? EDGE.renamed : EDGE.color,
      dependency: `${parent?.label ?? e.parent} → ${child?.label ?? e.child}`,
      renamed: e.renames,
    }))
  })
  const underlines = nodes.filter((n) => n.distinguished).map((n) => {
    const half = (n.label.length * n.fontSize * 0.56) / 2
    return { x: n.cx - half, x2: n.cx + half, y: n.cy + n.fontSize / 2 + 1 }
  })
  const nodeTooltip = [
    { field: 'label', title: 'table' },
    { field: 'tier', title: 'tier' },
    { field: 'table', title: 'name' },
    { field: 'rows', title: 'rows' },
    { field: 'definition', title: 'definition' },
    { field: 'comment', title: 'comment' },
  ]
  const box = (round: boolean) => ({
    data: { values: nodes.filter((n) => n.round === round) },
    mark: { type: 'rect', cornerRadius: round ? 13 : 0, strokeWidth: 0.75 },
    encoding: {
      x: px('x'), x2: { field: 'x2' }, y: px('y'), y2: { field: 'y2' },
      fill: { field: 'fill', type: 'nominal', scale: null },
      stroke: { field: 'stroke', type: 'nominal', scale: null },
      tooltip: nodeTooltip,
      description: { field: 'label' },
    },
  })
  const layer: Record<string, unknown>[] = []
  if (layout.clusters.length) {
    const clusters = layout.clusters.map((c) => ({ ...c, x2: c.x + c.width, y2: c.y + c.height, lx: c.x + 8, ly: c.y + 15 }))
    layer.push(
      {
        data: { values: clusters },
        mark: { type: 'rect', fill: '#fafafa', stroke: '#9a9a9a', strokeDash: [4, 3], strokeWidth: 1, cornerRadius: 4 },
        encoding: { x: px('x'), x2: { field: 'x2' }, y: px('y'), y2: { field: 'y2' } },
      },
      {
        data: { values: clusters },
        mark: { type: 'text', align: 'left', baseline: 'middle', font: 'arial', fontSize: 11, fill: '#606060' },
        encoding: { x: px('lx'), y: px('ly'), text: { field: 'schema' } },
      },
    )
  }
  layer.push(
    {
      data: { values: edgePoints },
      mark: { type: 'line', interpolate: 'linear' },
      encoding: {
        x: px('x'), y: px('y'),
        detail: { field: 'edge', type: 'nominal' },
        order: { field: 'i', type: 'quantitative' },
        strokeDash: { field: 'kind', type: 'nominal', scale: { domain: ['primary', 'secondary'], range: [[1, 0], [5, 3]] }, legend: null },
        strokeWidth: { field: 'width', type: 'quantitative', scale: null },
        stroke: { field: 'color', type: 'nominal', scale: null },
        tooltip: [{ field: 'dependency', title: 'dependency' }, { field: 'kind', title: 'foreign key' }, { field: 'renamed', title: 'renamed' }],
      },
    },
    box(false),
    box(true),
    {
      data: { values: nodes },
      mark: { type: 'text', align: 'center', baseline: 'middle', font: 'arial' },
      encoding: {
        x: px('cx'), y: px('cy'),
        text: { field: 'label' },
        fill: { field: 'text', type: 'nominal', scale: null },
        size: { field: 'fontSize', type: 'quantitative', scale: null },
        tooltip: nodeTooltip,
      },
    },
  )
  if (underlines.length) {
    layer.push({
      data: { values: underlines },
      mark: { type: 'rule', strokeWidth: 1, color: '#404040' },
      encoding: { x: px('x'), x2: { field: 'x2' }, y: px('y') },
    })
  }
  return {
    $schema: VEGA_LITE_SCHEMA,
    description: `DataJoint pipeline diagram: ${layout.nodes.length} nodes, ${layout.edges.length} dependencies`,
    width: Math.max(layout.width, 1),
    height: Math.max(layout.height, 1),
    padding: 8,
    autosize: { type: 'none' },
    background: 'white',
    config: { view: { stroke: null } },
    layer,
  }
}

type VegaModule = typeof import('vega')
type VegaLiteModule = typeof import('vega-lite')
let libraries: Promise<[VegaModule, VegaLiteModule]> | null = null
function load(): Promise<[VegaModule, VegaLiteModule]> {
  libraries ??= Promise.all([import('vega'), import('vega-lite')])
  return libraries
}

/** The Vega specification Vega-Lite compiles the diagram to. */
export async function compileToVega(spec: Record<string, unknown>): Promise<object> {
  const [, vl] = await load()
  return vl.compile(spec as never).spec
}

export async function renderSvg(spec: Record<string, unknown>): Promise<string> {
  const [vega] = await load()
  const view = new vega.View(vega.parse(await compileToVega(spec)), { renderer: 'none' })
  try {
    return await view.toSVG()
  } catch (err) {
    throw new DataJointError(`The diagram could not be rendered to SVG: ${(err as Error).message}`, { cause: err })
  } finally {
    view.finalize()
  }
}

let vegaScript: Promise<string> | null = null
/** vega's browser build, inlined so the page works offline (on a cluster, in an archive). */
function vegaBrowserBuild(): Promise<string> {
  vegaScript ??= readFile(join(dirname(fileURLToPath(import.meta.resolve('vega'))), 'vega.min.js'), 'utf8')
  return vegaScript
}

export async function diagramHtml(spec: Record<string, unknown>, title = 'DataJoint pipeline'): Promise<string> {
  const vgSpec = await compileToVega(spec)
  // inside <script>, "</" must not close the element
  const json = (v: unknown) => JSON.stringify(v).replace(/</g, '\\u003c')
  const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;')
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escape(title)}</title>
<style>body { margin: 16px; font-family: arial, sans-serif; } #diagram { overflow: auto; }</style>
<script>${(await vegaBrowserBuild()).replace(/<\/script/gi, '<\\/script')}</script>
</head>
<body>
<div id="diagram"></div>
<script type="application/json" id="vega-lite-spec">${json(spec)}</script>
<script>
  const view = new vega.View(vega.parse(${json(vgSpec)}), { renderer: 'svg', container: '#diagram', hover: true })
  view.runAsync().then(() => document.body.setAttribute('data-rendered', 'true'))
</script>
</body>
</html>
`
}
