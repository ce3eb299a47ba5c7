/**
 * The process-wide connection of `dj.conn()`, made from `dj.config`. It connects on first use and
 * reconnects with the new settings after credentials or the host change.
 */
import { config } from '../settings/global.js'
import { Connection } from './connection.js'

let current: Connection | null = null
/** settings a session is made with; others (prefix, safemode, ...) leave it open */
const SESSION_KEYS = new Set([
  'database.host', 'database.port', 'database.user', 'database.password', 'database.use_tls',
  'database.name', 'database.path', 'connection.charset', 'connection.init_function',
])

export function conn(): Connection {
  if (!current) current = Connection.fromConfig(config)
  return current
}

config.onChange((key) => {
  if (!current) return
  if (key === 'database.backend') {
    const old = current
    current = null
    void old.close()
  } else if (SESSION_KEYS.has(key)) {
    void current.close()
  }
})

/** Closes the connection (scripts call this to let the process exit). */
export async function disconnect(): Promise<void> {
  const c = current
  current = null
  if (c) await c.close()
}
