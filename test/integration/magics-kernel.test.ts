/**
 * Every magic in the dj kernel, driven by the real jupyter_client: %%table for each tier and for
 * parts, unchanged and changed re-runs, %schema, %sql/%%sql, %describe, %config, %time/%%time,
 * %lsmagic, %magic, %connect with its password asked over stdin, and bad arguments, after which
 * the session goes on.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { cleanup, prefix, setupDatabase } from '../helpers/db.js'
import { type CellReport, errorOf, resultText, runCells as runWith } from '../helpers/kernel.js'

setupDatabase()
test.after(cleanup)
const db = `${prefix}kmagic`

const runCells = (cells: object[]) => runWith(cells, { env: { DJ_TYPECHECK: 'off' } })
const text = resultText
const error = errorOf
const stdout = (c: CellReport) => c.outputs.filter((o) => o[0] === 'stream' && o[1] === 'stdout').map((o) => o[2]).join('')

const cells: Record<string, { code: string; input?: string }> = {
  lsmagic: { code: '%lsmagic' },
  schema: { code: '%schema kmagic' },
  subject: { code: '%%table Subject\nsubject_id : int32\n---\nname : varchar(16)\n' },
  tone: { code: '%%table Tone lookup\ntone : varchar(8)' },
  session: { code: '%%table Session\n-> Subject\nsession : int16\n---\nnote = "" : varchar(32)' },
  trial: { code: '%%table Trial part of Session\n-> master\ntrial : int16\n---\nt : float64' },
  scan: { code: '%%table Scan imported\n-> Session\n---\nframes : int32' },
  summary: { code: '%%table Summary computed\n-> Session\n---\nn_trials : int32' },
  compute: {
    code: [
      'await Subject.insert([[1, "ann"], [2, "bob"]])',
      'await Session.insert([[1, 1, ""], [2, 1, "x"]])',
      'await Session.Trial.insert([[1, 1, 1, 0.5], [1, 1, 2, 0.7], [2, 1, 1, 0.1]])',
      'Scan.make = async function (key) { await this.insert1({ ...key, frames: 100 * key.subject_id }) }',
      'Summary.make = async function (key) { await this.insert1({ ...key, n_trials: await Session.Trial.restrict(key).count() }) }',
      'await Scan.populate(); await Summary.populate()',
      'console.log(JSON.stringify([await Scan.fetch({ orderBy: "KEY" }), await Summary.fetch({ orderBy: "KEY" })]))',
    ].join('\n'),
  },
  diagram: { code: '%diagram' },
  diagramUp: { code: '%diagram Summary -1 --tb' },
  diagramMissing: { code: '%diagram Nope' },
  diagramSchemaMissing: { code: '%diagram no_such_schema' },
  diagramBoth: { code: '%diagram --lr --tb' },
  // cells queued behind a failing one are aborted (stop_on_error); the next one sent runs
  queued: { queue: ['throw new Error("first fails")', '1', '2'] } as never,
  afterQueue: { code: '"runs"' },
  keep: { code: 'const before = Subject; const beforeTrial = Trial' },
  rerun: { code: '%%table Subject\nsubject_id : int32\n---\nname : varchar(16)\n' },
  same: { code: 'Subject === before' },
  changed: { code: '%%table Subject\nsubject_id : int32\n---\nname : varchar(20)\n' },
  alter: { code: 'await Subject.alter({ prompt: false }); (await Subject.describe()).split("\\n")[2]' },
  changedKey: { code: '%%table Subject\nsubject_id : int64\n---\nname : varchar(20)\n' },
  keptDefinition: { code: 'Subject.definition' },
  tierChange: { code: '%%table Subject lookup\nsubject_id : int32\n---\nname : varchar(20)' },
  rerunPart: { code: '%%table Trial part of Session\n-> master\ntrial : int16\n---\nt : float64' },
  samePart: { code: 'Trial === beforeTrial && Session.Trial === Trial' },
  noMaster: { code: '%%table Lonely part of Nobody\nx : int32' },
  badTier: { code: '%%table Thing sometimes\nx : int32' },
  badName: { code: '%%table thing\nx : int32' },
  empty: { code: '%%table Empty\n' },
  badDefinition: { code: '%%table Broken\nx : nosuchtype' },
  sql: { code: `%sql SELECT subject_id, name FROM \`${db}\`.\`subject\` ORDER BY subject_id` },
  cellSql: { code: `%%sql\nUPDATE \`${db}\`.\`subject\` SET name = 'z' WHERE subject_id = 99` },
  badSql: { code: '%sql SELEC nonsense' },
  describe: { code: '%describe Session.Trial' },
  describeMissing: { code: '%describe Nope' },
  describeNotTable: { code: '%describe dj' },
  configSet: { code: '%config display.limit = 3' },
  configGet: { code: '%config display.limit' },
  configBad: { code: '%config no_such.key = 1' },
  time: { code: '%time 6 * 7' },
  cellTime: { code: '%%time\nconst q = 2\nq * 21' },
  afterTime: { code: 'q' },
  magicHelp: { code: '%magic sql' },
  unknown: { code: '%nope' },
  tooMany: { code: '%schema a b' },
  notCell: { code: '%%schema x\nbody' },
  notLine: { code: '%table X' },
  connect: { code: `%connect ${process.env.DJ_HOST ?? '127.0.0.1'} --user ${process.env.DJ_USER ?? 'root'}`, input: process.env.DJ_PASS ?? '' },
  connectBad: { code: `%connect ${process.env.DJ_HOST ?? '127.0.0.1'} --user dj_nobody_here`, input: 'wrong' },
  connectOption: { code: '%connect --bogus' },
  stillConnected: { code: 'await Subject.count()' },
  mixed: { code: 'const n = 3\n%config display.limit = 12\nn + 1' },
  alive: { code: '1 + 1' },
}

test('the magics in the kernel, through jupyter_client', () => {
  const names = Object.keys(cells)
  const r = runCells(Object.values(cells))
  const c = Object.fromEntries(names.map((n, i) => [n, r.cells[i]!])) as Record<string, CellReport>

  assert.is(text(c.lsmagic!), 'Available line magics:\n%config  %connect  %describe  %diagram  %jobs  %lsmagic  %magic  %populate  %schema  %sql  %time\n\nAvailable cell magics:\n%%sql  %%table  %%time\n\n%magic NAME explains one.')
  assert.is(text(c.schema!), `Active schema: ${db}`)
  // each tier declared; the class is the result and previews itself
  assert.is(text(c.subject!), '*subject_id    name\n+------------+ +-----+\n (Total: 0)')
  assert.is(text(c.tone!), '*tone\n+------+\n (Total: 0)')
  for (const n of ['session', 'trial', 'scan', 'summary']) assert.is(c[n]!.status, 'ok', JSON.stringify(c[n]))
  assert.equal(JSON.parse(stdout(c.compute!)), [
    [{ subject_id: 1, session: 1, frames: 100 }, { subject_id: 2, session: 1, frames: 200 }],
    [{ subject_id: 1, session: 1, n_trials: 2 }, { subject_id: 2, session: 1, n_trials: 1 }],
  ])
  // %diagram: drawn (Vega-Lite for JupyterLab, SVG for other front ends) and outlined as text
  const drawn = c.diagram!.outputs.find((o) => o[0] === 'execute_result')![1] as Record<string, any>
  assert.equal(Object.keys(drawn).sort(), ['application/vnd.vegalite.v5+json', 'image/svg+xml', 'text/plain'])
  assert.is(drawn['application/vnd.vegalite.v5+json'].$schema, 'https://vega.github.io/schema/vega-lite/v5.json')
  for (const label of ['Subject', 'Tone', 'Session', 'Session.Trial', 'Scan', 'Summary']) assert.match(drawn['image/svg+xml'], `>${label}</text>`)
  assert.match(drawn['text/plain'], /^Diagram: 6 tables \(2 manual, 1 lookup, 1 imported, 1 computed, 1 part\)\n/)
  assert.match(text(c.diagramUp!)!, /^Diagram: 2 tables \(1 manual, 1 computed\)\n/)
  assert.match(text(c.diagramUp!)!, /\n {2}Summary {3}computed {2}← Session$/)
  assert.match(error(c.diagramMissing!)!.evalue, '%diagram: there is no table Nope in the session.')
  assert.match(error(c.diagramSchemaMissing!)!.evalue, `%diagram: there is no schema ${prefix}no_such_schema.`)
  assert.match(error(c.diagramBoth!)!.evalue, '%diagram: choose one of --lr and --tb.')
  assert.equal((c.queued as unknown as { statuses: string[] }).statuses, ['error', 'aborted', 'aborted'])
  assert.is(text(c.afterQueue!), "'runs'")
  // unchanged: the same class, nothing declared
  assert.is(c.rerun!.status, 'ok')
  assert.is(text(c.same!), 'true')
  // changed secondary attribute: the ALTER it needs and how to apply it
  const changed = error(c.changed!)!
  assert.is(changed.ename, 'MagicError')
  assert.match(changed.evalue, `Subject exists in ${db} with a different definition. Altering it to this cell's definition would run:\n  ALTER TABLE \`${db}\`.\`subject\` MODIFY \`name\` varchar(20) NOT NULL`)
  assert.match(changed.evalue, 'To apply it, run await Subject.alter()')
  assert.is(changed.traceback.length, 1, changed.traceback.join('\n'))
  assert.is(text(c.alter!), "'name                 : varchar(20)'")
  // a changed primary key cannot be altered: the class keeps its definition
  const changedKey = error(c.changedKey!)!
  assert.match(changedKey.evalue, `Subject exists in ${db} with a different definition, and alter cannot change the primary key.\nDrop it (await Subject.drop()`)
  assert.is(text(c.keptDefinition!), "'subject_id : int32\\n---\\nname : varchar(20)'")
  assert.match(error(c.tierChange!)!.evalue, 'Subject is already a manual table; the tier is part of the table\'s name in the database')
  assert.is(c.rerunPart!.status, 'ok')
  assert.is(text(c.samePart!), 'true')
  assert.match(error(c.noMaster!)!.evalue, `%%table Lonely part of Nobody: Nobody is not a table of the active schema ${db}.`)
  assert.match(error(c.badTier!)!.evalue, '%%table Thing: unknown tier "sometimes".\nUsage: %%table Name [manual|lookup|imported|computed|part of Master]')
  assert.match(error(c.badName!)!.evalue, '"thing" is not a CamelCase class name')
  assert.match(error(c.empty!)!.evalue, '%%table Empty: the cell has no definition.')
  const broken = error(c.badDefinition!)!
  assert.ok(broken.ename !== 'MagicError' && /nosuchtype/.test(broken.evalue), JSON.stringify(broken))

  assert.is(text(c.sql!), 'subject_id    name\n+-----------+ +-----+\n1             ann\n2             bob\n (Total: 2)')
  assert.match((c.sql!.outputs[0]![1] as Record<string, string>)['text/html']!, '<td>ann</td>')
  assert.is(stdout(c.cellSql!), '0 rows affected\n')
  const badSql = error(c.badSql!)!
  assert.is(badSql.ename, 'QuerySyntaxError')
  assert.equal(badSql.traceback.slice(1), ['  SQL: SELEC nonsense'])
  assert.is(text(c.describe!), '-> Session\ntrial                : int16\n---\nt                    : float64\n')
  assert.match(error(c.describeMissing!)!.evalue, '%describe: there is no table Nope in the session.')
  assert.match(error(c.describeNotTable!)!.evalue, '%describe: dj is not a table class.')
  assert.is(text(c.configSet!), 'display.limit = 3   (code)')
  assert.is(text(c.configGet!), 'display.limit = 3   (code)')
  assert.is(error(c.configBad!)!.ename, 'MagicError')
  assert.match(stdout(c.time!), /^Wall time: [\d.]+ (µs|ms)\n$/)
  assert.is(text(c.time!), '42')
  assert.is(text(c.cellTime!), '42')
  assert.is(text(c.afterTime!), '2')
  assert.match(text(c.magicHelp!)!, /^%sql STATEMENT {3}or {3}%%sql \(the statement below\)\n {4}Runs SQL/)
  assert.is(error(c.unknown!)!.evalue, 'Unknown magic %nope.\n%lsmagic lists the magics.')
  assert.is(error(c.tooMany!)!.evalue, '%schema: unexpected argument "b".\nUsage: %schema [NAME]')
  assert.match(error(c.notCell!)!.evalue, '%%schema: there is no cell magic schema.')
  assert.match(error(c.notLine!)!.evalue, '%table is a cell magic.')
  // the password goes through stdin with password: true, and is in no output
  const host = process.env.DJ_HOST ?? '127.0.0.1'
  const user = process.env.DJ_USER ?? 'root'
  assert.equal(c.connect!.prompts, [[`Password for ${user}@${host}: `, true]])
  assert.match(text(c.connect!)!, `Connected to ${user}@${host}:`)
  assert.equal(c.connectBad!.prompts, [[`Password for dj_nobody_here@${host}: `, true]])
  const bad = error(c.connectBad!)!
  assert.match(bad.evalue, `%connect: could not connect as dj_nobody_here to ${host}`)
  assert.not.match(JSON.stringify(c.connectBad), 'wrong')
  assert.match(error(c.connectOption!)!.evalue, "%connect: Unknown option '--bogus'")
  assert.is(text(c.stillConnected!), '2')
  assert.is(text(c.mixed!), '4')
  assert.is(text(c.alive!), '2')

  assert.equal(r.complete, ['%schema'])
  assert.equal(r.isComplete, ['incomplete', 'complete', 'complete'])
})

test.run()
