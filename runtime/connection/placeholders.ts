/**
 * `?` placeholders as PostgreSQL's `$1, $2, ...`. Only `?` outside string literals, quoted
 * identifiers, dollar-quoted bodies and comments is a placeholder.
 */
export function numberedPlaceholders(sql: string): string {
  if (!sql.includes('?')) return sql
  let out = ''
  let n = 0
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i]!
    if (c === "'" || c === '"') {
      const end = closing(sql, i, c)
      out += sql.slice(i, end)
      i = end - 1
    } else if (c === '$') {
      const tag = /^\$[A-Za-z_]*\$/.exec(sql.slice(i))?.[0]
      if (tag) {
        const end = sql.indexOf(tag, i + tag.length)
        const stop = end < 0 ? sql.length : end + tag.length
        out += sql.slice(i, stop)
        i = stop - 1
      } else out += c
    } else if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i)
      const stop = end < 0 ? sql.length : end
      out += sql.slice(i, stop)
      i = stop - 1
    } else if (c === '?') out += `$${++n}`
    else out += c
  }
  return out
}

/** The index just past a quoted run that starts at `start` (a doubled quote stays inside). */
function closing(sql: string, start: number, q: string): number {
  for (let i = start + 1; i < sql.length; i++) {
    if (sql[i] === q) {
      if (sql[i + 1] === q) i++
      else return i + 1
    }
  }
  return sql.length
}
