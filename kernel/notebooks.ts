/**
 * `dj notebooks [DIR]`: copies the tutorial notebooks (and the data and module they use) into a
 * folder of the user's, to start from. Files already there are kept.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The tutorials shipped with the package (next to dist/ when installed, or in a checkout). */
export function tutorialsDir(): string {
  const candidates = ['../notebooks', '../../notebooks'].map((p) => fileURLToPath(new URL(p, import.meta.url)))
  const found = candidates.find((d) => existsSync(join(d, '01-getting-started.ipynb')))
  if (!found) throw new Error(`dj notebooks: the tutorials are missing from this installation (looked in ${candidates.join(', ')}).`)
  return found
}

export interface CopyReport { dir: string; copied: string[]; kept: string[] }

export function copyTutorials(target = 'datajoint-tutorials'): CopyReport {
  const from = tutorialsDir()
  const dir = resolve(target)
  const files = [
    ...readdirSync(from).filter((f) => f.endsWith('.ipynb') || f.endsWith('.mjs')),
    ...readdirSync(join(from, 'data')).map((f) => join('data', f)),
  ].sort()
  const report: CopyReport = { dir, copied: [], kept: [] }
  mkdirSync(join(dir, 'data'), { recursive: true })
  for (const f of files) {
    const to = join(dir, f)
    if (existsSync(to)) report.kept.push(f)
    else (copyFileSync(join(from, f), to), report.copied.push(f))
  }
  return report
}

export function notebooksCommand(args: string[]): string {
  const r = copyTutorials(args.find((a) => !a.startsWith('-')))
  const where = relative(process.cwd(), r.dir) || '.'
  const lines = [`Copied ${r.copied.length} file${r.copied.length === 1 ? '' : 's'} of the DataJoint tutorials into ${where}${r.copied.length ? ':' : '.'}`]
  for (const f of r.copied) lines.push(`  ${f}`)
  if (r.kept.length) lines.push(`Kept ${r.kept.length} file${r.kept.length === 1 ? '' : 's'} already there (delete them to get the originals): ${r.kept.join(', ')}`)
  lines.push('', 'Start with:', `  cd ${where}`, '  npx dj kernel install --user   # once', '  jupyter notebook 01-getting-started.ipynb', '', 'Notebook 04 starts a local S3 server (npm install s3rver), and the workers of notebook 07 load workers.mjs, which imports datajoint-ts: install it in that folder or above it (npm install datajoint-ts).')
  return lines.join('\n')
}
