/**
 * The tutorial notebooks, executed top to bottom by Debian's nbconvert (nbclient) on the dj kernel
 * of the built package, on MariaDB and (01-06) on the embedded database: no error output, and the
 * outputs that matter hold what they should. Also: the .ipynb files are what their Markdown
 * sources build, and `dj notebooks DIR` copies them.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { buildNotebook, type Cell, notebooksDir, sourceOf, tutorials } from '../../scripts/notebooks.js'
import { cleanup, prefix, setupDatabase } from '../helpers/db.js'
import { university } from '../helpers/fixtures.js'
import { ensureBuilt, root } from '../helpers/kernel.js'

setupDatabase()
test.after(cleanup)

const work = mkdtempSync(join(tmpdir(), 'dj-notebooks-'))
const jupyterData = join(work, 'jupyter')

test.before(() => {
  ensureBuilt()
  const r = spawnSync(process.execPath, [join(root, 'dist/kernel/cli.js'), 'kernel', 'install'], { env: { ...process.env, JUPYTER_DATA_DIR: jupyterData }, encoding: 'utf8' })
  assert.is(r.status, 0, r.stderr)
})

type Output = { output_type: string; name?: string; text?: string | string[]; data?: Record<string, string | string[] | object>; ename?: string; evalue?: string; metadata?: object; transient?: object }
const join_ = (t: string | string[] | undefined) => (Array.isArray(t) ? t.join('') : t ?? '')

interface Executed {
  cells: Map<string, Output[]>
  /** text/plain of a cell's execute_result */
  result(id: string): string
  /** a cell's stdout */
  stdout(id: string): string
  /** a cell's display_data of one MIME type */
  displays(id: string, mime: string): string[]
}

function execute(name: string, backend: 'mysql' | 'pglite'): Executed {
  const out = join(work, `${name}.${backend}.ipynb`)
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>), JUPYTER_DATA_DIR: jupyterData, DJ_DATABASE_PREFIX: prefix, DJ_LOG_LEVEL: 'WARNING', DJ_SAFEMODE: 'false',
    ...(backend === 'mysql'
      ? { DJ_BACKEND: 'mysql', DJ_HOST: process.env.DJ_HOST ?? '127.0.0.1', DJ_USER: process.env.DJ_USER ?? 'root' }
      : { DJ_BACKEND: 'pglite', DJ_DATABASE_PATH: join(work, 'pglite') }),
  }
  const r = spawnSync('/usr/bin/python3', ['-m', 'nbconvert', '--to', 'notebook', '--execute', '--ExecutePreprocessor.kernel_name=dj', '--ExecutePreprocessor.timeout=120', '--output', out, join(notebooksDir, `${name}.ipynb`)], { cwd: notebooksDir, env, encoding: 'utf8', timeout: 300_000 })
  assert.is(r.status, 0, `${name} on ${backend}: nbconvert failed\n${r.stderr.slice(-3000)}`)
  const nb = JSON.parse(readFileSync(out, 'utf8')) as { cells: Array<Omit<Cell, 'outputs'> & { outputs?: Output[] }> }
  const cells = new Map(nb.cells.filter((c) => c.cell_type === 'code').map((c) => [c.id, c.outputs ?? []]))
  for (const [id, outputs] of cells) {
    for (const o of outputs) {
      assert.is.not(o.output_type, 'error', `${name} on ${backend}, cell ${id}: ${o.ename}: ${o.evalue}`)
      // type checking reports warnings on stderr: the tutorials have none
      if (o.output_type === 'stream') assert.is.not(o.name, 'stderr', `${name} on ${backend}, cell ${id} wrote to stderr: ${join_(o.text)}`)
    }
  }
  const of = (id: string) => {
    const c = cells.get(id)
    if (!c) throw new Error(`${name} has no cell ${id}`)
    return c
  }
  return {
    cells,
    result: (id) => join_(of(id).find((o) => o.output_type === 'execute_result')?.data?.['text/plain'] as string[]),
    stdout: (id) => of(id).filter((o) => o.output_type === 'stream' && o.name === 'stdout').map((o) => join_(o.text)).join(''),
    displays: (id, mime) => of(id).filter((o) => o.output_type === 'display_data' || o.output_type === 'execute_result').map((o) => o.data?.[mime]).filter((d) => d !== undefined).map((d) => (typeof d === 'object' && !Array.isArray(d) ? JSON.stringify(d) : join_(d as string[]))),
  }
}

