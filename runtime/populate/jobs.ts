/**
 * The 2.x job queue of an auto-populated table, `~~<name>` in the same schema: one row per key to
 * compute (pending, reserved, success, error, ignore). Reservation is one conditional UPDATE, so
 * two workers on any machines never run the same key; reservations of workers whose connection
 * is gone (killed, crashed) go back to pending on the next refresh.
 */
import { hostname } from 'node:os'
import { pack } from '../blob/pack.js'
import { unpack } from '../blob/unpack.js'
import { declare } from '../definition/declare.js'
import { parseDefinition } from '../definition/parse.js'
import { DataJointError, DeadlockError } from '../errors.js'
import type { Heading } from '../heading/heading.js'
import { loadHeading } from '../heading/load.js'
import { log } from '../logger.js'
import { compileCondition, type SqlFragment } from '../query/condition.js'
import type { QueryExpression, Row } from '../query/expression.js'
import { DependencyGraph } from '../schema/dependencies.js'
import { config } from '../settings/global.js'
import type { Table } from '../table/table.js'

export type JobStatus = 'pending' | 'reserved' | 'success' | 'error' | 'ignore'
const STATUSES: JobStatus[] = ['pending', 'reserved', 'success', 'error', 'ignore']

export interface JobProgress extends Record<JobStatus, number> {
  total: number
}

const MAX_MESSAGE = 2047

export class JobQueue {
  readonly target: Table
  #heading: Heading | null = null
  #keyAttributes: string[] | null = null

  constructor(target: Table) {
    this.target = target
  }

