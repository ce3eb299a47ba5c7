/**
 * Column-comment type markers. datajoint-python 2.x writes `:<declared type>:<comment>` for core
 * and codec types; 0.14 writes `:uuid:`, `:attach:`, `:blob@store:`, `:attach@store:`,
 * `:filepath@store:` and `:<adapter>:` for its special types. Both are read here.
 */
export interface Marker {
  /** the declared type inside the colons, or null when the comment has none */
  type: string | null
  /** the user's comment without the marker */
  comment: string
}

export function splitMarker(comment: string): Marker {
  if (!comment.startsWith(':')) return { type: null, comment }
  // scan for the closing colon outside quotes, parentheses and angle brackets (enum values may hold ':')
  let depth = 0
  let quote: string | null = null
  for (let i = 1; i < comment.length; i++) {
    const c = comment[i]!
    if (quote) {
      if (c === '\\') i++
      else if (c === quote) quote = null
      continue
    }
    if (c === "'" || c === '"') quote = c
    else if (c === '(' || c === '<') depth++
    else if (c === ')' || c === '>') depth--
    else if (c === ':' && depth <= 0) return { type: comment.slice(1, i), comment: comment.slice(i + 1) }
  }
  return { type: null, comment }
}
