/** A PostgreSQL server through `pg` behind the Driver interface: the only file that imports pg (on first use). */
import { type ConnectOptions, type Driver, type DriverSession, onFirstUse, type QueryResult, uuidParams } from './driver.js'
import { numberedPlaceholders } from './placeholders.js'

const loadPg = onFirstUse<typeof import('pg')>(() => import('pg'))

/** Values as the MySQL driver gives them: dates and times as the server's text, JSON as text, int8 as a number when exact. */
export const TEXT_TYPES: Record<number, (text: string) => unknown> = {
  20: (v) => (Number.isSafeInteger(Number(v)) ? Number(v) : v),
  114: (v) => v,
  3802: (v) => v,
  1082: (v) => v,
  1083: (v) => v,
  1114: (v) => v,
  1184: (v) => v,
  1266: (v) => v,
}

class PgSession implements DriverSession {
  constructor(readonly client: import('pg').Client, readonly id: number) {}

  async query(sql: string, params: readonly unknown[] = [], options: { rowsAsArray?: boolean } = {}): Promise<QueryResult> {
    if (params.length === 0 && !options.rowsAsArray) {
      // the simple protocol: several statements (DDL with its comments) in one round trip
      const r = (await this.client.query(sql)) as unknown as import('pg').QueryResult | import('pg').QueryResult[]
      const last = Array.isArray(r) ? r[r.length - 1]! : r
      return { rows: last.rows ?? [], columns: (last.fields ?? []).map((f) => f.name), affectedRows: last.command === 'SELECT' ? 0 : (last.rowCount ?? 0) }
    }
    const text = numberedPlaceholders(sql)
    const values = uuidParams(params, 'text') as unknown[]
    const r: import('pg').QueryResult<any> = options.rowsAsArray ? await this.client.query({ text, values, rowMode: 'array' }) : await this.client.query({ text, values })
    return { rows: r.rows, columns: r.fields.map((f) => f.name), affectedRows: r.command === 'SELECT' ? 0 : (r.rowCount ?? 0) }
  }

  async *stream(sql: string, params: readonly unknown[] = []): AsyncIterable<any> {
    // without a cursor package, rows come in one result; they are handed on one at a time
    yield* (await this.query(sql, params)).rows
  }

  async close(): Promise<void> {
    try {
      await this.client.end()
    } catch {
      /* already closed */
    }
  }

  destroy(): void {
    // ends the socket at once; the server rolls back the session's open transaction
    ;(this.client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy()
  }

  onLost(listener: (err: unknown) => void): void {
    this.client.on('error', listener)
    this.client.on('end', () => listener(new Error('connection closed')))
  }
}

export const pgDriver: Driver = {
  name: 'postgresql',
  async connect(o: ConnectOptions): Promise<DriverSession> {
    const pg = await loadPg()
    const client = new pg.Client({
      host: o.host,
      port: o.port,
      user: o.user,
      password: o.password,
      database: o.database ?? 'postgres',
      ssl: o.tls === true ? { rejectUnauthorized: false } : o.tls && typeof o.tls === 'object' ? (o.tls as object) : undefined,
      connectionTimeoutMillis: 10000,
      keepAlive: true,
      keepAliveInitialDelayMillis: 30000,
      types: { getTypeParser: ((oid: number, format?: string) => TEXT_TYPES[oid] ?? pg.types.getTypeParser(oid, format as 'text')) as never },
    })
    client.on('error', () => {}) // reported through onLost and the failing statement
    await client.connect()
    const r = await client.query('SELECT pg_backend_pid() AS id')
    return new PgSession(client, Number(r.rows[0].id))
  },
}
