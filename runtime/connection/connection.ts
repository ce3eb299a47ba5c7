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
import { mysqlDriver } from './mysql-driver.js'

export interface Backend {
  driver: Driver
  dialect: Dialect
}

const BACKENDS: Record<string, () => Backend> = {
  mysql: () => ({ driver: mysqlDriver, dialect: mysqlDialect }),
}

/** Registers another backend (PostgreSQL, PGlite) under the name `database.backend` uses. */
export function registerBackend(name: string, make: () => Backend): void {
  BACKENDS[name] = make
}

export interface QueryOptions {
  rowsAsArray?: boolean
}

export class Connection {
  readonly dialect: Dialect
  readonly #driver: Driver
  readonly #options: () => ConnectOptions
  #session: DriverSession | null = null
  #connecting: Promise<DriverSession> | null = null
  #inTransaction = false
  #reconnect: boolean
  /** statements sent, for tests and the query log */
  queryCount = 0

  constructor(options: () => ConnectOptions, backend: Backend, settings: { reconnect?: boolean } = {}) {
    this.#options = options
    this.#driver = backend.driver
    this.dialect = backend.dialect
    this.#reconnect = settings.reconnect ?? true
  }

  /** A connection configured from `dj.config` (host, port, user, password, TLS, backend). */
  static fromConfig(config: Config): Connection {
    const backendName = config.database.backend
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
    })
    return new Connection(options, make(), { reconnect: config.database.reconnect })
  }

  get isConnected(): boolean {
    return this.#session !== null
  }

  get inTransaction(): boolean {
    return this.#inTransaction
  }

  /** The server's id of this session; connects if needed. */
  async connectionId(): Promise<number> {
    return (await this.#open()).id
  }

  /** Where this connection goes, for messages: `user@host:port`. */
  get address(): string {
    const o = this.#options()
    return `${o.user}@${o.host}:${o.port}`
  }

  async connect(): Promise<this> {
    await this.#open()
    return this
  }

  async #open(): Promise<DriverSession> {
    if (this.#session) return this.#session
    if (!this.#connecting) {
      this.#connecting = (async () => {
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
        for (const sql of this.dialect.sessionInit()) await session.query(sql)
        session.onLost(() => {
          if (this.#session === session) this.#session = null
        })
        log.debug(`connected to ${o.host}:${o.port} as ${o.user} (connection ${session.id})`)
        this.#session = session
        return session
      })().finally(() => {
        this.#connecting = null
      })
    }
    return this.#connecting
  }

  /** Runs one statement; values are always parameters. */
  async query(sql: string, params: readonly unknown[] = [], options: QueryOptions = {}): Promise<QueryResult> {
    const session = await this.#open()
    this.queryCount++
    try {
      return await session.query(sql, params, options)
    } catch (err) {
      if (this.dialect.isLostConnection(err)) {
        this.#session = null
        if (!this.#inTransaction && this.#reconnect) {
          log.warn('the connection to the database was lost; reconnecting')
          const again = await this.#open()
          try {
            return await again.query(sql, params, options)
          } catch (err2) {
            throw this.dialect.translateError(err2, sql, params)
          }
        }
        if (this.#inTransaction) {
          this.#inTransaction = false
          throw new LostConnectionError('The connection was lost during a transaction; the transaction was rolled back by the server.', {
            cause: err, sql, params, hint: 'Run the operation again.',
          })
        }
      }
      throw this.dialect.translateError(err, sql, params)
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
    if (this.#inTransaction) {
      throw new DataJointError('A transaction is already in progress on this connection; transactions cannot be nested.', {
        hint: 'Call this operation outside the transaction, or do its work directly inside the running one.',
      })
    }
    await this.query(this.dialect.startTransaction)
    this.#inTransaction = true
    try {
      const result = await fn()
      this.#inTransaction = false
      await this.query('COMMIT')
      return result
    } catch (err) {
      if (this.#inTransaction) {
        this.#inTransaction = false
        try {
          await this.query('ROLLBACK')
        } catch {
          /* the connection is gone: the server rolls back */
        }
      }
      throw err
    }
  }

  async close(): Promise<void> {
    const s = this.#session
    this.#session = null
    if (s) await s.close()
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
