/** The golden data made by datajoint-python (test/fixtures; see its README). */
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')

/** The fixtures folder: DJ_FIXTURES, else the copy in test/fixtures. */
export const fixtures = process.env.DJ_FIXTURES && existsSync(process.env.DJ_FIXTURES) ? process.env.DJ_FIXTURES : join(root, 'test', 'fixtures')

export interface UniversityTable {
  table_name: string
  definition: string
  create_table: string
  rows: number
}

export interface UniversityFixture {
  schema: string
  tables: Record<string, UniversityTable>
  queries: Array<Record<string, any>>
}

export function university(version: 'v2.3' | 'v0.14'): UniversityFixture {
  return JSON.parse(readFileSync(join(fixtures, 'university', `queries.${version}.json`), 'utf8'))
}

export const universityCsv = (name: string) => join(fixtures, 'university', `${name}.csv`)
