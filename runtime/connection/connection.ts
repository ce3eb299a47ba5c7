/**
 * One session with the database server. It connects lazily, translates every driver error once
 * into a DataJointError, runs transactions (never nested: DataJoint's atomicity is per call), and
 * reconnects transparently only outside a transaction, where no work can be lost.
 */
import { DataJointError, LostConnectionError } from '../errors.js'
import { log } from '../logger.js'
import type { Config } from '../settings/config.js'
import type { Dialect } from '../dialect/dialect.js'
import { mysqlDialect } from '../dialect/mysql.js'
import type { ConnectOptions, Driver, DriverSession, QueryResult } from './driver.js'
import { Lane } from './lane.js'
import { mysqlDriver } from './mysql-driver.js'
import { pgDriver } from './pg-driver.js'
import { pgliteDriver } from './pglite-driver.js'
import { postgresDialect } from '../dialect/postgres.js'

export interface Backend {
  driver: Driver
  dialect: Dialect
}

const BACKENDS: Record<string, () => Backend> = {
  mysql: () => ({ driver: mysqlDriver, dialect: mysqlDialect }),
  postgresql: () => ({ driver: pgDriver, dialect: postgresDialect }),
  pglite: () => ({ driver: pgliteDriver, dialect: postgresDialect }),
}

/** Registers another backend (PostgreSQL, PGlite) under the name `database.backend` uses. */
export function registerBackend(name: string, make: () => Backend): void {
  BACKENDS[name] = make
}

export interface QueryOptions {
  rowsAsArray?: boolean
}

/** A session and its transaction: the connection's own, and one per lane that talks to the server. */
class SessionState {
  session: DriverSession | null = null
  connecting: Promise<DriverSession> | null = null
  /** why the server closed the last session while it was idle; null after close() or a new connect */
  lost: unknown = null
  /** set from transaction() entry to its end, so a nested or concurrent call is refused */
  inTransaction = false
  /** the session the running transaction's work is on; no other session may carry it on */
  txSession: DriverSession | null = null
  /** the lane ended: a session still being opened for it is closed on arrival */
  closed = false
}

export class Connection {
  readonly dialect: Dialect
  readonly #driver: Driver
  readonly #options: () => ConnectOptions
  readonly #main = new SessionState()
  readonly #lanes = new Map<Lane, SessionState>()
  /** read at each loss, so a change of dj.config.database.reconnect applies to an open connection */
  readonly #reconnect: () => boolean
  readonly #initFunction: () => string | null
  /** statements sent, for tests and the query log */
  queryCount = 0

  constructor(
    options: () => ConnectOptions,
    backend: Backend,
    settings: { reconnect?: boolean | (() => boolean); initFunction?: () => string | null } = {},
  ) {
    this.#options = options
    this.#driver = backend.driver
    this.dialect = backend.dialect
    const reconnect = settings.reconnect ?? true
    this.#reconnect = typeof reconnect === 'function' ? reconnect : () => reconnect
    this.#initFunction = settings.initFunction ?? (() => null)
  }

  /** A connection configured from `dj.config` (host, port, user, password, TLS, backend). */
  static fromConfig(config: Config): Connection {
    const backendName = config.effectiveBackend
    const make = BACKENDS[backendName]
    if (!make) {
      throw new DataJointError(`The database backend "${backendName}" is not available.`, {
        hint: `Set dj.config.database.backend (DJ_BACKEND) to one of: ${Object.keys(BACKENDS).join(', ')}.`,
      })
    }
    const options = (): ConnectOptions => ({
      host: config.effectiveHost,
      port: config.effectivePort,
      user: config.database.user ?? 'root',
      password: config.database.password ?? '',
      tls: config.database.use_tls as ConnectOptions['tls'],
      charset: config.connection.charset,
      database: config.database.name ?? undefined,
      path: config.database.path ?? undefined,
    })
    return new Connection(options, make(), {
      reconnect: () => config.database.reconnect,
      initFunction: () => config.connection.init_function,
    })
  }

