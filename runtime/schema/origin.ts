/**
 * Which module file declared a table class, read from the call stack of `schema.declare`: the
 * first frame outside datajoint-ts itself. Classes declared in a notebook cell or the REPL have
 * none. `%populate --workers` gives the file to `dj worker`, which imports it.
 */
import { isAbsolute, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../..', import.meta.url))
const ours = ['runtime', 'magics', 'kernel'].map((d) => root + d + sep)
const origins = new WeakMap<Function, string>()

/** The file of the code that called into the runtime, or null (a cell, the REPL). */
export function callerModule(stack: string | undefined): string | null {
  for (const line of (stack ?? '').split('\n').slice(1)) {
    const m = /\(?((?:file:\/\/)?[^\s()]+?):\d+:\d+\)?$/.exec(line.trim())
    if (!m) continue
    const where = m[1]!
    if (where.startsWith('node:') || where === 'native') continue
    const file = where.startsWith('file://') ? fileURLToPath(where) : where
    if (ours.some((d) => file.startsWith(d))) continue
    return isAbsolute(file) ? file : null
  }
  return null
}

export function recordModule(classes: Iterable<Function>, file: string | null): void {
  if (file) for (const c of classes) if (!origins.has(c)) origins.set(c, file)
}

/** The module file that declared the class, or null if it was declared in a session. */
export function declaringModule(cls: Function): string | null {
  return origins.get(cls) ?? null
}
