/**
 * Previews of a query: the first rows (only those are fetched, blob columns never), the total
 * count, the primary key marked. Text in DataJoint's layout for terminals; an escaped HTML table
 * for notebooks, readable in light and dark themes.
 */
import type { Attribute } from '../heading/attribute.js'
import { config } from '../settings/global.js'
import type { QueryExpression, Row } from './expression.js'

const isHeavy = (a: Attribute) => a.isBlob || a.codec !== null || a.isAttachment

function placeholder(a: Attribute): string {
  return a.codec ? `<${a.codec.name}>` : a.isJson ? 'json' : '=BLOB='
}

function show(v: unknown): string {
  if (v === null || v === undefined) return 'NULL'
  if (typeof v === 'object') return JSON.stringify(v)
  return String(v)
}

interface Sample {
  attributes: Attribute[]
  /** up to limit + 1 rows, decoded like fetch, heavy columns left out */
  rows: Row[]
  total: number
  limit: number
}

async function sample(q: QueryExpression, limit: number = config.get('display.limit') as number): Promise<Sample> {
  const attributes = q.heading.attributes
  const light = attributes.filter((a) => !isHeavy(a)).map((a) => a.name)
  const [rows, total] = await Promise.all([q.rows(light, { limit: limit + 1, orderBy: q.primaryKey.length ? 'KEY' : undefined }), q.count()])
  return { attributes, rows, total, limit }
}

export async function previewText(q: QueryExpression, options: { limit?: number; width?: number } = {}): Promise<string> {
  return renderText(await sample(q, options.limit), options.width)
}

export async function previewHtml(q: QueryExpression, options: { limit?: number } = {}): Promise<string> {
  return renderHtml(await sample(q, options.limit), q.heading.comment)
}

/** Both previews from one sample of the rows (what the kernel and the REPL show). */
export async function previewBundle(q: QueryExpression): Promise<Record<string, string>> {
  const s = await sample(q)
  return { 'text/plain': renderText(s), 'text/html': renderHtml(s, q.heading.comment) }
}

/**
 * DataJoint's fixed-width table: columns padded to their widest value (at most `width`), a rule
 * under the header, `...` when rows were left out, and the total when it is given.
 */
export function textTable(headers: string[], rows: string[][], options: { more: boolean; total: number | null; width?: number }): string {
  const maxWidth = options.width ?? (config.get('display.width') as number)
  const widths = headers.map((h, i) => Math.min(maxWidth, Math.max(h.length, ...rows.map((r) => r[i]!.length))))
  const fit = (s: string, w: number) => (s.length > w ? s.slice(0, Math.max(1, w - 1)) + '…' : s.padEnd(w))
  const lines = [
    headers.map((h, i) => fit(h, widths[i]!)).join('    '),
    widths.map((w) => '+' + '-'.repeat(w + 1) + '+').join(' '),
    ...rows.map((r) => r.map((v, i) => fit(v, widths[i]!)).join('    ')),
  ]
  if (options.more) lines.push('   ...')
  if (options.total !== null) lines.push(` (Total: ${options.total})`)
  return lines.map((l) => l.trimEnd()).join('\n')
}

function renderText({ attributes, rows, total, limit }: Sample, width?: number): string {
  const cells = (a: Attribute, r: Row) => (isHeavy(a) ? placeholder(a) : show(r[a.name]))
  return textTable(
    attributes.map((a) => (a.inKey ? '*' : '') + a.name),
    rows.slice(0, limit).map((r) => attributes.map((a) => cells(a, r))),
    { more: rows.length > limit, total: config.get('display.show_tuple_count') ? total : null, width },
  )
}

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;')

/** Styles scoped to the preview; Jupyter's theme variables first, neutral fallbacks after. */
const STYLE = `<style>
.dj-preview{font-family:var(--jp-ui-font-family,system-ui,sans-serif);font-size:var(--jp-ui-font-size1,13px);color:var(--jp-content-font-color1,inherit)}
.dj-preview table{border-collapse:collapse;margin:2px 0}
.dj-preview th,.dj-preview td{padding:3px 10px;text-align:left;border-bottom:1px solid var(--jp-border-color2,rgba(128,128,128,.3));white-space:pre-wrap;max-width:40em}
.dj-preview th{font-weight:600;border-bottom:2px solid var(--jp-border-color1,rgba(128,128,128,.6))}
.dj-preview th.dj-key{color:var(--jp-brand-color1,#1565c0)}
.dj-preview td.dj-null{opacity:.55;font-style:italic}
.dj-preview td.dj-blob{opacity:.7;font-family:var(--jp-code-font-family,monospace)}
.dj-preview .dj-title{font-weight:600;margin-bottom:2px}
.dj-preview .dj-count{opacity:.75;margin-top:2px}
</style>`

function renderHtml({ attributes, rows, total, limit }: Sample, comment: string): string {
  const head = attributes
    .map((a) => {
      const tip = [a.inKey ? 'primary key' : '', a.type, a.comment].filter(Boolean).join(' · ')
      return `<th${a.inKey ? ' class="dj-key"' : ''} title="${escapeHtml(tip)}">${a.inKey ? '🔑 ' : ''}${escapeHtml(a.name)}</th>`
    })
    .join('')
  const body = rows
    .slice(0, limit)
    .map((r) => '<tr>' + attributes.map((a) => {
      if (isHeavy(a)) return `<td class="dj-blob">${escapeHtml(placeholder(a))}</td>`
      const v = r[a.name]
      return v === null || v === undefined ? '<td class="dj-null">NULL</td>' : `<td>${escapeHtml(show(v))}</td>`
    }).join('') + '</tr>')
    .join('')
  const more = rows.length > limit ? `<tr><td colspan="${attributes.length}">…</td></tr>` : ''
  const title = comment ? `<div class="dj-title">${escapeHtml(comment)}</div>` : ''
  return `<div class="dj-preview">${STYLE}${title}<table><thead><tr>${head}</tr></thead><tbody>${body}${more}</tbody></table><div class="dj-count">Total: ${total}</div></div>`
}
