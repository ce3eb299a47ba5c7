/**
 * Connection, dj.conn() and the MySQL error translation on the real server: lazy connect,
 * parameters, transactions, reconnect after a killed session (and none inside a transaction),
 * and every translated driver error with its SQL, cause and hint.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { rejects } from '../helpers/assert.js'
import { cleanup, prefix, setupDatabase } from '../helpers/db.js'

const dj = setupDatabase()
type Connection = InstanceType<typeof dj.Connection>
type DJError = InstanceType<typeof dj.DataJointError>

const db = `${prefix}conn`
const T = `\`${db}\`.\`t\``
const P = `\`${db}\`.\`parent\``
const C = `\`${db}\`.\`child\``
const NOPRIV = `${prefix}nopriv`
const NOPRIV_PASS = 'pw-Nopriv-1'

/** connections this file opened besides dj.conn(), closed at the end */
const opened: Connection[] = []

/** A Config of its own for the test server (not dj.config), with extra settings. */
function configWith(values: Record<string, unknown> = {}): InstanceType<typeof dj.Config> {
  const cfg = new dj.Config()
  cfg.set('database.host', dj.config.database.host)
  cfg.set('database.port', dj.config.database.port)
  cfg.set('database.user', dj.config.database.user)
  cfg.set('database.password', dj.config.database.password)
  cfg.set('loglevel', 'ERROR')
  cfg.update(values)
  return cfg
}

function connection(values: Record<string, unknown> = {}): Connection {
  const c = dj.Connection.fromConfig(configWith(values))
  opened.push(c)
  return c
}

/** The admin session that sets up tables and watches the others. */
const admin = () => dj.conn()

async function sessionExists(id: number): Promise<boolean> {
  // a killed session may linger briefly in the process list in state "Killed"
  const rows = await admin().fetchAll("SELECT COUNT(*) AS n FROM information_schema.processlist WHERE id = ? AND command <> 'Killed'", [id])
  return Number(rows[0].n) > 0
}

async function count(table: string): Promise<number> {
  return Number((await admin().fetchAll(`SELECT COUNT(*) AS n FROM ${table}`))[0].n)
}

/** Kills the session of `c` from another session while `c` runs `SELECT SLEEP(seconds)`. */
async function killDuringSleep(c: Connection, seconds: number): Promise<{ result: Promise<unknown>; id: number }> {
  const id = await c.connectionId()
  const result = c.query(`SELECT SLEEP(${seconds}) AS s`)
  result.catch(() => {}) // observed by the caller; no unhandled rejection meanwhile
  for (let i = 0; i < 200; i++) {
    const rows = await admin().fetchAll("SELECT COUNT(*) AS n FROM information_schema.processlist WHERE id = ? AND info LIKE 'SELECT SLEEP%'", [id])
    if (Number(rows[0].n) > 0) break
    await new Promise((r) => setTimeout(r, 5))
  }
  await admin().query(`KILL ${id}`)
  return { result, id }
}

/** A translated error: the class, a DataJointError, the statement and cause kept, the message parts. */
async function failsWith<E extends DJError>(
  p: Promise<unknown>,
  cls: abstract new (...args: any[]) => E,
  sql: string | undefined,
  ...patterns: RegExp[]
): Promise<E> {
  const e = (await rejects(p, cls as unknown as new () => Error, dj.DataJointError, ...patterns)) as E
  assert.is(e.name, cls.name)
  assert.is(e.sql, sql)
  assert.ok(e.cause !== undefined, 'the driver error is kept as the cause')
  assert.ok(e.hint && e.message.endsWith(e.hint), 'the message ends with a hint on how to fix it')
  assert.not.match(e.reason, /\.\.$/, `one final period: ${e.reason}`)
  return e
}

