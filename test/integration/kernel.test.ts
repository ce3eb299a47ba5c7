/**
 * The Jupyter kernel driven by the real jupyter_client (Debian's python3-jupyter-client, which
 * .ci/run installs): kernel_info, execute with streams, results, errors, re-declarations, await,
 * displays, silent cells, a query preview, completion, is_complete, inspect, history, a message
 * with a bad signature, an interrupt, and a restart.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { crc32, inflateSync } from 'node:zlib'
import { fileURLToPath } from 'node:url'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { cleanup, prefix, setupDatabase } from '../helpers/db.js'

setupDatabase()
test.after(cleanup)
const root = fileURLToPath(new URL('../..', import.meta.url))

test('the kernel answers jupyter_client as a Jupyter kernel should', () => {
  const data = mkdtempSync(join(tmpdir(), 'dj-jupyter-'))
  const env = { ...process.env, JUPYTER_DATA_DIR: data, DJ_HOST: process.env.DJ_HOST ?? '127.0.0.1', DJ_USER: process.env.DJ_USER ?? 'root', DJ_DATABASE_PREFIX: prefix, DJ_TYPECHECK: 'off' }
  const install = spawnSync(process.execPath, ['--import', 'tsx', 'kernel/cli.ts', 'kernel', 'install', '--user'], { cwd: root, env, encoding: 'utf8' })
  assert.is(install.status, 0, install.stderr)
  assert.match(install.stdout, /Installed the kernelspec "dj"/)
  // the logos: valid PNGs (every chunk's CRC, the pixels inflate to the stated size) with the pipeline drawn
  const home = join(data, 'kernels', 'dj')
  for (const size of [32, 64]) {
    const png = readFileSync(join(home, `logo-${size}x${size}.png`))
    assert.equal([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
    const chunks: Record<string, Buffer> = {}
    for (let at = 8; at < png.length;) {
      const len = png.readUInt32BE(at)
      const type = png.toString('ascii', at + 4, at + 8)
      assert.is(png.readUInt32BE(at + 8 + len), crc32(png.subarray(at + 4, at + 8 + len)) >>> 0, `${type} CRC`)
      chunks[type] = Buffer.concat([chunks[type] ?? Buffer.alloc(0), png.subarray(at + 8, at + 8 + len)])
      at += 12 + len
    }
    assert.equal([chunks.IHDR!.readUInt32BE(0), chunks.IHDR!.readUInt32BE(4), chunks.IHDR![8], chunks.IHDR![9]], [size, size, 8, 6])
    const raw = inflateSync(chunks.IDAT!)
    assert.is(raw.length, size * (size * 4 + 1))
    // the manual table's green at the first node's centre, transparent in the corner
    const px = (x: number, y: number) => [...raw.subarray(y * (size * 4 + 1) + 1 + x * 4, y * (size * 4 + 1) + 1 + x * 4 + 4)]
    assert.equal(px(Math.floor(size * 0.27), Math.floor(size * 0.27)), [0x3c, 0xa0, 0x3c, 255])
    assert.is(px(size - 1, 0)[3], 0)
  }
  assert.match(readFileSync(join(home, 'logo-svg.svg'), 'utf8'), /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/)
  // the kernelspec: this node and script, the message interrupt mode, glibc's allocator kept lean
  const spec = JSON.parse(readFileSync(join(home, 'kernel.json'), 'utf8'))
  assert.equal([spec.display_name, spec.language, spec.interrupt_mode, spec.argv[0], spec.argv.slice(-3)], ['DataJoint (TypeScript)', 'typescript', 'message', process.execPath, ['kernel', '--connection-file', '{connection_file}']])
  assert.equal(spec.env, { MALLOC_ARENA_MAX: '2', MALLOC_TRIM_THRESHOLD_: '131072' })
  const query = 'const s = dj.schema("kern"); class Probe extends dj.Manual { static override definition = "probe : int32\\n---\\nlabel : varchar(8)" }; await s.declare(Probe); await Probe.insert([[1, "<a>"]]); Probe'
  const r = spawnSync('/usr/bin/python3', [join(root, 'test/helpers/kernel_client.py'), query], { cwd: root, env, encoding: 'utf8', timeout: 120_000 })
  assert.is(r.status, 0, `${r.stdout}\n${r.stderr}`)
  const report = JSON.parse(r.stdout.trim().split('\n').pop()!)
  assert.equal(report.info, { implementation: 'datajoint-ts', protocol_version: '5.4', language: 'typescript' })
  // outputs come between busy and idle, never after
  assert.equal(report.typed.outputs, [['status', 'busy'], ['execute_input', 1], ['execute_result', { 'text/plain': '42' }], ['status', 'idle']])
  assert.equal(report.stream.outputs.slice(1, -1), [['execute_input', 2], ['stream', 'stdout', 'hello\n'], ['stream', 'stderr', 'oops\n'], ['execute_result', { 'text/plain': '1' }]])
  assert.equal([report.error.status, report.error.outputs[2]], ['error', ['error', 'TypeError', 'boom']])
  assert.equal(report.redeclare.outputs[2], ['execute_result', { 'text/plain': '7' }])
  assert.equal(report.await.outputs[2], ['execute_result', { 'text/plain': "'awaited'" }])
  assert.equal(report.display.outputs.slice(2, -1), [
    ['display_data', { 'text/html': '<b>hi</b>', 'text/plain': '<b>hi</b>' }],
    ['display_data', { 'text/plain': "'first'" }, 'dj-display-1'],
    ['update_display_data', { 'text/plain': "'second'" }, 'dj-display-1'],
  ])
  assert.equal(report.silent.outputs, [['status', 'busy'], ['status', 'idle']])
  const preview = report.query.outputs.find((o: unknown[]) => o[0] === 'execute_result')[1]
  assert.ok(preview['text/plain'].includes('*probe'), preview['text/plain'])
  assert.ok(preview['text/html'].includes('&lt;a&gt;'), preview['text/html'])
  assert.ok(report.complete.includes('schema'))
  assert.equal(report.is_complete, { status: 'incomplete', indent: '' })
  assert.is(report.inspect, true)
  assert.ok(report.history >= 3)
  assert.is(report.bad_signature_replied, false)
  assert.equal(report.after_bad.outputs[2], ['execute_result', { 'text/plain': "'undefined'" }])
  assert.is(report.interrupted, 'KeyboardInterrupt')
  assert.equal(report.after_interrupt.outputs[2], ['execute_result', { 'text/plain': '5' }])
  assert.equal(report.after_restart.outputs[2], ['execute_result', { 'text/plain': "'undefined'" }])
})

test('jupyter nbconvert executes a notebook on the dj kernel, from the notebook\'s folder, also with errors allowed', () => {
  const data = mkdtempSync(join(tmpdir(), 'dj-jupyter-'))
  const env = { ...process.env, JUPYTER_DATA_DIR: data, DJ_HOST: process.env.DJ_HOST ?? '127.0.0.1', DJ_USER: process.env.DJ_USER ?? 'root', DJ_DATABASE_PREFIX: prefix, DJ_TYPECHECK: 'off' }
  assert.is(spawnSync(process.execPath, ['--import', 'tsx', 'kernel/cli.ts', 'kernel', 'install'], { cwd: root, env }).status, 0)
  const folder = mkdtempSync(join(tmpdir(), 'dj-nb-'))
  const cell = (source: string) => ({ cell_type: 'code', execution_count: null, metadata: {}, outputs: [], source })
  const notebook = (cells: object[]) => JSON.stringify({ cells, metadata: { kernelspec: { display_name: 'DataJoint (TypeScript)', language: 'typescript', name: 'dj' } }, nbformat: 4, nbformat_minor: 5 })
  const run = (name: string, cells: object[], extra: string[] = []) => {
    writeFileSync(join(folder, `${name}.ipynb`), notebook(cells))
    const r = spawnSync('/usr/bin/python3', ['-m', 'nbconvert', '--to', 'notebook', '--execute', `${name}.ipynb`, '--output', `${name}.out.ipynb`, ...extra], { cwd: folder, env, encoding: 'utf8', timeout: 120_000 })
    return { status: r.status, stderr: r.stderr, cells: r.status === 0 ? JSON.parse(readFileSync(join(folder, `${name}.out.ipynb`), 'utf8')).cells : [] }
  }
  const ok = run('queries', [
    cell('const s = dj.schema("nb")\nclass Item extends dj.Manual { static override definition = "item : int32\\n---\\nname : varchar(8)" }\nawait s.declare(Item)\nawait Item.insert([[1, "one"], [2, "two"]])'),
    cell('Item.restrict({ item: 2 })'),
    cell('console.log(await Item.count())\ndisplay.markdown("**done**")'),
  ])
  assert.is(ok.status, 0, ok.stderr)
  const preview = ok.cells[1].outputs[0]
  assert.is(preview.output_type, 'execute_result')
  assert.match(preview.data['text/html'].join(''), /<td>two<\/td>/)
  assert.equal(ok.cells[2].outputs.map((o: { output_type: string }) => o.output_type), ['stream', 'display_data'])
  assert.equal(ok.cells[2].outputs[0].text, ['2\n'])
  const failing = [cell('throw new RangeError("bad cell")'), cell('1 + 1')]
  assert.is.not(run('errors', failing).status, 0)
  const allowed = run('allowed', failing, ['--allow-errors'])
  assert.is(allowed.status, 0, allowed.stderr)
  assert.equal([allowed.cells[0].outputs[0].ename, allowed.cells[0].outputs[0].evalue], ['RangeError', 'bad cell'])
  assert.equal(allowed.cells[1].outputs[0].data['text/plain'], ['2'])
})

test('jupyter console talks to the dj kernel', () => {
  const data = mkdtempSync(join(tmpdir(), 'dj-jupyter-'))
  const env = { ...process.env, JUPYTER_DATA_DIR: data, DJ_HOST: process.env.DJ_HOST ?? '127.0.0.1', DJ_USER: process.env.DJ_USER ?? 'root', DJ_DATABASE_PREFIX: prefix, DJ_TYPECHECK: 'off' }
  assert.is(spawnSync(process.execPath, ['--import', 'tsx', 'kernel/cli.ts', 'kernel', 'install'], { cwd: root, env }).status, 0)
  const r = spawnSync('/usr/bin/jupyter', ['console', '--kernel', 'dj', '--simple-prompt'], { cwd: tmpdir(), env, input: 'const a: number = 20\na * 2 + 2\n', encoding: 'utf8', timeout: 90_000 })
  assert.match(r.stdout, /DataJoint \(TypeScript\)/, r.stdout + r.stderr)
  assert.match(r.stdout, /Out\[2\]: 42/, r.stdout + r.stderr)
})

test.run()
