/**
 * The mysql2 driver behind the Driver interface: the only file that imports mysql2, on first use
 * (a session on PostgreSQL or PGlite never loads it; it is 45 ms and 16 MB at start-up).
 */
import type mysql from 'mysql2/promise'
import { type ConnectOptions, type Driver, type DriverSession, onFirstUse, type QueryResult, uuidParams } from './driver.js'

class MysqlSession implements DriverSession {
  constructor(readonly conn: mysql.Connection, readonly id: number) {}

  async query(sql: string, params: readonly unknown[] = [], options: { rowsAsArray?: boolean } = {}): Promise<QueryResult> {
    const [result, fields] = await this.conn.query({ sql, values: uuidParams(params, 'bytes') as unknown[], rowsAsArray: options.rowsAsArray ?? false })
    if (Array.isArray(result)) {
      return { rows: result as any[], columns: (fields ?? []).map((f) => f.name), affectedRows: 0 }
    }
    return { rows: [], columns: [], affectedRows: (result as mysql.ResultSetHeader).affectedRows }
  }

  async *stream(sql: string, params: readonly unknown[] = []): AsyncIterable<any> {
    // the promise wrapper has no streaming; its core connection does (with backpressure)
    const core = (this.conn as unknown as { connection: { query(o: object): { stream(o: object): AsyncIterable<any> } } }).connection
    yield* core.query({ sql, values: uuidParams(params, 'bytes') as unknown[] }).stream({ highWaterMark: 1024 })
  }

  async close(): Promise<void> {
    try { await this.conn.end() } catch { this.conn.destroy() }
  }

  destroy(): void {
    this.conn.destroy()
  }

  onLost(listener: (err: unknown) => void): void {
    this.conn.on('error', listener)
    this.conn.on('end', () => listener(new Error('connection closed')))
  }
}

export const mysqlDriver: Driver = {
  name: 'mysql',
  async connect(o: ConnectOptions): Promise<DriverSession> {
    if (o.tls === null || o.tls === undefined) {
      // DataJoint's default: prefer TLS, fall back to a plain connection when the server has none
      try {
        return await open(o, { rejectUnauthorized: false })
      } catch (err) {
        if ((err as { code?: string }).code !== 'HANDSHAKE_NO_SSL_SUPPORT') throw err
        return open(o, undefined)
      }
    }
    return open(o, o.tls === true ? {} : o.tls === false ? undefined : (o.tls as mysql.SslOptions))
  },
}

const loadMysql = onFirstUse<typeof import('mysql2/promise')>(() => import('mysql2/promise'))

async function open(o: ConnectOptions, ssl: mysql.SslOptions | undefined): Promise<DriverSession> {
  const conn = await (await loadMysql()).createConnection({
    host: o.host,
    port: o.port,
    user: o.user,
    password: o.password,
    database: o.database,
    charset: o.charset === 'utf8' ? 'UTF8MB4_GENERAL_CI' : o.charset || 'UTF8MB4_GENERAL_CI',
    ssl,
    // exact values: big integers beyond 2^53 come back as strings, dates as the server's text
    supportBigNumbers: true,
    bigNumberStrings: false,
    dateStrings: true,
    decimalNumbers: false,
    multipleStatements: false,
    connectTimeout: 10000,
    // long make() calls keep an idle session: TCP keepalive stops middleboxes from dropping it
    enableKeepAlive: true,
    keepAliveInitialDelay: 30000,
  })
  const [rows] = await conn.query('SELECT CONNECTION_ID() AS id')
  return new MysqlSession(conn, Number((rows as Array<{ id: number }>)[0]!.id))
}
