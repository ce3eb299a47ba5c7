/**
 * The definition language: table comment, primary-key section, `---`, secondary section; each
 * line an attribute, a foreign key (`-> Parent`), or an index. Parsing is pure text work; types
 * and references are resolved by declare.ts. Errors name the line and what was expected.
 */
import { DataJointError } from '../errors.js'

export interface AttributeLine {
  kind: 'attribute'
  name: string
  type: string
  /** the default as written (null when none) */
  default: string | null
  nullable: boolean
  comment: string
  line: number
  text: string
}

export interface ForeignKeyLine {
  kind: 'foreignKey'
  /** the referenced name path, e.g. ['uni', 'Student'] or ['master'] */
  ref: string[]
  /** set when the reference is a quoted full table name: -> `schema`.`table` */
  fullName?: { schema: string; table: string }
  /** new attribute name → parent attribute name, from `.proj(new='old')` */
  renames: Record<string, string>
  nullable: boolean
  unique: boolean
  line: number
  text: string
}

export interface IndexLine {
  kind: 'index'
  unique: boolean
  attributes: string[]
  line: number
  text: string
}

export type KeyLine = AttributeLine | ForeignKeyLine

export interface ParsedDefinition {
  comment: string
  primary: KeyLine[]
  secondary: KeyLine[]
  indexes: IndexLine[]
}

const NAME = /^[a-z][a-z0-9_]*$/
const INDEX = /^(unique\s+)?index\s*\((.*)\)$/is

export function lineError(message: string, line: number, text: string, hint?: string): DataJointError {
  return new DataJointError(`${message} in line ${line} of the definition: \`${text}\``, hint ? { hint } : {})
}

/** Index of the first `ch` outside quotes (and, if asked, outside brackets), or -1. */
function findOutside(s: string, chars: string, from = 0, brackets = false): number {
  let quote: string | null = null
  let depth = 0
  for (let i = from; i < s.length; i++) {
    const c = s[i]!
    if (quote) {
      if (c === '\\') i++
      else if (c === quote) quote = null
      continue
    }
    if (c === '"' || c === "'" || c === '`') quote = c
    else if (brackets && (c === '(' || c === '[')) depth++
    else if (brackets && (c === ')' || c === ']')) depth--
    else if (depth === 0 && chars.includes(c)) return i
  }
  return -1
}

/** Splits on top-level commas (outside quotes and parentheses). */
export function splitTopLevel(s: string): string[] {
  const out: string[] = []
  let rest = s
  for (;;) {
    const i = findOutside(rest, ',', 0, true)
    if (i < 0) break
    out.push(rest.slice(0, i).trim())
    rest = rest.slice(i + 1)
  }
  if (rest.trim() !== '' || out.length > 0) out.push(rest.trim())
  return out
}

function parseAttribute(text: string, line: number): AttributeLine {
  if (text.startsWith('_')) {
    throw lineError('Attribute names may not start with an underscore', line, text, 'Names with a leading "_" are reserved for hidden platform columns; choose a name that starts with a lowercase letter.')
  }
  const colon = findOutside(text, ':')
  if (colon < 0) {
    throw lineError('Expected "name : type" (or "-> Parent", or "index(...)")', line, text, 'Write an attribute as  name [= default] : type  [# comment].')
  }
  const left = text.slice(0, colon)
  const eq = findOutside(left, '=')
  const name = (eq < 0 ? left : left.slice(0, eq)).trim()
  const def = eq < 0 ? null : left.slice(eq + 1).trim()
  if (!NAME.test(name)) {
    throw lineError(`Invalid attribute name "${name}"`, line, text, 'Attribute names start with a lowercase letter and contain only lowercase letters, digits and "_".')
  }
  if (def === '') throw lineError(`Missing default value after "=" for attribute "${name}"`, line, text)
  const rest = text.slice(colon + 1)
  const hash = findOutside(rest, '#', 0, true)
  const type = (hash < 0 ? rest : rest.slice(0, hash)).trim()
  const comment = hash < 0 ? '' : rest.slice(hash + 1).trim()
  if (type === '') throw lineError(`Missing type for attribute "${name}"`, line, text, 'Write a type after the colon, e.g. int32, varchar(64), <blob>.')
  if (comment.startsWith(':')) throw lineError(`The comment of attribute "${name}" may not start with a colon`, line, text)
  const nullable = def !== null && def.toLowerCase() === 'null'
  return { kind: 'attribute', name, type, default: def, nullable, comment, line, text }
}

