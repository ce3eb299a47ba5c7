/**
 * Test databases: every test file gets its own schema prefix (`djtest_<pid>_<random>_`) on the
 * real server (DJ_HOST/DJ_USER/DJ_PASS, default 127.0.0.1 as root), and drops what it made.
 */
import { randomBytes } from 'node:crypto'
import * as dj from '../../runtime/index.js'

export const prefix = `djtest_${process.pid}_${randomBytes(3).toString('hex')}_`

/** The backend the tests run on: DJ_TEST_BACKEND (the runner's matrix sets it), else MySQL. */
export const backend = (process.env.DJ_TEST_BACKEND ?? 'mysql') as 'mysql' | 'postgresql' | 'pglite'

export function setupDatabase(): typeof dj {
  if (backend === 'postgresql') {
    // the server the test runner started (DJ_TEST_PG_PORT)
    dj.config.update({ 'database.backend': 'postgresql', 'database.host': '127.0.0.1', 'database.port': Number(process.env.DJ_TEST_PG_PORT ?? 5432), 'database.user': 'postgres', 'database.password': '' })
  } else if (backend === 'pglite') {
    dj.config.update({ 'database.backend': 'pglite', 'database.path': 'memory://' })
  }
  if (!process.env.DJ_HOST && backend === 'mysql') dj.config.set('database.host', '127.0.0.1')
  if (!process.env.DJ_USER && backend === 'mysql') dj.config.set('database.user', 'root')
  if (!process.env.DJ_PASS && dj.config.get('database.password') === null) dj.config.set('database.password', '')
  dj.config.set('database.prefix', prefix)
  dj.config.set('safemode', false)
  dj.config.set('loglevel', process.env.DJ_LOG_LEVEL ?? 'ERROR')
  return dj
}

/** Drops every schema this test file made, then closes the connection. */
export async function cleanup(): Promise<void> {
  const c = dj.conn()
  const names = await dj.listSchemas(c)
  for (const n of names.filter((n) => n.startsWith(prefix))) {
    if (c.dialect.name === 'postgresql') {
      await c.query(c.dialect.dropSchema(n))
      continue
    }
    await c.query('SET FOREIGN_KEY_CHECKS=0')
    await c.query(`DROP DATABASE IF EXISTS \`${n}\``)
    await c.query('SET FOREIGN_KEY_CHECKS=1')
  }
  await dj.disconnect()
}

/** SHOW CREATE TABLE text of a table. */
export async function showCreate(database: string, table: string): Promise<string> {
  const rows = await dj.conn().fetchAll(`SHOW CREATE TABLE \`${database}\`.\`${table}\``)
  return rows[0]['Create Table']
}

/**
 * A PostgreSQL table as text from its catalog (there is no SHOW CREATE TABLE): one line per
 * column (type, NOT NULL, default, comment), then its constraints and indexes, by name.
 */
export async function describePg(database: string, table: string): Promise<string> {
  const c = dj.conn()
  const rel = `(quote_ident(?) || '.' || quote_ident(?))::regclass`
  const cols = await c.fetchAll(
    `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS nn, pg_get_expr(d.adbin, d.adrelid) AS dflt, col_description(a.attrelid, a.attnum) AS comment
       FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE a.attrelid = ${rel} AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
    [database, table],
  )
  const cons = await c.fetchAll(`SELECT conname AS name, pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = ${rel} AND contype <> 'n' ORDER BY conname`, [database, table])
  const idx = await c.fetchAll('SELECT indexdef AS def FROM pg_indexes WHERE schemaname = ? AND tablename = ? ORDER BY indexname', [database, table])
  const tc = await c.fetchAll(`SELECT obj_description(${rel}, 'pg_class') AS c`, [database, table])
  const strip = (s: string) => s.split(`"${database}".`).join('').split(`${database}.`).join('')
  return [
    ...cols.map((r) => `${r.name} ${strip(r.type)}${r.nn ? ' NOT NULL' : ''}${r.dflt !== null ? ` DEFAULT ${strip(r.dflt)}` : ''}${r.comment ? ` -- ${r.comment}` : ''}`),
    ...cons.map((r) => `CONSTRAINT ${r.name} ${strip(r.def)}`),
    ...idx.map((r) => strip(r.def)),
    ...(tc[0]?.c ? [`COMMENT ${tc[0].c}`] : []),
  ].join('\n')
}
