/**
 * Notebook 01 in the classic Notebook server from Debian (python3-notebook), run in headless
 * Chromium: every cell runs on the dj kernel, and the page shows the HTML query preview and the
 * pipeline diagram drawn as SVG in the DOM. A screenshot is kept in test-artifacts/.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { cleanup, prefix, setupDatabase } from '../helpers/db.js'
import { ensureBuilt, root } from '../helpers/kernel.js'

setupDatabase()

const work = mkdtempSync(join(tmpdir(), 'dj-notebook-server-'))
const artifacts = process.env.DJ_TEST_ARTIFACTS ?? join(root, 'test-artifacts')
let server: ChildProcess | null = null
let log = ''

test.after(async () => {
  server?.kill('SIGTERM')
  await cleanup()
})

const freePort = () => new Promise<number>((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const port = (s.address() as { port: number }).port
    s.close(() => resolve(port))
  })
})

async function startServer(dir: string, env: Record<string, string>): Promise<string> {
  const port = await freePort()
  const token = 'dj-test-token'
  server = spawn('/usr/bin/python3', ['-m', 'notebook', '--no-browser', '--allow-root', '--ip=127.0.0.1', `--port=${port}`, `--NotebookApp.token=${token}`, `--notebook-dir=${dir}`], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  server.stdout!.on('data', (d) => (log += d))
  server.stderr!.on('data', (d) => (log += d))
  const base = `http://127.0.0.1:${port}`
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(`${base}/api/status?token=${token}`)).ok) return `${base}/notebooks/01-getting-started.ipynb?token=${token}`
    } catch {
      // not listening yet
    }
    if (server.exitCode !== null) break
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`the notebook server did not start:\n${log}`)
}

test('notebook 01 runs in the classic Notebook in Chromium: the preview table and the diagram are drawn', async () => {
  ensureBuilt()
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    JUPYTER_DATA_DIR: join(work, 'data'), JUPYTER_CONFIG_DIR: join(work, 'config'), JUPYTER_RUNTIME_DIR: join(work, 'runtime'),
    DJ_BACKEND: 'mysql', DJ_HOST: process.env.DJ_HOST ?? '127.0.0.1', DJ_USER: process.env.DJ_USER ?? 'root', DJ_DATABASE_PREFIX: prefix, DJ_LOG_LEVEL: 'WARNING',
  }
  const install = spawnSync(process.execPath, [join(root, 'dist/kernel/cli.js'), 'kernel', 'install'], { env, encoding: 'utf8' })
  assert.is(install.status, 0, install.stderr)
  // the user's way in: the tutorials copied into a folder of their own
  const copy = spawnSync(process.execPath, [join(root, 'dist/kernel/cli.js'), 'notebooks', join(work, 'tutorials')], { env, encoding: 'utf8' })
  assert.is(copy.status, 0, copy.stderr)
  const url = await startServer(join(work, 'tutorials'), env)

  const { chromium } = await import('playwright-core')
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] })
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(e.message))
    await page.goto(url)
    // the kernel started and connected, then every cell runs
    await page.waitForFunction(() => (globalThis as any).Jupyter?.notebook?.kernel?.is_connected?.() === true, null, { timeout: 60_000 })
    await page.evaluate(() => (globalThis as any).Jupyter.notebook.execute_all_cells())
    await page.waitForFunction(() => {
      const nb = (globalThis as any).Jupyter.notebook
      const code = nb.get_cells().filter((c: any) => c.cell_type === 'code')
      return nb.kernel_busy === false && code.every((c: any) => typeof c.input_prompt_number === 'number')
    }, null, { timeout: 120_000, polling: 200 })
    const counts = await page.evaluate(() => (globalThis as any).Jupyter.notebook.get_cells().filter((c: any) => c.cell_type === 'code').map((c: any) => c.input_prompt_number))
    assert.equal(counts, counts.map((_: number, i: number) => i + 1), 'every cell ran, in order')
    assert.is(await page.locator('.output_error').count(), 0, 'no cell failed')

    // the HTML preview of `Session`: a table with its three rows, the key marked
    // the cell whose code is `Session`
    const at = await page.evaluate(() => (globalThis as any).Jupyter.notebook.get_cells().findIndex((c: any) => c.get_text() === 'Session'))
    assert.ok(at > 0)
    const preview = page.locator('#notebook-container > .cell').nth(at).locator('.output_html table').first()
    await preview.waitFor()
    const rows = await preview.locator('tbody tr').allInnerTexts()
    assert.equal(rows.map((r) => r.split('\t').map((v) => v.trim()).filter(Boolean)), [
      ['1', '1', '2024-03-01', 'rig-a'],
      ['1', '2', '2024-03-08', 'rig-b', "O'Hara's rig"],
      ['2', '1', '2024-03-02', 'rig-a'],
    ])
    const header = await preview.locator('thead th').allInnerTexts()
    assert.ok(header.some((h) => h.includes('mouse_id')), `the header names the key: ${header.join(', ')}`)

    // the diagram of %diagram: the SVG drawn in the page, one label per table
    const svg = page.locator('.output_svg svg').first()
    await svg.waitFor()
    const labels = await svg.locator('text').allTextContents()
    for (const t of ['Mouse', 'Rig', 'Session', 'Session.Trial']) assert.ok(labels.includes(t), `the diagram shows ${t}: ${labels.join(', ')}`)
    const box = await svg.boundingBox()
    assert.ok(box && box.width > 100 && box.height > 50, 'the diagram has a size on the page')

    mkdirSync(artifacts, { recursive: true })
    await page.screenshot({ path: join(artifacts, 'notebook-01-classic.png'), fullPage: true })
    await svg.screenshot({ path: join(artifacts, 'notebook-01-diagram.png') })
    assert.equal(errors, [])
    await page.evaluate(() => (globalThis as any).Jupyter.notebook.session.delete())
  } finally {
    await browser.close()
  }
})

test.run()