test.before(async () => {
  const c = admin()
  await c.query(`CREATE DATABASE \`${db}\``)
  await c.query(`CREATE TABLE ${T} (id INT PRIMARY KEY, s VARCHAR(200) NULL, n INT NULL) ENGINE=InnoDB`)
  await c.query(`CREATE TABLE ${P} (id INT PRIMARY KEY, name VARCHAR(3) NOT NULL) ENGINE=InnoDB`)
  await c.query(`CREATE TABLE ${C} (id INT PRIMARY KEY, pid INT NOT NULL, FOREIGN KEY (pid) REFERENCES ${P} (id) ON UPDATE CASCADE ON DELETE RESTRICT) ENGINE=InnoDB`)
})
test.before.each(async () => {
  await admin().query(`DELETE FROM ${T}`)
  await admin().query(`DELETE FROM ${C}`)
  await admin().query(`DELETE FROM ${P}`)
})
test.after(async () => {
  await admin().query(`DROP USER IF EXISTS '${NOPRIV}'@'%'`)
  for (const c of opened) await c.close()
  await cleanup()
})

// ---------------------------------------------------------------------------------------------
// Connection: lazy connect, ids, close

test('connects lazily and only once, even for concurrent first statements', async () => {
  const c = connection()
  assert.is(c.isConnected, false)
  assert.is(c.queryCount, 0)
  assert.is(c.address, `${dj.config.database.user}@${dj.config.effectiveHost}:${dj.config.effectivePort}`)
  assert.is(c.isConnected, false, 'address does not connect')
  const ids = await Promise.all([c.connectionId(), c.connectionId(), c.connectionId()])
  assert.is(c.isConnected, true)
  assert.ok(Number.isInteger(ids[0]) && ids[0]! > 0)
  assert.equal(ids, [ids[0], ids[0], ids[0]], 'one session for all three')
  assert.is(c.queryCount, 0, 'connecting is not a statement')
  const [row] = await c.fetchAll('SELECT CONNECTION_ID() AS id')
  assert.is(Number(row.id), ids[0])
  assert.ok(await sessionExists(ids[0]!))
  assert.is(await c.connect(), c)
  assert.is(await c.connectionId(), ids[0], 'connect() on an open connection keeps its session')
})

test('close() ends the session; the next statement opens a new one', async () => {
  const c = connection()
  const id1 = await c.connectionId()
  await c.close()
  assert.is(c.isConnected, false)
  await c.close() // closing twice is harmless
  assert.is(await sessionExists(id1), false)
  const [row] = await c.fetchAll('SELECT CONNECTION_ID() AS id')
  assert.is(c.isConnected, true)
  assert.is.not(Number(row.id), id1)
  assert.is(await c.connectionId(), Number(row.id))
})

test('each session gets strict sql_mode and autocommit', async () => {
  const c = connection()
  const [row] = await c.fetchAll('SELECT @@SESSION.sql_mode AS m, @@SESSION.autocommit AS a')
  const modes = String(row.m).split(',')
  for (const m of ['STRICT_ALL_TABLES', 'NO_ZERO_DATE', 'NO_ZERO_IN_DATE', 'ERROR_FOR_DIVISION_BY_ZERO', 'ONLY_FULL_GROUP_BY', 'NO_ENGINE_SUBSTITUTION']) {
    assert.ok(modes.includes(m), `${m} in ${row.m}`)
  }
  assert.is(Number(row.a), 1)
  // and again after a reconnect
  await c.killSession()
  const [again] = await c.fetchAll('SELECT @@SESSION.sql_mode AS m')
  assert.ok(String(again.m).split(',').includes('STRICT_ALL_TABLES'))
})

// ---------------------------------------------------------------------------------------------
// query, fetchAll, parameters

