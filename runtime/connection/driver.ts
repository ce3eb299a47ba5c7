/**
 * What the connection needs from a database driver. Each backend wraps its SDK behind this
 * interface in one file (mysql2 in mysql-driver.ts), so nothing else imports a driver.
 */
export interface ConnectOptions {
  host: string
  port: number
  user: string
  password: string
  /** PostgreSQL: the database that holds the schemas */
  database?: string
  /** PGlite: the folder of the embedded database, or memory:// */
  path?: string
  tls: boolean | Record<string, unknown> | null
  charset: string
}

export interface QueryResult {
  /** rows of a SELECT, as objects keyed by column name (or arrays when asked for) */
  rows: any[]
  /** column names in order, for SELECTs */
  columns: string[]
  /** rows changed by INSERT/UPDATE/DELETE */
  affectedRows: number
}

export interface DriverSession {
  /** the server's id of this session (CONNECTION_ID() on MySQL, pg_backend_pid() on PostgreSQL) */
  readonly id: number
  query(sql: string, params?: readonly unknown[], options?: { rowsAsArray?: boolean }): Promise<QueryResult>
  /** rows of a SELECT one at a time, without holding them all in memory */
  stream(sql: string, params?: readonly unknown[]): AsyncIterable<any>
  close(): Promise<void>
  /** closes at once, without waiting for statements under way (the server rolls back open work) */
  destroy(): void
  /** called once if the server closes the session */
  onLost(listener: (err: unknown) => void): void
}

export interface Driver {
  readonly name: string
  connect(options: ConnectOptions): Promise<DriverSession>
}

/**
 * A UUID parameter: 16 bytes, which each driver sends as its server stores UUIDs (MySQL's
 * binary(16) takes the bytes, PostgreSQL's uuid the canonical text).
 */
export class UuidParam {
  constructor(readonly bytes: Buffer) {}
  toString(): string {
    const h = this.bytes.toString('hex')
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
  }
}

/** Parameters with UUIDs as `as` makes them (the bytes, or the text). */
export function uuidParams(params: readonly unknown[], as: 'bytes' | 'text'): readonly unknown[] {
  if (!params.some((p) => p instanceof UuidParam)) return params
  return params.map((p) => (p instanceof UuidParam ? (as === 'bytes' ? p.bytes : p.toString()) : p))
}

/**
 * A driver package, imported on first use so that a session loads only the driver it talks
 * through (each costs tens of milliseconds and megabytes at start-up). The drivers are CommonJS:
 * the module object is the default export.
 */
export function onFirstUse<T>(load: () => Promise<unknown>): () => Promise<T> {
  let loaded: Promise<T> | null = null
  return () => (loaded ??= load().then((m) => ((m as { default?: T }).default ?? m) as T))
}