const REF = /^([A-Za-z_$][\w$]*(?:\s*\.\s*[A-Za-z_$][\w$]*)*)\s*(?:\.\s*proj\s*\((.*)\))?\s*$/s

const QUOTED_REF = /^`([^`]+)`\s*\.\s*`([^`]+)`\s*(?:\.\s*proj\s*\((.*)\))?\s*$/s

function parseForeignKey(text: string, line: number): ForeignKeyLine {
  let rest = text.slice(text.indexOf('->') + 2).trim()
  let nullable = false
  let unique = false
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']')
    if (close < 0) throw lineError('Unclosed "[" in the foreign-key options', line, text)
    for (const raw of rest.slice(1, close).split(',')) {
      const opt = raw.trim().toLowerCase()
      if (opt === 'nullable') nullable = true
      else if (opt === 'unique') unique = true
      else if (opt !== '') throw lineError(`Invalid foreign key option "${raw.trim()}"`, line, text, 'The options are [nullable], [unique] and [nullable, unique].')
    }
    rest = rest.slice(close + 1).trim()
  }
  const hash = findOutside(rest, '#', 0, true)
  if (hash >= 0) rest = rest.slice(0, hash).trim()
  const quoted = QUOTED_REF.exec(rest)
  const m = quoted ? null : REF.exec(rest)
  if (!m && !quoted) {
    throw lineError(`Cannot read the foreign-key reference "${rest}"`, line, text, 'Write  -> Parent,  -> schema.Parent,  -> master,  -> Master.Part  or  -> Parent.proj(new_name="old_name").')
  }
  const ref = quoted ? [quoted[1]!, quoted[2]!] : m![1]!.split('.').map((s) => s.trim())
  const projArgs = quoted ? quoted[3] : m![2]
  const renames: Record<string, string> = {}
  if (projArgs !== undefined) {
    for (const arg of splitTopLevel(projArgs)) {
      const am = /^([a-z][a-z0-9_]*)\s*=\s*(["'])([a-z][a-z0-9_]*)\2$/.exec(arg)
      if (!am) throw lineError(`Expected new_name="old_name" in .proj(), found "${arg}"`, line, text)
      renames[am[1]!] = am[3]!
    }
  }
  return {
    kind: 'foreignKey', ref, renames, nullable, unique, line, text,
    ...(quoted ? { fullName: { schema: quoted[1]!, table: quoted[2]! } } : {}),
  }
}

function parseIndex(text: string, line: number, m: RegExpExecArray): IndexLine {
  const attributes = splitTopLevel(m[2]!).map((a) => a.replace(/^`(.*)`$/, '$1'))
  if (attributes.length === 0 || attributes.some((a) => a === '')) throw lineError('An index needs a comma-separated list of attributes', line, text)
  return { kind: 'index', unique: !!m[1], attributes, line, text }
}

export function parseDefinition(definition: string): ParsedDefinition {
  if (typeof definition !== 'string') throw new DataJointError('The table definition must be a string.', { hint: 'Set static definition = `...` on the table class.' })
  const lines = definition.split(/\r?\n/)
  const out: ParsedDefinition = { comment: '', primary: [], secondary: [], indexes: [] }
  let inKey = true
  let first = true
  lines.forEach((raw, i) => {
    const text = raw.trim()
    const line = i + 1
    if (text === '') return
    if (first && text.startsWith('#')) {
      out.comment = text.slice(1).trim()
      first = false
      if (out.comment.startsWith(':')) throw lineError('The table comment may not start with a colon', line, text)
      return
    }
    first = false
    if (text.startsWith('#')) return
    if (text.startsWith('---')) {
      if (!inKey) throw lineError('A second "---" separator', line, text, 'A definition has one "---" line between the primary key and the other attributes.')
      inKey = false
      return
    }
    const arrow = text.indexOf('->')
    if (arrow >= 0 && !/["'#]/.test(text.slice(0, arrow))) {
      if (text.slice(0, arrow).trim() !== '') throw lineError('Text before "->"', line, text, 'A foreign key line starts with "->"; renames are written  -> Parent.proj(new_name="old_name").')
      ;(inKey ? out.primary : out.secondary).push(parseForeignKey(text, line))
      return
    }
    const hash = findOutside(text, '#')
    const im = INDEX.exec((hash < 0 ? text : text.slice(0, hash)).trim())
    if (im) {
      out.indexes.push(parseIndex(text, line, im))
      return
    }
    ;(inKey ? out.primary : out.secondary).push(parseAttribute(text, line))
  })
  return out
}