test('query gives rows, columns and affected rows; fetchAll gives the rows; each statement counts', async () => {
  const c = connection()
  const ins = await c.query(`INSERT INTO ${T} (id, s, n) VALUES (?, ?, ?), (?, ?, ?), (?, ?, ?)`, [1, 'one', 10, 2, 'two', null, 3, 'three', 30])
  assert.is(ins.affectedRows, 3)
  assert.equal(ins.rows, [])
  assert.is(c.queryCount, 1)
  const sel = await c.query(`SELECT id, s, n FROM ${T} WHERE id >= ? ORDER BY id`, [2])
  assert.equal(sel.columns, ['id', 's', 'n'])
  assert.equal(sel.rows, [{ id: 2, s: 'two', n: null }, { id: 3, s: 'three', n: 30 }])
  assert.is(sel.affectedRows, 0)
  const arr = await c.query(`SELECT id, s FROM ${T} ORDER BY id DESC`, [], { rowsAsArray: true })
  assert.equal(arr.rows, [[3, 'three'], [2, 'two'], [1, 'one']])
  assert.equal(arr.columns, ['id', 's'])
  const upd = await c.query(`UPDATE ${T} SET n = n + 1 WHERE n IS NOT NULL`)
  assert.is(upd.affectedRows, 2)
  assert.equal(await c.fetchAll(`SELECT n FROM ${T} ORDER BY id`), [{ n: 11 }, { n: null }, { n: 31 }])
  assert.equal(await c.fetchAll(`SELECT id FROM ${T} WHERE id > 100`), [])
  const del = await c.query(`DELETE FROM ${T} WHERE id = ?`, [1])
  assert.is(del.affectedRows, 1)
  assert.is(c.queryCount, 7)
})

test('values travel as parameters: quotes, backslashes, placeholders and SQL in values stay data', async () => {
  const c = connection()
  const tricky = `a'b"c\\d`
  assert.is(tricky.length, 7)
  const [echo] = await c.fetchAll('SELECT ? AS v, CHAR_LENGTH(?) AS len', [tricky, tricky])
  assert.is(echo.v, tricky)
  assert.is(Number(echo.len), 7, 'the server saw the 7 characters, not an escaped or truncated text')
  const values = [tricky, `x'); DROP TABLE t; --`, 'a ? b', '\\', "''", 'mäuse 🐭 ✓', '']
  for (const [i, v] of values.entries()) await c.query(`INSERT INTO ${T} (id, s) VALUES (?, ?)`, [i + 1, v])
  assert.equal((await c.fetchAll(`SELECT s FROM ${T} ORDER BY id`)).map((r) => r.s), values)
  for (const [i, v] of values.entries()) {
    assert.equal(await c.fetchAll(`SELECT id FROM ${T} WHERE s = ?`, [v]), [{ id: i + 1 }], `match ${JSON.stringify(v)}`)
  }
  // a '?' inside a value does not take the next parameter's place
  assert.equal(await c.fetchAll('SELECT ? AS a, ? AS b', ['?', 'x']), [{ a: '?', b: 'x' }])
  assert.is(await count(T), values.length, 'the table survived the DROP TABLE text')
})

// ---------------------------------------------------------------------------------------------
// transactions

test('transaction commits: returns the result, work is invisible to others until COMMIT', async () => {
  const c = connection()
  const other = connection()
  const id = await c.connectionId()
  assert.is(c.inTransaction, false)
  const result = await c.transaction(async () => {
    assert.is(c.inTransaction, true)
    await c.query(`INSERT INTO ${T} (id, s) VALUES (?, ?), (?, ?)`, [1, 'a', 2, 'b'])
    assert.is(Number((await c.fetchAll(`SELECT COUNT(*) AS n FROM ${T}`))[0].n), 2, 'seen inside')
    assert.is(Number((await other.fetchAll(`SELECT COUNT(*) AS n FROM ${T}`))[0].n), 0, 'not seen outside before COMMIT')
    return 'done'
  })
  assert.is(result, 'done')
  assert.is(c.inTransaction, false)
  assert.is(Number((await other.fetchAll(`SELECT COUNT(*) AS n FROM ${T}`))[0].n), 2)
  assert.is(await c.connectionId(), id, 'same session throughout')
})