  get tableName(): string {
    return '~~' + this.target.tableName.replace(/^_+/, '')
  }
  get fullTableName(): string {
    return this.target.connection.dialect.fullName(this.target.database, this.tableName)
  }
  get #conn() {
    return this.target.connection
  }
  #q(s: string): string {
    return this.#conn.dialect.quote(s)
  }

  /** The key attributes of a job: the target's primary-key attributes that come from its foreign keys. */
  async keyAttributes(): Promise<string[]> {
    if (this.#keyAttributes) return this.#keyAttributes
    const g = await DependencyGraph.load(this.#conn, [this.target.database])
    const inherited = new Set(g.parents(this.target.fullTableName).flatMap((e) => Object.keys(e.attributeMap)))
    const pk = this.target.primaryKey
    const keep = pk.filter((k) => inherited.has(k))
    if (keep.length < pk.length) log.warn(`${this.target.label}: jobs are kept per (${keep.join(', ')}); its own key attributes ${pk.filter((k) => !inherited.has(k)).join(', ')} are not part of the job key.`)
    this.#keyAttributes = keep
    return keep
  }

  /** Whether the queue table exists (listing jobs creates it; this does not). */
  async exists(): Promise<boolean> {
    if (this.#heading) return true
    const conn = this.#conn
    return (await conn.dialect.tableComment((s, p) => conn.fetchAll(s, p ?? []), this.target.database, this.tableName)) !== null
  }

  /** Creates the queue table if it does not exist. */
  async ensure(): Promise<Heading> {
    if (this.#heading) return this.#heading
    const conn = this.#conn
    const exec = (s: string, p?: readonly unknown[]) => conn.fetchAll(s, p ?? [])
    // the key attributes are needed by every job operation, whether the table is new or not
    const keys = await this.keyAttributes()
    if ((await conn.dialect.tableComment(exec, this.target.database, this.tableName)) === null) {
      const heading = this.target.heading
      const lines = [
        `# Job queue for ${this.target.fullTableName}`,
        ...keys.map((k) => `${k} : ${heading.get(k)!.type}`),
        '---',
        "status : enum('pending', 'reserved', 'success', 'error', 'ignore')",
        'priority : int8',
        'created_time = CURRENT_TIMESTAMP(3) : datetime(3)',
        'scheduled_time = CURRENT_TIMESTAMP(3) : datetime(3)',
        'reserved_time = null : datetime(3)',
        'completed_time = null : datetime(3)',
        'duration = null : float64',
        'error_message = "" : varchar(2047)',
        'error_stack = null : <blob>',
        'user = "" : varchar(255)',
        'host = "" : varchar(255)',
        'pid = 0 : int32',
        'connection_id = 0 : int64',
        'version = "" : varchar(64)',
        'index(status, priority, scheduled_time)',
      ]
      const decl = await declare(parseDefinition(lines.join('\n')), {
        schema: this.target.database,
        table: this.tableName,
        dialect: conn.dialect,
        label: `the job queue of ${this.target.className}`,
        resolve: async () => {
          throw new DataJointError('A job queue has no foreign keys.')
        },
      })
      await conn.query(conn.dialect.createTable(decl.def))
    }
    this.#heading = await loadHeading(conn, this.target.database, this.tableName)
    return this.#heading
  }

  #keyCondition(key: Row, heading: Heading): SqlFragment {
    const k: Row = {}
    for (const a of this.#keyAttributes!) {
      if (key[a] === undefined) throw new DataJointError(`The job key of ${this.target.label} needs "${a}".`)
      k[a] = key[a]
    }
    return compileCondition(k, heading, this.#conn.dialect, this.tableName)
  }

  /**
   * Adds pending jobs for the keys of `keySource` not yet in the target or the queue, and puts
   * back to pending the reservations of workers that are gone or older than the stale timeout.
   */
  async refresh(keySource: QueryExpression, options: { priority?: number } = {}): Promise<{ added: number; orphaned: number }> {
    return this.#retried(() => this.#refresh(keySource, options))
  }

  /**
   * Runs a statement of the queue again when the server picked it as a deadlock's victim: workers
   * that start together refresh and reserve over the same rows. Inside a transaction the server
   * has rolled back all of it, so the error stands.
   */
  async #retried<T>(run: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await run()
      } catch (e) {
        if (!(e instanceof DeadlockError) || attempt === 5 || this.#conn.inTransaction) throw e
        await new Promise((resolve) => setTimeout(resolve, 10 * attempt * (1 + Math.random())))
      }
    }
  }

  async #refresh(keySource: QueryExpression, options: { priority?: number }): Promise<{ added: number; orphaned: number }> {
    await this.ensure()
    const keys = await this.keyAttributes()
    const q = (s: string) => this.#q(s)
    const todo = keySource.proj().exclude(this.target.proj())
    const select = todo.toSQL({}, keys)
    const priority = options.priority ?? (config.get('jobs.default_priority') as number)
    const cols = [...keys, 'status', 'priority', 'scheduled_time']
    const d = this.#conn.dialect
    // pending jobs for the keys not in the queue yet (existing ones are kept)
    const added = await this.#conn.query(
      d.insertSelect(this.fullTableName, cols, `SELECT ${keys.map(q).join(',')}${keys.length ? ',' : ''}'pending',?,${d.secondsAgo('1')} FROM (${select.sql}) AS ${q('$todo')}`, 'skip', keys),
      [priority, ...select.params],
    )
    const stale = config.get('jobs.stale_timeout') as number
    const orphaned = await this.#conn.query(
      `UPDATE ${this.fullTableName} SET status='pending', reserved_time=NULL, connection_id=0, host='', pid=0 ` +
        // a user sees only its own sessions without the PROCESS privilege: judge only those it can see
        `WHERE status='reserved' AND ((${q('user')} = ${d.currentUserSql} AND connection_id NOT IN (${d.liveSessionsSql})) OR reserved_time < ${d.secondsAgo('?')})`,
      [stale],
    )
    if (orphaned.affectedRows) log.info(`${this.target.className}: ${orphaned.affectedRows} reservation(s) of workers that are gone went back to pending.`)
    // a new row counts 1 in affectedRows, a kept duplicate 0 (its update changes nothing)
    return { added: added.affectedRows, orphaned: orphaned.affectedRows }
  }

  /** Pending keys, in priority order (lowest first), then by scheduled time. */
  async pending(restriction: QueryExpression | null, limit?: number): Promise<Row[]> {
    await this.ensure()
    const keys = await this.keyAttributes()
    const q = (s: string) => this.#q(s)
    let where = "status='pending' AND scheduled_time <= CURRENT_TIMESTAMP(3)"
    const params: unknown[] = []
    if (restriction) {
      const sub = restriction.subquery(keys)
      where += ` AND (${keys.map(q).join(',')}) IN (${sub.sql})`
      params.push(...sub.params)
    }
    const rows = await this.#conn.fetchAll(
      `SELECT ${keys.map(q).join(',')} FROM ${this.fullTableName} WHERE ${where} ORDER BY priority, scheduled_time${limit !== undefined ? ` LIMIT ${Math.floor(limit)}` : ''}`,
      params,
    )
    return rows
  }

  /** Takes a pending job for this worker; false when another worker has it (or it is not pending). */
  async reserve(key: Row): Promise<boolean> {
    const heading = await this.ensure()
    const cond = this.#keyCondition(key, heading)
    const r = await this.#retried(() => this.#conn.query(
      `UPDATE ${this.fullTableName} SET status='reserved', host=?, pid=?, connection_id=${this.#conn.dialect.sessionIdSql}, ${this.#q('user')}=${this.#conn.dialect.currentUserSql}, reserved_time=CURRENT_TIMESTAMP(3) ` +
        `WHERE ${cond.sql} AND status='pending' AND scheduled_time <= CURRENT_TIMESTAMP(3)`,
      [hostname(), process.pid, ...cond.params],
    ))
    return r.affectedRows === 1
  }

  async complete(key: Row, duration: number): Promise<void> {
    const heading = await this.ensure()
    const cond = this.#keyCondition(key, heading)
    if (config.get('jobs.keep_completed')) {
      await this.#conn.query(`UPDATE ${this.fullTableName} SET status='success', completed_time=CURRENT_TIMESTAMP(3), duration=? WHERE ${cond.sql}`, [duration, ...cond.params])
    } else {
      await this.#conn.query(`DELETE FROM ${this.fullTableName} WHERE ${cond.sql}`, cond.params)
    }
  }

  async error(key: Row, message: string, stack: string): Promise<void> {
    const heading = await this.ensure()
    const cond = this.#keyCondition(key, heading)
    const text = message.length > MAX_MESSAGE ? message.slice(0, MAX_MESSAGE - 12) + '...truncated' : message
    await this.#conn.query(
      `UPDATE ${this.fullTableName} SET status='error', error_message=?, error_stack=?, completed_time=CURRENT_TIMESTAMP(3) WHERE ${cond.sql}`,
      [text, pack(stack), ...cond.params],
    )
  }

  /** Marks a key to be skipped by populate until the job is cleared. */
  async ignore(key: Row): Promise<void> {
    const heading = await this.ensure()
    const keys = await this.keyAttributes()
    const k = Object.fromEntries(keys.map((a) => [a, key[a]]))
    const cond = this.#keyCondition(k, heading)
    const r = await this.#conn.query(`UPDATE ${this.fullTableName} SET status='ignore' WHERE ${cond.sql}`, cond.params)
    if (r.affectedRows === 0) {
      const cols = [...keys, 'status', 'priority']
      await this.#conn.query(`INSERT INTO ${this.fullTableName} (${cols.map((c) => this.#q(c)).join(',')}) VALUES (${cols.map(() => '?').join(',')})`, [...keys.map((a) => k[a]), 'ignore', 5])
    }
  }

  /** Rows of the queue, optionally of one status (error rows carry message and stack). */
  async list(status?: JobStatus): Promise<Row[]> {
    await this.ensure()
    const rows = await this.#conn.fetchAll(`SELECT * FROM ${this.fullTableName}${status ? ' WHERE status=?' : ''} ORDER BY priority, scheduled_time`, status ? [status] : [])
    for (const r of rows) if (r.error_stack) r.error_stack = unpack(r.error_stack)
    return rows
  }

  async progress(): Promise<JobProgress> {
    await this.ensure()
    const rows = await this.#conn.fetchAll(`SELECT status, count(*) AS n FROM ${this.fullTableName} GROUP BY status`)
    const out = Object.fromEntries(STATUSES.map((s) => [s, 0])) as unknown as JobProgress
    for (const r of rows) out[r.status as JobStatus] = Number(r.n)
    out.total = STATUSES.reduce((s, k) => s + out[k], 0)
    return out
  }

  /** Puts failed jobs back to pending (all, or those matching `restriction` on the job key). */
  async retry(status: 'error' | 'ignore' = 'error'): Promise<number> {
    await this.ensure()
    const r = await this.#conn.query(`UPDATE ${this.fullTableName} SET status='pending', error_message='', error_stack=NULL, scheduled_time=${this.#conn.dialect.secondsAgo('1')} WHERE status=?`, [status])
    return r.affectedRows
  }

  /** Deletes jobs of a status (errors by default): populate adds them again as pending. */
  async clear(status: JobStatus = 'error'): Promise<number> {
    await this.ensure()
    return (await this.#conn.query(`DELETE FROM ${this.fullTableName} WHERE status=?`, [status])).affectedRows
  }
}