test('the .ipynb files are built from their Markdown sources', () => {
  const names = tutorials()
  assert.equal(names, ['01-getting-started', '02-queries', '03-computation', '04-blobs', '05-diagrams', '06-python-pipeline', '07-workers'])
  for (const name of names) {
    const stored = JSON.parse(readFileSync(join(notebooksDir, `${name}.ipynb`), 'utf8')) as { cells: Cell[]; metadata: { kernelspec: { name: string } } }
    const built = buildNotebook(sourceOf(name))
    assert.equal(stored.cells.map((c) => [c.id, c.cell_type, c.source.join('')]), built.cells.map((c) => [c.id, c.cell_type, c.source.join('')]), `${name}.ipynb is out of date: node --import tsx scripts/notebooks.ts build`)
    assert.is(stored.metadata.kernelspec.name, 'dj')
  }
})

const previewRows = (text: string) => text.split('\n').slice(2).filter((l) => l.trim() && !l.startsWith(' (Total') && l.trim() !== '...')

for (const backend of ['mysql', 'pglite'] as const) {
  test(`01 getting started (${backend})`, () => {
    const nb = execute('01-getting-started', backend)
    assert.is(nb.result('rig-contents'), '2')
    assert.is(nb.result('insert'), '12')
    assert.match(nb.stdout('refused'), /^Session \(.*session.*\): The referenced parent row does not exist/)
    assert.equal(previewRows(nb.result('preview')).map((l) => l.split(/\s{2,}/)), [
      ['1', '1', '2024-03-01', 'rig-a'],
      ['1', '2', '2024-03-08', 'rig-b', "O'Hara's rig"],
      ['2', '1', '2024-03-02', 'rig-a'],
    ])
    assert.ok(nb.result('preview').endsWith(' (Total: 3)'))
    assert.match(nb.displays('preview', 'text/html')[0]!, /<table/)
    assert.equal(previewRows(nb.result('restrict')).map((l) => l.split(/\s+/).slice(0, 2)), [['1', '2'], ['2', '1']])
    assert.is(nb.result('fetch'), "{ mouse_id: 2, dob: '2024-02-11', sex: 'F' }")
    assert.equal(previewRows(nb.result('join')).map((l) => l.split(/\s+/)), [['1', '1', 'M', '1'], ['1', '2', 'M', '8'], ['2', '1', 'F', '2']])
    assert.equal([...nb.result('delete-preview').matchAll(/(mouse|session|session__trial)[`"]',\s+rows: (\d+)/g)].map((m) => [m[1], m[2]]), [['mouse', '1'], ['session', '2'], ['session__trial', '12']])
    assert.is(nb.result('delete'), `'{"mice":2,"sessions":1,"trials":0}'`)
    assert.match(nb.stdout('describe'), /^# a recording session\n-> Mouse\nsession +: int16 +# session number of this mouse\n---\nsession_date +: date\n-> Rig\n/)
    const svg = nb.displays('diagram', 'image/svg+xml')[0]!
    for (const t of ['Mouse', 'Rig', 'Session', 'Session.Trial']) assert.ok(svg.includes(`>${t}<`), `the diagram draws ${t}`)
  })

  test(`02 queries: the counts datajoint-python gives (${backend})`, () => {
    const nb = execute('02-queries', backend)
    assert.is(nb.result('load'), `'{"students":300,"enrollments":3364,"grades":3027}'`)
    const fx = university('v2.3')
    let checked = 0
    for (const q of fx.queries) {
      if (!nb.cells.has(q.id) || q.op) continue
      const total = / \(Total: (\d+)\)$/.exec(nb.result(q.id))
      assert.ok(total, `${q.id} shows its total`)
      assert.is(Number(total![1]), q.len, `${q.id}: ${q.python}`)
      checked++
    }
    assert.is(checked, 18)
    assert.is(nb.result('len_join'), String(fx.queries.find((q) => q.id === 'len_join')!.len))
    // fetch with order and limit: the first rows of datajoint-python's result
    const ordered = fx.queries.find((q) => q.id === 'fetch_order_limit')!.result as { value: Array<{ student_id: number; date_of_birth: string }> }
    const first = ordered.value.slice(0, 3)
    assert.is(nb.result('fetch_order_limit'), `[ [ ${first.map((r) => r.student_id).join(', ')} ], [ ${first.map((r) => `'${r.date_of_birth}'`).join(', ')} ] ]`)
    const keys = (fx.queries.find((q) => q.id === 'fetch_keys_ordered')!.result as { value: Array<{ student_id: number }> }).value.slice(0, 3)
    assert.is(nb.result('fetch_keys_ordered'), `[ ${keys.map((k) => `{ student_id: ${k.student_id} }`).join(', ')} ]`)
    const [course, credits] = (fx.queries.find((q) => q.id === 'fetch_attr_arrays')!.result as { value: [number[], string[]] }).value
    assert.is(nb.result('fetch_columns'), `'${JSON.stringify({ course, credits })}'`)
    assert.match(nb.result('fetch1_attrs'), "dept_name: 'Computer Science'")
    assert.is(nb.result('stream'), '58')
    assert.match(nb.stdout('sql'), /^SELECT .student_id.,.last_name. FROM .*student. WHERE \(.home_state.=\?\)\n$/)
  })

  test(`03 computation: populate, progress, background, errors and jobs (${backend})`, () => {
    const nb = execute('03-computation', backend)
    assert.is(nb.result('make'), '{ total: 20, remaining: 20, done: 0 }')
    const progress = nb.displays('populate', 'text/html')
    assert.match(progress.at(-1)!, 'data-status="done"')
    assert.match(progress.at(-1)!, '<progress value="20" max="20"')
    assert.is(nb.result('populate'), '{ successCount: 20, errors: [], skipped: 0 }')
    assert.is(nb.result('again'), `'{"made":1,"total":21}'`)
    assert.is(nb.result('restricted'), `'{"made":1,"left":1}'`)
    assert.match(nb.result('sorting-make'), /^'\{"sortings":22,"units":\d+\}'$/)
    assert.is(nb.result('background'), "'running'")
    assert.is(nb.result('background-done'), `'{"status":"done","done":11,"remaining":0}'`)
    assert.match([...nb.displays('background', 'text/html'), ...nb.displays('background-done', 'text/html')].at(-1)!, '<progress value="11" max="11"')
    assert.is(nb.result('flaky-make'), `'{"made":32,"failed":[{"recording":7}]}'`)
    const jobs = nb.result('jobs')
    assert.match(jobs, /\nQuality {4}0 {10}0 {11}1 {8}0 {9}0\n/)
    assert.match(jobs, 'Quality {"recording":7}: Error: recording 7: the file is truncated')
    assert.is(nb.result('retry'), '1 failed job of Quality back to pending; %populate Quality --reserve-jobs computes them.')
    assert.is(nb.result('retried'), `'{"graded":33,"failed":0}'`)
  })

  test(`04 blobs, attachments, file and S3 stores (${backend})`, () => {
    const nb = execute('04-blobs', backend)
    assert.is(nb.result('fetch'), `'{"dtype":"float64","shape":[1000],"first":[0,0.01999866669333308,0.03998933418663416]}'`)
    assert.is(nb.result('image'), `'{"shape":[2,3],"row2col3":6,"meta":{"rig":"rig-a","gain":2.5,"channels":[1,2]}}'`)
    assert.is(nb.result('pack'), `'{"header":"mYm\\\\u0000","length":53,"back":[1,2,3]}'`)
    assert.is(nb.result('attach'), `'scan 2: the animal moved at 00:41\\n'`)
    assert.is(nb.result('movie-insert'), `'{"shape":[100,64],"video":4096}'`)
    assert.match(nb.result('listing'), /'_hash\/[^']*blobs\/[a-z0-9]{26}'/)
    assert.match(nb.result('gc'), /unreferenced: 1,/)
  })

  test(`05 diagrams (${backend})`, () => {
    const nb = execute('05-diagrams', backend)
    const all = ['Subject', 'Rig', 'Session', 'Scan', 'ScanInfo', 'ScanInfo.Field', 'Segmentation', 'Segmentation.Cell', 'Summary']
    const spec = JSON.parse(nb.displays('both', 'application/vnd.vegalite.v5+json')[0]!) as { layer: Array<{ mark: { type: string }; data?: { values?: Array<{ label?: string }> } }> }
    const labels = new Set(spec.layer.filter((l) => l.mark.type === 'text').flatMap((l) => l.data?.values ?? []).map((d) => d.label))
    for (const t of all) assert.ok(labels.has(t), `the Vega-Lite spec holds ${t}`)
    const svg = nb.displays('both', 'image/svg+xml')[0]!
    for (const t of all) assert.ok(svg.includes(`>${t}<`), `the SVG draws ${t}`)
    assert.match(nb.result('whole'), /^Diagram: 6 tables \(3 manual, 1 lookup, 1 imported, 1 part\)/)
    assert.match(nb.result('expand'), /^Diagram: 5 tables/)
    assert.match(nb.result('collapsed'), /\[.*diagram_lab\]: 6 tables, collapsed/)
    assert.match(nb.result('magic'), /^Diagram: 3 tables \(2 computed, 1 part\)/)
    assert.match(nb.stdout('outline'), /Segmentation +computed +← ScanInfo/)
    assert.match(nb.result('export'), /^'flowchart LR\\n'/)
  })

  test(`06 a pipeline made in Python (${backend})`, () => {
    const nb = execute('06-python-pipeline', backend)
    assert.is(nb.result('open'), "[ 'Department', 'Measurement', 'Student', 'StudentMajor' ]")
    assert.match(nb.stdout('describe'), /^-> Student\n---\n-> Department\ndeclare_date +: date +# when student declared her major\n/)
    assert.ok(nb.result('query').endsWith(' (Total: 55)'))
    assert.equal(previewRows(nb.result('aggr')).map((l) => l.split(/\s+/)), [['BIOL', '43'], ['CS', '60'], ['MATH', '55'], ['PHYS', '68']])
    assert.match(nb.stdout('blobs'), "data: Float64Array(6) [ 0, 3, 1, 4, 2, 5 ]")
    assert.is(nb.result('matrix'), `'{"dtype":"float64","shape":[2,3],"m[1, 2]":5,"data":[0,3,1,4,2,5]}'`)
    assert.is(nb.result('same-bytes'), 'true')
    assert.is(nb.result('insert'), '8')
  })
}

test('07 distributed workers: a crashed worker\'s key is recovered (mysql)', () => {
  const nb = execute('07-workers', 'mysql')
  assert.match(nb.result('crash'), /^1 worker made 6 keys of Spikes in [\d.]+ s\.\n {2}worker 1 was stopped by SIGKILL/)
  assert.is(nb.result('after-crash'), `'{"made":6,"jobs":{"pending":33,"reserved":1,"success":0,"error":0,"ignore":0,"total":34}}'`)
  assert.match(nb.result('workers'), /^3 workers made 34 keys of Spikes in [\d.]+ s\.$/)
  assert.match(nb.displays('workers', 'text/html').at(-1)!, '<progress value="34" max="34"')
  const check = JSON.parse(nb.result('check').slice(1, -1))
  assert.equal({ ...check, workers: undefined }, { made: 40, recording7: 1, workers: undefined, byThisKernel: 0, jobs: { pending: 0, reserved: 0, success: 0, error: 0, ignore: 0, total: 0 } })
  assert.ok(check.workers >= 2 && check.workers <= 4, `keys made by the crashed worker and the three after it: ${check.workers}`)
})

test('dj notebooks DIR copies the tutorials and keeps files already there', () => {
  const dir = join(work, 'mine')
  const run = () => spawnSync(process.execPath, [join(root, 'dist/kernel/cli.js'), 'notebooks', dir], { encoding: 'utf8' })
  const first = run()
  assert.is(first.status, 0, first.stderr)
  assert.match(first.stdout, /^Copied 10 files of the DataJoint tutorials into /)
  const copied = [...readdirSync(dir).filter((f) => f !== 'data'), ...readdirSync(join(dir, 'data')).map((f) => `data/${f}`)].sort()
  assert.equal(copied, [...tutorials().map((n) => `${n}.ipynb`), 'data/python-pipeline.json', 'data/university.json', 'workers.mjs'].sort())
  assert.is(readFileSync(join(dir, '02-queries.ipynb'), 'utf8'), readFileSync(join(notebooksDir, '02-queries.ipynb'), 'utf8'))
  const second = run()
  assert.match(second.stdout, /^Copied 0 files .*\nKept 10 files already there/)
})

test.run()