test('transaction rolls back when fn throws and rethrows the same error', async () => {
  const c = connection()
  const id = await c.connectionId()
  const boom = new Error('boom')
  await c.query(`INSERT INTO ${T} (id, s) VALUES (1, 'kept')`)
  const e = await rejects(c.transaction(async () => {
    await c.query(`INSERT INTO ${T} (id, s) VALUES (2, 'gone')`)
    await c.query(`UPDATE ${T} SET s = 'changed' WHERE id = 1`)
    throw boom
  }))
  assert.is(e, boom)
  assert.is(c.inTransaction, false)
  assert.equal(await admin().fetchAll(`SELECT id, s FROM ${T} ORDER BY id`), [{ id: 1, s: 'kept' }])
  assert.is(await c.connectionId(), id, 'no reconnect')
  // autocommit is back: a statement after the transaction is visible to others at once
  await c.query(`INSERT INTO ${T} (id, s) VALUES (3, 'after')`)
  assert.is(await count(T), 2)
})

test('a translated error inside a transaction rolls back the statements before it', async () => {
  const c = connection()
  await c.query(`INSERT INTO ${T} (id) VALUES (1)`)
  const sql = `INSERT INTO ${T} (id) VALUES (?)`
  await failsWith(c.transaction(async () => {
    await c.query(sql, [2])
    await c.query(sql, [1])
  }), dj.DuplicateError, sql, /Duplicate entry '1'/)
  assert.equal(await admin().fetchAll(`SELECT id FROM ${T}`), [{ id: 1 }])
})

test('a deadlock between two transactions is a DeadlockError for its victim; the other commits', async () => {
  const a = connection()
  const b = connection()
  await a.query(`INSERT INTO ${T} (id, s) VALUES (101, 'a'), (102, 'b')`)
  let bLocked!: () => void
  const bHas = new Promise<void>((r) => (bLocked = r))
  let aLocked!: () => void
  const aHas = new Promise<void>((r) => (aLocked = r))
  // each takes one row, then asks for the other's: the server picks one transaction as the victim
  const ta = a.transaction(async () => {
    await a.query(`UPDATE ${T} SET s = 'x' WHERE id = 101`)
    aLocked()
    await bHas
    await a.query(`UPDATE ${T} SET s = 'x' WHERE id = 102`)
  })
  const tb = b.transaction(async () => {
    await aHas
    await b.query(`UPDATE ${T} SET s = 'y' WHERE id = 102`)
    bLocked()
    await new Promise((r) => setTimeout(r, 100))
    await b.query(`UPDATE ${T} SET s = 'y' WHERE id = 101`)
  })
  const [ra, rb] = await Promise.allSettled([ta, tb])
  const failed = [ra, rb].filter((r) => r.status === 'rejected') as PromiseRejectedResult[]
  assert.is(failed.length, 1)
  assert.instance(failed[0]!.reason, dj.DeadlockError)
  assert.match(failed[0]!.reason.message, /Deadlock found/)
  const winner = ra.status === 'fulfilled' ? 'x' : 'y'
  assert.equal((await a.fetchAll(`SELECT s FROM ${T} WHERE id IN (101, 102) ORDER BY id`)).map((r) => r.s), [winner, winner])
  await a.query(`DELETE FROM ${T} WHERE id IN (101, 102)`)
})

test('nested transaction is a DataJointError; the outer one still commits or rolls back', async () => {
  const c = connection()
  let innerRan = false
  await c.transaction(async () => {
    await c.query(`INSERT INTO ${T} (id) VALUES (1)`)
    const e = await rejects(c.transaction(async () => { innerRan = true }), dj.DataJointError, /already in progress/, /cannot be nested/, /outside the transaction/)
    assert.is(e.constructor, dj.DataJointError)
    assert.is(c.inTransaction, true, 'the refused call leaves the outer transaction running')
    await c.query(`INSERT INTO ${T} (id) VALUES (2)`)
  })
  assert.is(innerRan, false)
  assert.is(await count(T), 2, 'outer committed')
  // uncaught, the nested call's error rolls the outer one back
  await rejects(c.transaction(async () => {
    await c.query(`INSERT INTO ${T} (id) VALUES (3)`)
    await c.transaction(async () => { innerRan = true })
  }), dj.DataJointError, /cannot be nested/)
  assert.is(innerRan, false)
  assert.is(c.inTransaction, false)
  assert.is(await count(T), 2, 'outer rolled back')
})