  /** The session state of the running work: its lane's, or the connection's own. */
  #state(): SessionState {
    const lane = Lane.current()
    if (!lane) return this.#main
    if (lane.ended) throw lane.ended
    let st = this.#lanes.get(lane)
    if (!st) {
      const state = (st = new SessionState())
      this.#lanes.set(lane, state)
      lane.onEnd(async (abrupt) => {
        this.#lanes.delete(lane)
        state.closed = true
        const session = state.session
        state.session = null
        if (session) await (abrupt ? session.destroy() : session.close())
      })
    }
    return st
  }

  get isConnected(): boolean {
    return this.#main.session !== null
  }

  get inTransaction(): boolean {
    const lane = Lane.current()
    return (lane ? this.#lanes.get(lane)?.inTransaction : this.#main.inTransaction) ?? false
  }

  /** The server's id of this session; connects if needed. */
  async connectionId(): Promise<number> {
    return (await this.#open(this.#state())).id
  }

  /** Where this connection goes, for messages: `user@host:port`. */
  get address(): string {
    const o = this.#options()
    return `${o.user}@${o.host}:${o.port}`
  }

  async connect(): Promise<this> {
    await this.#open(this.#state())
    return this
  }

  async #open(st: SessionState): Promise<DriverSession> {
    if (st.session) return st.session
    if (!st.connecting) {
      st.connecting = (async () => {
        const o = this.#options()
        let session: DriverSession
        try {
          session = await this.#driver.connect(o)
        } catch (err) {
          const e = this.dialect.translateError(err)
          throw new (e.constructor as typeof DataJointError)(`Cannot connect to the database at ${o.user}@${o.host}:${o.port}: ${e.reason}`, {
            cause: err,
            hint: e instanceof LostConnectionError
              ? 'Is the server running? Set the address with dj.config.database.host/port or DJ_HOST/DJ_PORT.'
              : e.hint,
          })
        }
        const init = this.#initFunction()
        for (const sql of [...this.dialect.sessionInit(), ...(init ? [init] : [])]) {
          try {
            await session.query(sql)
          } catch (err) {
            // a session whose set-up failed is not used: close it rather than leak it
            await session.close()
            throw this.dialect.translateError(err, sql)
          }
        }
        if (st.closed) {
          // its lane ended while it was being opened
          session.destroy()
          throw Lane.current()?.ended ?? new DataJointError('The session was closed while it was being opened.')
        }
        session.onLost((err) => {
          if (st.session === session) {
            st.session = null
            st.lost = err ?? new Error('connection closed')
          }
        })
        st.lost = null
        log.debug(`connected to ${o.host}:${o.port} as ${o.user} (connection ${session.id})`)
        st.session = session
        return session
      })().finally(() => {
        st.connecting = null
      })
    }
    return st.connecting
  }

  /** Runs one statement; values are always parameters. */
  async query(sql: string, params: readonly unknown[] = [], options: QueryOptions = {}): Promise<QueryResult> {
    const st = this.#state()
    if (st.txSession !== null && st.session !== st.txSession) {
      // the transaction's session is gone (the server rolled its work back): on a new session this
      // statement would run on its own, outside the transaction
      throw this.#lostInTransaction(st.lost ?? undefined, sql, params)
    }
    if (st.session === null && st.lost !== null && !this.#reconnect()) {
      // the server closed the idle session: without reconnect that is reported, as when a statement meets the loss
      const cause = st.lost
      st.lost = null
      throw new LostConnectionError('The connection to the database was lost (database.reconnect is off).', {
        cause, sql, params, hint: 'Run the statement again to reconnect, or set dj.config.database.reconnect = true.',
      })
    }
    const session = await this.#open(st)
    this.queryCount++
    try {
      return await session.query(sql, params, options)
    } catch (err) {
      // a cancelled lane's session was closed under the statement: the cancellation is the error
      const ended = Lane.current()?.ended
      if (ended) throw ended
      if (this.dialect.isLostConnection(err)) {
        // this statement reports the loss (the driver's event may have come first); inside a
        // transaction it stays the cause of the errors of the statements after it
        if (st.session === session || st.session === null) {
          st.session = null
          st.lost = st.txSession !== null ? err : null
        }
        if (st.txSession !== null) throw this.#lostInTransaction(err, sql, params)
        if (this.#reconnect()) {
          log.warn('the connection to the database was lost; reconnecting')
          const again = await this.#open(st)
          try {
            return await again.query(sql, params, options)
          } catch (err2) {
            throw this.dialect.translateError(err2, sql, params)
          }
        }
      }
      throw this.dialect.translateError(err, sql, params)
    }
  }

  #lostInTransaction(cause: unknown, sql: string, params: readonly unknown[]): LostConnectionError {
    return new LostConnectionError('The connection was lost during a transaction; the transaction was rolled back by the server.', {
      cause, sql, params, hint: 'Run the operation again.',
    })
  }

  /** Rows of a SELECT one at a time (the session is busy until the iteration ends). */
  async *stream(sql: string, params: readonly unknown[] = []): AsyncIterable<any> {
    const session = await this.#open(this.#state())
    this.queryCount++
    try {
      yield* session.stream(sql, params)
    } catch (err) {
      throw Lane.current()?.ended ?? this.dialect.translateError(err, sql, params)
    }
  }

  /** Rows of a SELECT as objects. */
  async fetchAll(sql: string, params: readonly unknown[] = []): Promise<any[]> {
    return (await this.query(sql, params)).rows
  }

  /**
   * Runs `fn` inside one transaction: committed if it returns, rolled back if it throws.
   * Transactions do not nest; an operation that needs one inside another is a programming error.
   */
  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    const st = this.#state()
    if (st.inTransaction) {
      throw new DataJointError('A transaction is already in progress on this connection; transactions cannot be nested.', {
        hint: 'Call this operation outside the transaction, or do its work directly inside the running one.',
      })
    }
    // claimed before the first await, so a transaction() started meanwhile (Promise.all) is refused too
    st.inTransaction = true
    try {
      await this.query(this.dialect.startTransaction)
      // bound to the session START ran on (a lost session before it is reopened: nothing is lost yet)
      if (st.session === null) throw this.#lostInTransaction(st.lost ?? undefined, this.dialect.startTransaction, [])
      st.txSession = st.session
      const result = await fn()
      // still bound: after a loss COMMIT must fail, not "commit" nothing on a new session
      await this.query('COMMIT')
      return result
    } catch (err) {
      if (st.txSession !== null && st.session === st.txSession) {
        try {
          await this.query('ROLLBACK')
        } catch {
          /* the connection is gone: the server rolls back */
        }
      }
      throw err
    } finally {
      // a loss inside the transaction was reported there: the next statement just reconnects
      if (st.txSession !== null && st.session !== st.txSession) st.lost = null
      st.inTransaction = false
      st.txSession = null
    }
  }

  /** Closes the connection's sessions, those of lanes included. */
  async close(): Promise<void> {
    const states = [this.#main, ...this.#lanes.values()]
    await Promise.allSettled(states.map(async (st) => {
      const s = st.session
      st.session = null
      st.lost = null
      if (s) await s.close()
    }))
  }

  /** The session, closed by the server as if the network failed (for tests of reconnect). */
  async killSession(): Promise<void> {
    const id = await this.connectionId()
    const other = await this.#driver.connect(this.#options())
    try {
      await other.query(this.dialect.killSession(id))
    } finally {
      await other.close()
    }
  }
}
