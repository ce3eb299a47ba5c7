/** A small RFC 4180 reader for the fixture CSVs (quoted fields may hold commas and newlines). */
import { readFileSync } from 'node:fs'

export function readCsv(path: string): Array<Record<string, string>> {
  const text = readFileSync(path, 'utf8')
  const records: string[][] = []
  let field = ''
  let record: string[] = []
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++
      else if (c === '"') quoted = false
      else field += c
    } else if (c === '"') quoted = true
    else if (c === ',') record.push(field), (field = '')
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++
      record.push(field)
      records.push(record)
      record = []
      field = ''
    } else field += c
  }
  if (field !== '' || record.length) record.push(field), records.push(record)
  const [header, ...rows] = records
  return rows.map((r) => Object.fromEntries(header!.map((h, j) => [h, r[j]!])))
}
