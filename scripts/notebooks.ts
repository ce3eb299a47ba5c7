/**
 * The tutorial notebooks are written as Markdown (notebooks/source/NN-name.md): text becomes
 * Markdown cells, each ```ts fence a code cell (```ts id=name gives the cell an id the tests find
 * it by). This script builds notebooks/NN-name.ipynb from them.
 *
 *   node --import tsx scripts/notebooks.ts build     the .ipynb files, without outputs
 *   node --import tsx scripts/notebooks.ts refresh   built, then executed on the dj kernel of dist/
 *                                                    and stored with their outputs: on the server
 *                                                    of DJ_HOST if set, else on an embedded
 *                                                    database in a temporary folder (without 07,
 *                                                    whose workers need a server)
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const notebooksDir = fileURLToPath(new URL('../notebooks/', import.meta.url))
const sourceDir = join(notebooksDir, 'source')

export interface Cell { id: string; cell_type: 'markdown' | 'code'; metadata: object; source: string[]; outputs?: unknown[]; execution_count?: number | null }
export interface Notebook { cells: Cell[]; metadata: object; nbformat: 4; nbformat_minor: 5 }

/** nbformat stores a cell's text as lines that keep their newline, the last one without. */
const lines = (text: string) => text.split(/(?<=\n)/)

export function buildNotebook(markdown: string): Notebook {
  const cells: Cell[] = []
  let text: string[] = []
  const flushText = () => {
    const body = text.join('\n').trim()
    if (body) cells.push({ id: `md-${cells.length + 1}`, cell_type: 'markdown', metadata: {}, source: lines(body) })
    text = []
  }
  const all = markdown.split('\n')
  for (let i = 0; i < all.length; i++) {
    const fence = /^```ts(?:\s+id=([\w-]+))?\s*$/.exec(all[i]!)
    if (!fence) {
      // other fences (```sh, ```json) stay in the Markdown, whatever they hold
      if (/^```\S/.test(all[i]!)) {
        const end = all.findIndex((l, j) => j > i && l === '```')
        text.push(...all.slice(i, end + 1))
        i = end
      } else text.push(all[i]!)
      continue
    }
    flushText()
    const end = all.findIndex((l, j) => j > i && l === '```')
    if (end < 0) throw new Error(`line ${i + 1}: a \`\`\`ts fence is not closed`)
    const id = fence[1] ?? `code-${cells.length + 1}`
    if (cells.some((c) => c.id === id)) throw new Error(`line ${i + 1}: the cell id "${id}" is used twice`)
    cells.push({ id, cell_type: 'code', metadata: {}, source: lines(all.slice(i + 1, end).join('\n')), outputs: [], execution_count: null })
    i = end
  }
  flushText()
  return {
    cells,
    metadata: {
      kernelspec: { name: 'dj', display_name: 'DataJoint (TypeScript)', language: 'typescript' },
      language_info: { name: 'typescript', file_extension: '.ts', mimetype: 'text/typescript', codemirror_mode: 'typescript' },
    },
    nbformat: 4,
    nbformat_minor: 5,
  }
}

/** The tutorial names, in order: 01-getting-started, 02-queries, ... */
export const tutorials = () => readdirSync(sourceDir).filter((f) => /^\d\d-.*\.md$/.test(f)).sort().map((f) => f.slice(0, -3))

export const sourceOf = (name: string) => readFileSync(join(sourceDir, `${name}.md`), 'utf8')

function write(name: string, nb: Notebook) {
  writeFileSync(join(notebooksDir, `${name}.ipynb`), JSON.stringify(nb, null, 1) + '\n')
}

/** Keeps what reads well on GitHub: the SVG of a diagram, not its Vega-Lite spec. */
function trim(nb: Notebook): Notebook {
  for (const cell of nb.cells) {
    for (const o of (cell.outputs ?? []) as Array<{ data?: Record<string, unknown> }>) {
      if (o.data && o.data['image/svg+xml']) delete o.data['application/vnd.vegalite.v5+json']
    }
  }
  nb.metadata = buildNotebook('').metadata
  return nb
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const command = process.argv[2]
  if (command !== 'build' && command !== 'refresh') {
    process.stderr.write('usage: node --import tsx scripts/notebooks.ts build|refresh\n')
    process.exit(2)
  }
  for (const name of tutorials()) write(name, buildNotebook(sourceOf(name)))
  if (command === 'refresh') {
    const data = mkdtempSync(join(tmpdir(), 'dj-refresh-'))
    const server = !!process.env.DJ_HOST
    const env = { ...process.env, JUPYTER_DATA_DIR: join(data, 'jupyter'), DJ_LOG_LEVEL: 'WARNING', ...(server ? {} : { DJ_BACKEND: 'pglite', DJ_DATABASE_PATH: join(data, 'db') }) }
    const root = fileURLToPath(new URL('..', import.meta.url))
    const install = spawnSync(process.execPath, [join(root, 'dist/kernel/cli.js'), 'kernel', 'install'], { env, encoding: 'utf8' })
    if (install.status !== 0) throw new Error(install.stderr)
    for (const name of tutorials()) {
      if (!server && name === '07-workers') {
        process.stdout.write(`${name}.ipynb kept without outputs: its workers need a server (set DJ_HOST)\n`)
        continue
      }
      const file = join(notebooksDir, `${name}.ipynb`)
      const r = spawnSync('/usr/bin/python3', ['-m', 'nbconvert', '--to', 'notebook', '--execute', '--inplace', '--ExecutePreprocessor.kernel_name=dj', file], { cwd: notebooksDir, env, encoding: 'utf8' })
      if (r.status !== 0) throw new Error(`${name}: ${r.stderr}`)
      write(name, trim(JSON.parse(readFileSync(file, 'utf8'))))
      process.stdout.write(`${name}.ipynb refreshed\n`)
    }
  }
}