test('a second transaction started concurrently on the same connection is refused', async () => {
  const c = connection()
  await c.connect()
  let secondRan = false
  const [first, second] = await Promise.allSettled([
    c.transaction(async () => {
      await c.query(`INSERT INTO ${T} (id) VALUES (1)`)
      return 1
    }),
    c.transaction(async () => {
      secondRan = true
      await c.query(`INSERT INTO ${T} (id) VALUES (2)`)
    }),
  ])
  assert.equal(first, { status: 'fulfilled', value: 1 })
  assert.is(second.status, 'rejected')
  assert.instance((second as PromiseRejectedResult).reason, dj.DataJointError)
  assert.match((second as PromiseRejectedResult).reason.message, /cannot be nested/)
  assert.is(secondRan, false)
  assert.equal(await admin().fetchAll(`SELECT id FROM ${T}`), [{ id: 1 }])
  assert.is(c.inTransaction, false)
})

// ---------------------------------------------------------------------------------------------
// lost connections

test('outside a transaction a killed session is reopened transparently', async () => {
  const c = connection()
  const id1 = await c.connectionId()
  await c.killSession()
  assert.is(await sessionExists(id1), false)
  await c.query(`INSERT INTO ${T} (id, s) VALUES (?, ?)`, [1, 'after kill'])
  const id2 = await c.connectionId()
  assert.is.not(id2, id1)
  assert.equal(await admin().fetchAll(`SELECT s FROM ${T}`), [{ s: 'after kill' }])
  // again, straight into a read
  await c.killSession()
  const [row] = await c.fetchAll('SELECT CONNECTION_ID() AS id')
  assert.is.not(Number(row.id), id2)
  assert.is.not(Number(row.id), id1)
})

test('outside a transaction a statement that meets the loss is run again on a new session', async () => {
  const c = connection()
  const { result, id } = await killDuringSleep(c, 0.3)
  assert.equal((await result as { rows: unknown[] }).rows, [{ s: 0 }], 'SLEEP ran to the end the second time')
  assert.is.not(await c.connectionId(), id)
})

test('inside a transaction a lost session raises LostConnectionError and never reconnects', async () => {
  const c = connection()
  const id1 = await c.connectionId()
  const sql = `INSERT INTO ${T} (id) VALUES (?)`
  let afterLoss: unknown
  const e = await failsWith(c.transaction(async () => {
    await c.query(sql, [1])
    await c.killSession()
    try {
      await c.query(sql, [2])
    } catch (err) {
      afterLoss = err
    }
    // going on after the error must not run on a new session either
    await c.query(sql, [3])
  }), dj.LostConnectionError, sql, /lost during a transaction/, /rolled back/, /Run the operation again/)
  assert.equal(e.params, [3])
  assert.instance(afterLoss, dj.LostConnectionError)
  assert.is((afterLoss as DJError).sql, sql)
  assert.equal((afterLoss as DJError).params, [2])
  assert.is(c.inTransaction, false)
  assert.is(await count(T), 0, 'no statement of the transaction survived, none ran on its own')
  // outside the transaction it reconnects again
  await c.query(sql, [4])
  assert.is.not(await c.connectionId(), id1)
  assert.equal(await admin().fetchAll(`SELECT id FROM ${T}`), [{ id: 4 }])
})

test('a session lost just before COMMIT fails the transaction instead of reporting success', async () => {
  const c = connection()
  const e = await failsWith(c.transaction(async () => {
    await c.query(`INSERT INTO ${T} (id) VALUES (1)`)
    await c.killSession()
    return 'should not be returned'
  }), dj.LostConnectionError, 'COMMIT', /lost during a transaction/)
  assert.instance(e, dj.DataJointError)
  assert.is(await count(T), 0)
  assert.is(c.inTransaction, false)
  // the next transaction runs normally on a new session
  assert.is(await c.transaction(async () => {
    await c.query(`INSERT INTO ${T} (id) VALUES (2)`)
    return 'ok'
  }), 'ok')
  assert.equal(await admin().fetchAll(`SELECT id FROM ${T}`), [{ id: 2 }])
})

