/**
 * %sql STATEMENT and %%sql: raw SQL on the session's connection (dj.conn()). A result set is
 * previewed like a query (the first display.limit rows and the total); other statements report
 * the rows they changed. A statement the server rejects is one error: the DataJoint error class,
 * the server's message and the SQL.
 */
import * as dj from '../runtime/index.js'
import { type Magic, MagicError } from './magic.js'

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')

function show(v: unknown): string {
  if (v === null || v === undefined) return 'NULL'
  if (v instanceof Uint8Array) return `<${v.length} bytes>`
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? String(v) : v.toISOString().replace('T', ' ').replace(/\.000Z$|Z$/, '')
  if (typeof v === 'object') return JSON.stringify(v)
  return String(v)
}

/** The rows a statement returned, previewed as text and as an HTML table. */
export class SqlResult {
  constructor(readonly columns: string[], readonly rows: Array<Record<string, unknown>>, readonly sql: string) {}

  get count(): number {
    return this.rows.length
  }

  toString(): string {
    const limit = dj.config.get('display.limit') as number
    const shown = this.rows.slice(0, limit).map((r) => this.columns.map((c) => show(r[c])))
    return dj.textTable(this.columns, shown, { more: this.rows.length > limit, total: this.rows.length })
  }

  [dj.display](): dj.MimeBundle {
    const limit = dj.config.get('display.limit') as number
    const head = this.columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('')
    const body = this.rows
      .slice(0, limit)
      .map((r) => '<tr>' + this.columns.map((c) => (r[c] === null || r[c] === undefined ? '<td class="dj-null">NULL</td>' : `<td>${escapeHtml(show(r[c]))}</td>`)).join('') + '</tr>')
      .join('')
    const more = this.rows.length > limit ? `<tr><td colspan="${this.columns.length}">…</td></tr>` : ''
    const html = `<div class="dj-preview"><table><thead><tr>${head}</tr></thead><tbody>${body}${more}</tbody></table><div class="dj-count">Total: ${this.rows.length}</div></div>`
    return { 'text/plain': this.toString(), 'text/html': html }
  }
}

export const sql: Magic = {
  name: 'sql',
  kinds: ['line', 'cell'],
  usage: '%sql STATEMENT   or   %%sql (the statement below)',
  help: [
    'Runs SQL on the connection of dj.conn(); a result set is previewed with its total,',
    'and other statements print the rows they changed. Values are not bound: use the',
    'query language (restrict with dj.sql`...`) for anything that takes user input.',
    'Example:  %sql SHOW DATABASES',
  ].join('\n'),
  async run({ args, body, host }) {
    const statement = (body ?? args).trim().replace(/;\s*$/, '')
    if (!statement) throw new MagicError('%sql needs a statement.', { hint: 'Usage: %sql SELECT 1   (or a %%sql cell with the statement below)' })
    const conn = dj.conn()
    const r = await conn.query(statement)
    if (r.columns.length) return new SqlResult(r.columns, r.rows, statement)
    host.print(`${r.affectedRows} row${r.affectedRows === 1 ? '' : 's'} affected\n`)
    return undefined
  },
}
