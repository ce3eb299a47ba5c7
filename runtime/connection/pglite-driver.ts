/**
 * PGlite (PostgreSQL compiled to WebAssembly) in this process behind the Driver interface: the
 * only file that imports it (on first use). PGlite has one connection per process: every session
 * of every lane shares it, and a transaction holds it alone from BEGIN to COMMIT or ROLLBACK, so
 * transactions stay whole when populate runs several lanes (they take turns). A folder is held
 * by one process at a time: a second one gets a clear error instead of a damaged folder.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { DataJointError } from '../errors.js'
import { type ConnectOptions, type Driver, type DriverSession, type QueryResult, uuidParams } from './driver.js'
import { TEXT_TYPES } from './pg-driver.js'
import { numberedPlaceholders } from './placeholders.js'

type PGliteDb = import('@electric-sql/pglite').PGlite

interface Shared {
  db: PGliteDb
  /** the session whose transaction holds the database, and those waiting for it */
  holder: PgliteSession | null
  waiting: Array<() => void>
  sessions: number
  lock: string | null
}
const open = new Map<string, Promise<Shared>>()
let nextId = 1

/** Takes `dir`'s lock file for this process; refuses while a live process holds it. */
function lockFolder(dir: string): string {
  const file = join(dir, '.dj-pglite.lock')
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx')
      writeSync(fd, String(process.pid))
      closeSync(fd)
      return file
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e
      const pid = Number(readFileSync(file, 'utf8').trim())
      let alive = false
      try {
        alive = pid > 0 && pid !== process.pid && (process.kill(pid, 0), true)
      } catch {
        alive = false
      }
      if (alive) {
        throw new DataJointError(`The embedded database in ${dir} is open in another process (pid ${pid}).`, {
          hint: 'PGlite allows one process per folder: close the other session, use another folder (dj.config.database.path), or a database server for several processes.',
        })
      }
      // left by a process that is gone
      rmSync(file, { force: true })
    }
  }
  throw new DataJointError(`Could not take the lock of the embedded database in ${dir}.`)
}

/** `memory://` (one database for the process, kept until it exits) or a folder's absolute path. */
const keyOf = (path: string) => (path.startsWith('memory://') ? 'memory://' : resolve(path))

async function shared(key: string): Promise<Shared> {
  let p = open.get(key)
  if (!p) {
    p = (async () => {
      const { PGlite } = await import('@electric-sql/pglite')
      let lock: string | null = null
      let dataDir: string | undefined
      if (!key.startsWith('memory://')) {
        mkdirSync(key, { recursive: true })
        lock = lockFolder(key)
        dataDir = key
      }
      const parsers = Object.fromEntries(Object.entries(TEXT_TYPES).map(([oid, f]) => [oid, (v: string) => f(v)]))
      try {
        const db = dataDir ? await PGlite.create(dataDir, { parsers }) : await PGlite.create({ parsers })
        return { db, holder: null, waiting: [], sessions: 0, lock }
      } catch (e) {
        if (lock) rmSync(lock, { force: true })
        throw e
      }
    })()
    open.set(key, p)
    p.catch(() => open.delete(key))
  }
  return p
}

class PgliteSession implements DriverSession {
  readonly id = nextId++
  #closed = false
  constructor(readonly s: Shared, readonly key: string) {
    s.sessions++
  }

  /** waits while another session's transaction holds the database */
  async #turn(): Promise<void> {
    while (this.s.holder !== null && this.s.holder !== this) await new Promise<void>((r) => this.s.waiting.push(r))
  }

  #release(): void {
    if (this.s.holder === this) this.s.holder = null
    for (const w of this.s.waiting.splice(0)) w()
  }

  async query(sql: string, params: readonly unknown[] = [], options: { rowsAsArray?: boolean } = {}): Promise<QueryResult> {
    if (this.#closed) throw Object.assign(new Error('Connection terminated: the session was closed'), { code: '08003' })
    await this.#turn()
    const head = sql.trimStart().slice(0, 16).toUpperCase()
    if (/^(BEGIN|START TRANSACTION)/.test(head)) this.s.holder = this
    try {
      if (params.length === 0 && !options.rowsAsArray) {
        const results = await this.s.db.exec(sql)
        const last = results[results.length - 1]
        return { rows: asBuffers((last?.rows ?? []) as any[], last?.fields ?? [], false), columns: (last?.fields ?? []).map((f) => f.name), affectedRows: last?.affectedRows ?? 0 }
      }
      const r = await this.s.db.query(numberedPlaceholders(sql), uuidParams(params, 'text') as unknown[], { rowMode: options.rowsAsArray ? 'array' : 'object' })
      return { rows: asBuffers(r.rows as any[], r.fields, options.rowsAsArray ?? false), columns: r.fields.map((f) => f.name), affectedRows: r.affectedRows ?? 0 }
    } finally {
      if (/^(COMMIT|ROLLBACK|END)/.test(head)) this.#release()
    }
  }

  async *stream(sql: string, params: readonly unknown[] = []): AsyncIterable<any> {
    yield* (await this.query(sql, params)).rows
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    if (this.s.holder === this) {
      // a transaction left open by this session is undone
      await this.s.db.exec('ROLLBACK').catch(() => {})
      this.#release()
    }
    // the last session of a folder closes it and gives up its lock (an in-memory one stays)
    if (--this.s.sessions === 0 && this.key !== 'memory://') {
      open.delete(this.key)
      await this.s.db.close().catch(() => {})
      if (this.s.lock && existsSync(this.s.lock)) rmSync(this.s.lock, { force: true })
    }
  }

  destroy(): void {
    void this.close()
  }

  onLost(): void {
    /* in process: nothing to lose */
  }
}

const BYTEA = 17
/** bytea values as Buffers, as the other drivers give them (PGlite gives plain Uint8Arrays) */
function asBuffers(rows: any[], fields: ReadonlyArray<{ name: string; dataTypeID: number }>, arrays: boolean): any[] {
  const at = fields.flatMap((f, i) => (f.dataTypeID === BYTEA ? [arrays ? i : f.name] : []))
  if (at.length === 0) return rows
  for (const row of rows) {
    for (const k of at) {
      const v = row[k]
      if (v instanceof Uint8Array && !Buffer.isBuffer(v)) row[k] = Buffer.from(v.buffer, v.byteOffset, v.byteLength)
    }
  }
  return rows
}

/** The folder of the embedded database when none is configured: under the user's data folder. */
export function defaultPglitePath(): string {
  const base = process.env.XDG_DATA_HOME ?? join(process.env.HOME ?? '.', '.local', 'share')
  return join(base, 'datajoint-ts', 'pglite')
}

export const pgliteDriver: Driver = {
  name: 'pglite',
  async connect(o: ConnectOptions): Promise<DriverSession> {
    const key = keyOf(o.path ?? defaultPglitePath())
    return new PgliteSession(await shared(key), key)
  },
}
