/** The package version, read from the package.json above this file (source or dist/). */
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

function find(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 5; i++) {
    const p = join(dir, 'package.json')
    if (existsSync(p)) {
      const pkg = JSON.parse(readFileSync(p, 'utf8'))
      if (pkg.name === 'datajoint-ts') return pkg.version
    }
    dir = dirname(dir)
  }
  return '0.0.0'
}

export const version = find()