test('inside a transaction a statement that meets the loss raises LostConnectionError', async () => {
  const c = connection()
  const e = await rejects(c.transaction(async () => {
    await c.query(`INSERT INTO ${T} (id) VALUES (1)`)
    const { result } = await killDuringSleep(c, 2)
    await result
  }), dj.LostConnectionError, /lost during a transaction/)
  assert.is((e as DJError).sql, 'SELECT SLEEP(2) AS s')
  assert.ok((e as DJError).cause !== undefined)
  assert.is(await count(T), 0)
})

test('with database.reconnect off a lost session is an error; the next statement reconnects; the setting is live', async () => {
  const cfg = configWith({ 'database.reconnect': false })
  const c = dj.Connection.fromConfig(cfg)
  opened.push(c)
  const id1 = await c.connectionId()
  await c.killSession()
  const sql = 'SELECT 1 AS one'
  await failsWith(c.query(sql), dj.LostConnectionError, sql, /lost/i)
  assert.equal(await c.fetchAll(sql), [{ one: 1 }], 'the next statement connects again')
  const id2 = await c.connectionId()
  assert.is.not(id2, id1)
  // a statement that meets the loss itself is not run again either
  const { result } = await killDuringSleep(c, 2)
  const e = await failsWith(result, dj.LostConnectionError, 'SELECT SLEEP(2) AS s', /^Lost connection to the database server: Connection lost: The server closed the connection\.\n/)
  assert.is((e.cause as { code?: string }).code, 'PROTOCOL_CONNECTION_LOST')
  // switched on, the same connection reconnects transparently
  cfg.set('database.reconnect', true)
  await c.killSession()
  assert.equal(await c.fetchAll(sql), [{ one: 1 }])
})

// ---------------------------------------------------------------------------------------------
// Connection.fromConfig

test('fromConfig reads the settings when it connects: host:port, user, init_function', async () => {
  const cfg = configWith({ 'database.port': null })
  cfg.set('database.host', `${dj.config.effectiveHost}:${dj.config.effectivePort}`)
  const c = dj.Connection.fromConfig(cfg)
  opened.push(c)
  assert.is(c.address, `${dj.config.database.user}@${dj.config.effectiveHost}:${dj.config.effectivePort}`)
  cfg.set('connection.init_function', "SET @dj_init = 'ran'")
  assert.equal(await c.fetchAll('SELECT @dj_init AS v'), [{ v: 'ran' }])
  await c.killSession()
  assert.equal(await c.fetchAll('SELECT @dj_init AS v'), [{ v: 'ran' }], 'run again on the new session')
  cfg.set('database.user', 'someone_else')
  assert.is(c.address, `someone_else@${dj.config.effectiveHost}:${dj.config.effectivePort}`)
})

test('fromConfig: a failing init_function is a translated error and leaves no session', async () => {
  const c = connection({ 'connection.init_function': 'SELEC 1' })
  await failsWith(c.connect(), dj.QuerySyntaxError, 'SELEC 1', /SQL syntax error/)
  assert.is(c.isConnected, false)
})

test('fromConfig: database.backend chooses the driver and the dialect', () => {
  assert.is(dj.Connection.fromConfig(configWith({ 'database.backend': 'mysql' })).dialect.name, 'mysql')
  assert.is(dj.Connection.fromConfig(configWith({ 'database.backend': 'postgresql' })).dialect.name, 'postgresql')
  assert.is(dj.Connection.fromConfig(configWith({ 'database.backend': 'pglite' })).dialect.name, 'postgresql')
  assert.is(configWith({ 'database.backend': 'postgresql' }).effectivePort, 5432)
})

// ---------------------------------------------------------------------------------------------
// dj.conn() and disconnect()

