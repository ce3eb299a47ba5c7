/** The university schema of datajoint-python's tests, declared from its definitions and loaded. */
import * as dj from '../../runtime/index.js'
import { readCsv } from './csv.js'
import { university, universityCsv } from './fixtures.js'

export const LETTER_GRADES = [
  ['A', 4.0], ['A-', 3.67], ['B+', 3.33], ['B', 3.0], ['B-', 2.67], ['C+', 2.33],
  ['C', 2.0], ['C-', 1.67], ['D+', 1.33], ['D', 1.0], ['F', 0.0],
]

export function tierOf(tableName: string) {
  return tableName.startsWith('#') ? dj.Lookup : tableName.startsWith('__') ? dj.Computed : tableName.startsWith('_') ? dj.Imported : dj.Manual
}

/** Classes built from the fixture's definitions, named as datajoint-python named them. */
export function classesFor(version: 'v2.3' | 'v0.14') {
  const fx = university(version)
  return Object.entries(fx.tables).map(([name, t]) => {
    const Base = tierOf(t.table_name)
    const cls = { [name]: class extends Base {} }[name]! as typeof dj.Manual & { definition: string }
    cls.definition = t.definition
    if (name === 'LetterGrade') (cls as unknown as { contents: unknown }).contents = LETTER_GRADES
    return cls
  })
}

/** Declares the 2.3 university schema under `name` and loads the CSVs; returns it opened. */
export async function loadUniversity(name: string): Promise<dj.OpenedSchema> {
  const uni = dj.schema(name)
  Object.assign(uni.context, { uni })
  const classes = classesFor('v2.3')
  await uni.declare(...classes)
  for (const cls of classes) {
    if (cls.name !== 'LetterGrade') await cls.insert(readCsv(universityCsv(cls.name)))
  }
  return uni as dj.OpenedSchema
}
