/**
 * Finding magics in a cell. `%%name args` on the first line makes the whole cell a cell magic
 * (the rest is its body); a line that starts with `%name` is a line magic (the rest of the line
 * is its arguments). Both become calls into the session's magic runner, so a cell can mix magic
 * lines with TypeScript and the value of the last one is the cell's result.
 */

/** The name under which the session holds the runner (kept out of completions). */
export const RUNNER = '__dj_magics__'

const CELL = /^\s*%%([A-Za-z][\w-]*)[ \t]*(.*)$/
const LINE = /^(\s*)%([A-Za-z][\w-]*)(?:[ \t]+(.*))?$/

export interface CellMagic {
  name: string
  args: string
  body: string
}

/** The cell magic of a cell, or null. */
export function cellMagic(code: string): CellMagic | null {
  const lines = code.replace(/^\s*\n/, '').split('\n')
  const m = CELL.exec(lines[0] ?? '')
  return m ? { name: m[1]!, args: m[2]!.trim(), body: lines.slice(1).join('\n') } : null
}

/** Whether a cell magic's body has ended: its last line is blank (IPython's rule). */
export function cellMagicEnded(code: string): boolean {
  return /\n[ \t]*\n?$/.test(code)
}

/** Whether a cell uses magics at all (most do not, and are left untouched). */
export function hasMagic(code: string): boolean {
  return /^\s*%[%A-Za-z]/m.test(code)
}

/**
 * The cell with its magics turned into calls of the runner. Lines inside template literals are
 * left alone when they follow an opening backtick on an earlier line.
 */
export function rewriteMagics(code: string): string {
  if (!hasMagic(code)) return code
  const cell = cellMagic(code)
  if (cell) return `await ${RUNNER}.cell(${JSON.stringify(cell.name)}, ${JSON.stringify(cell.args)}, ${JSON.stringify(cell.body)})`
  let inTemplate = false
  return code
    .split('\n')
    .map((line) => {
      const m = inTemplate ? null : LINE.exec(line)
      // an odd number of unescaped backticks opens or closes a template literal
      if (((line.replace(/\\`/g, '').match(/`/g) ?? []).length & 1) === 1) inTemplate = !inTemplate
      return m ? `${m[1]}await ${RUNNER}.line(${JSON.stringify(m[2])}, ${JSON.stringify((m[3] ?? '').trim())});` : line
    })
    .join('\n')
    // the value of the cell is the value of its last magic when it ends with one
    .replace(/;$/, '')
}

/** Splits arguments as a shell would: spaces separate, quotes group, backslash escapes. */
export function splitArgs(text: string): string[] {
  const out: string[] = []
  let cur = ''
  let quote: string | null = null
  let started = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (quote) {
      if (c === quote) quote = null
      else if (c === '\\' && quote === '"' && i + 1 < text.length) cur += text[++i]
      else cur += c
    } else if (c === '"' || c === "'") {
      quote = c
      started = true
    } else if (c === '\\' && i + 1 < text.length) {
      cur += text[++i]
      started = true
    } else if (/\s/.test(c)) {
      if (started || cur) out.push(cur)
      cur = ''
      started = false
    } else {
      cur += c
      started = true
    }
  }
  if (quote) throw new SyntaxError(`unclosed ${quote} in "${text}"`)
  if (started || cur) out.push(cur)
  return out
}