test('dj.conn() is one connection from dj.config; credential changes reconnect; disconnect() ends it', async () => {
  const c = dj.conn()
  assert.is(dj.conn(), c)
  const id1 = await c.connectionId()
  // a wrong password applies to the open connection at once
  await dj.config.override({ 'database.password': 'definitely-wrong' }, async () => {
    assert.is(dj.conn(), c)
    assert.is(c.isConnected, false, 'closed by the change')
    await failsWith(dj.conn().query('SELECT 1'), dj.AccessError, undefined, /Cannot connect to the database at/, /Access denied/)
  })
  assert.equal(await dj.conn().fetchAll('SELECT 1 AS one'), [{ one: 1 }], 'the restored password works again')
  assert.is.not(await c.connectionId(), id1)
  // a change of backend makes a new connection
  await dj.config.override({ 'database.backend': 'postgresql' }, () => {
    assert.is(dj.conn().dialect.name, 'postgresql')
    assert.is.not(dj.conn(), c)
  })
  const c2 = dj.conn()
  assert.is.not(c2, c)
  assert.is(c.isConnected, false)
  const id2 = await c2.connectionId()
  await dj.disconnect()
  assert.is(c2.isConnected, false)
  assert.is(await sessionExists(id2), false)
  await dj.disconnect() // twice is harmless
  const c3 = dj.conn()
  assert.is.not(c3, c2)
  assert.equal(await c3.fetchAll('SELECT 1 AS one'), [{ one: 1 }])
})

// ---------------------------------------------------------------------------------------------
// translateError: each driver error becomes a DataJointError with the statement, cause and hint

test('translated errors keep the statement, parameters and cause, and leave the session open', async () => {
  const c = connection()
  const id = await c.connectionId()
  await c.query(`INSERT INTO ${P} (id, name) VALUES (1, 'a')`)

  let sql = `INSERT INTO ${P} (id, name) VALUES (?, ?)`
  let e: DJError = await failsWith(c.query(sql, [1, 'b']), dj.DuplicateError, sql, /^Duplicate entry '1' for key 'PRIMARY'\.\n/, /skipDuplicates: true/, /replace: true/)
  assert.instance(e, dj.QueryError)
  assert.equal(e.params, [1, 'b'])
  assert.is((e.cause as { errno?: number }).errno, 1062)

  sql = `INSERT INTO ${C} (id, pid) VALUES (?, ?)`
  e = await failsWith(c.query(sql, [1, 99]), dj.IntegrityError, sql, /^The referenced parent row does not exist \(Cannot add or update a child row/, /Insert the parent row first/)
  assert.instance(e, dj.QueryError)
  assert.equal(e.params, [1, 99])

  await c.query(`INSERT INTO ${C} (id, pid) VALUES (1, 1)`)
  sql = `DELETE FROM ${P} WHERE id = ?`
  e = await failsWith(c.query(sql, [1]), dj.IntegrityError, sql, /^Cannot delete or drop: rows in another table refer to it \(Cannot delete or update a parent row/, /delete\(\) \(which cascades/, /delete the dependent rows first/)
  assert.is(await count(P), 1)
  sql = `DROP TABLE ${P}`
  await failsWith(c.query(sql), dj.IntegrityError, sql, /Cannot delete or drop/)

  sql = `SELECT * FROM \`${db}\`.\`no_such_table\``
  e = await failsWith(c.query(sql), dj.MissingTableError, sql, new RegExp(`^Table '${db}\\.no_such_table' doesn't exist\\.\\n`), /Declare the table first/, /database\.prefix/)
  assert.not.instance(e, dj.QueryError)

  sql = 'SELEC 1'
  await failsWith(c.query(sql), dj.QuerySyntaxError, sql, /^SQL syntax error: You have an error in your SQL syntax/, /near 'SELEC 1'/, /Check the restriction strings/)

  sql = `SELECT nope FROM ${P}`
  await failsWith(c.query(sql), dj.UnknownAttributeError, sql, /^Unknown column 'nope'/, /Table\.heading/)

  sql = `INSERT INTO ${P} (id, name) VALUES (?, ?)`
  e = await failsWith(c.query(sql, [2, null]), dj.MissingAttributeError, sql, /^Column 'name' cannot be null\.\n/, /not nullable: give it a value, or declare it with "= null"/)
  assert.equal(e.params, [2, null])

  sql = `INSERT INTO ${P} (id) VALUES (3)`
  await failsWith(c.query(sql), dj.MissingAttributeError, sql, /^Field 'name' doesn't have a default value/, /Provide a value for every attribute/)

  sql = `INSERT INTO ${P} (id, name) VALUES (4, 'toolong')`
  e = await failsWith(c.query(sql), dj.QueryError, sql, /Data too long for column 'name'/, /longer than the attribute type allows/)
  assert.is(e.constructor, dj.QueryError)

  assert.equal(await c.fetchAll(`SELECT id, name FROM ${P}`), [{ id: 1, name: 'a' }], 'nothing was written by the failed statements')
  assert.is(await c.connectionId(), id, 'statement errors do not drop the session')
})

test('a user without privileges gets AccessError; a wrong password gets AccessError on connect', async () => {
  const root = admin()
  await root.query(`DROP USER IF EXISTS '${NOPRIV}'@'%'`)
  await root.query(`CREATE USER '${NOPRIV}'@'%' IDENTIFIED BY '${NOPRIV_PASS}'`)
  try {
    const c = connection({ 'database.user': NOPRIV, 'database.password': NOPRIV_PASS })
    assert.equal(await c.fetchAll('SELECT CURRENT_USER() AS u'), [{ u: `${NOPRIV}@%` }])
    let sql = `SELECT * FROM ${P}`
    let e: DJError = await failsWith(c.query(sql), dj.AccessError, sql, /^Access denied: SELECT command denied to user/, /Check the user name and password/, /ask your database administrator for the privilege/)
    assert.instance(e, dj.QueryError)
    assert.is((e.cause as { errno?: number }).errno, 1142)
    sql = `CREATE DATABASE \`${prefix}forbidden\``
    e = await failsWith(c.query(sql), dj.AccessError, sql, /^Access denied: Access denied for user/)
    assert.is((e.cause as { errno?: number }).errno, 1044)
    assert.ok(c.isConnected, 'the session stays open after a refused statement')

    const bad = connection({ 'database.user': NOPRIV, 'database.password': 'wrong password' })
    e = await failsWith(bad.query('SELECT 1'), dj.AccessError, undefined,
      new RegExp(`^Cannot connect to the database at ${NOPRIV}@${dj.config.effectiveHost.replace(/\./g, '\\.')}:${dj.config.effectivePort}: Access denied: Access denied for user '${NOPRIV}'`),
      /using password: YES/, /Check the user name and password \(DJ_USER, DJ_PASS or dj\.config\.database\)/)
    assert.is((e.cause as { errno?: number }).errno, 1045)
    assert.is(bad.isConnected, false)
  } finally {
    await root.query(`DROP USER IF EXISTS '${NOPRIV}'@'%'`)
  }
})

test('an unreachable server is a LostConnectionError with a hint; a later attempt tries again', async () => {
  const c = connection({ 'database.host': '127.0.0.1', 'database.port': 1 })
  const user = dj.config.database.user
  const e = await failsWith(c.connectionId(), dj.LostConnectionError, undefined,
    new RegExp(`^Cannot connect to the database at ${user}@127\\.0\\.0\\.1:1: Lost connection to the database server: .*ECONNREFUSED`),
    /Is the server running\? Set the address with dj\.config\.database\.host\/port or DJ_HOST\/DJ_PORT\./)
  assert.is((e.cause as { code?: string }).code, 'ECONNREFUSED')
  assert.is(c.isConnected, false)
  // the failed attempt is not cached: the next one connects anew (and fails anew)
  const again = await failsWith(c.query('SELECT 1'), dj.LostConnectionError, undefined, /ECONNREFUSED/)
  assert.is.not(again, e)
})

test.run()
