import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { inspect } from 'node:util'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { DataJointError } from '../../runtime/errors.js'
import { setLogSink, type Level } from '../../runtime/logger.js'
import { Config, coerce, flatten } from '../../runtime/settings/config.js'
import { ALIASES, GROUPS, IGNORED_KEYS, KEYS } from '../../runtime/settings/keys.js'
import { findProjectConfig, loadConfig } from '../../runtime/settings/sources.js'

// ---------------------------------------------------------------------------------------------
// helpers: every test gets its own folder tree; its root holds a `.git` marker so that the
// upward search for datajoint.json never leaves it (the real /tmp or / can hold anything).

const roots: string[] = []

interface Sandbox {
  root: string
  /** the working directory (a project folder below the root) */
  cwd: string
  /** the home directory (outside the project) */
  home: string
}

function sandbox(): Sandbox {
  const root = mkdtempSync(join(tmpdir(), 'dj-config-test-'))
  roots.push(root)
  mkdirSync(join(root, '.git'))
  const cwd = join(root, 'project')
  const home = join(root, 'home')
  mkdirSync(cwd)
  mkdirSync(home)
  return { root, cwd, home }
}

function write(path: string, content: unknown): string {
  mkdirSync(dirname(path), { recursive: true })
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2))
  return path
}

/** Runs `fn`, expecting a DataJointError whose message matches every pattern. */
function throwsDJ(fn: () => unknown, ...patterns: RegExp[]): DataJointError {
  try {
    fn()
  } catch (err) {
    assert.instance(err, DataJointError)
    for (const p of patterns) assert.match((err as Error).message, p)
    return err as DataJointError
  }
  assert.unreachable(`expected a DataJointError matching ${patterns.join(', ')}`)
  throw new Error('unreachable')
}

const warnings: string[] = []
setLogSink((level: Level, message: string) => {
  if (level === 'WARNING') warnings.push(message)
})

test.before.each(() => {
  warnings.length = 0
})

test.after(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true })
})

/** The [value, source] columns of one row of explain(). */
function explainRow(config: Config, key: string): [string, string] {
  const line = config.explain().split('\n').find((l) => l.startsWith(`${key} `))
  assert.ok(line, `explain() has a row for ${key}`)
  const [k, value, source, ...rest] = line!.split(/ {2,}/)
  assert.is(k, key)
  assert.is(rest.length, 0)
  return [value!, source!]
}

const DATABASE_KEYS = ['host', 'port', 'user', 'password', 'reconnect', 'use_tls', 'backend', 'name', 'path', 'prefix', 'create_tables']

// ---------------------------------------------------------------------------------------------
// keys.ts

test('keys: every default is a valid value of its own kind', () => {
  for (const [key, spec] of Object.entries(KEYS)) {
    assert.equal(coerce(key, spec.default), spec.default, key)
    if (spec.default === null) assert.ok(spec.nullable, `${key} defaults to null so must be nullable`)
  }
})

test('keys: environment variables are unique DJ_ names, credentials use the datajoint-python names', () => {
  const envs = Object.values(KEYS).flatMap((s) => (s.env ? [s.env] : []))
  assert.is(new Set(envs).size, envs.length)
  for (const e of envs) assert.match(e, /^DJ_[A-Z_]+$/)
  assert.is(KEYS['database.host']!.env, 'DJ_HOST')
  assert.is(KEYS['database.port']!.env, 'DJ_PORT')
  assert.is(KEYS['database.user']!.env, 'DJ_USER')
  assert.is(KEYS['database.password']!.env, 'DJ_PASS')
  assert.is(KEYS.safemode!.env, 'DJ_SAFEMODE')
  assert.is(KEYS.ignore_config_file!.env, 'DJ_IGNORE_CONFIG_FILE')
  assert.equal(Object.keys(KEYS).filter((k) => KEYS[k]!.secret), ['database.password'])
})

test('keys: aliases point at real keys, ignored keys are not keys, groups prefix keys', () => {
  assert.equal(ALIASES, { 'database.database_prefix': 'database.prefix', 'display.show_row_count': 'display.show_tuple_count' })
  for (const [old, key] of Object.entries(ALIASES)) {
    assert.ok(KEYS[key], `${old} → ${key}`)
    assert.not.ok(KEYS[old])
  }
  for (const key of IGNORED_KEYS) assert.not.ok(KEYS[key], key)
  assert.ok(IGNORED_KEYS.has('fetch_format'))
  for (const g of GROUPS) assert.ok(Object.keys(KEYS).some((k) => k.startsWith(`${g}.`)), g)
  assert.equal(Object.keys(KEYS).filter((k) => k.startsWith('database.')).map((k) => k.slice(9)), DATABASE_KEYS)
})

// ---------------------------------------------------------------------------------------------
// Config: defaults, get/set, group views

test('a new Config holds the defaults, all with source "default"', () => {
  const config = new Config()
  assert.is(config.get('database.host'), 'localhost')
  assert.is(config.get('database.port'), null)
  assert.is(config.get('database.password'), null)
  assert.is(config.get('display.limit'), 12)
  assert.is(config.get('loglevel'), 'INFO')
  assert.is(config.safemode, true)
  // nothing configured: the embedded database; a host alone means a MySQL server
  assert.is(config.effectiveBackend, 'pglite')
  assert.is(config.effectiveHost, 'localhost')
  for (const key of Object.keys(KEYS)) assert.is(config.source(key), 'default', key)
  const withHost = new Config()
  withHost.set('database.host', 'db.lab.org')
  assert.equal([withHost.effectiveBackend, withHost.effectivePort], ['mysql', 3306])
  assert.equal(config.files, [])
})

test('defaults are copies: changing one Config object value does not change another Config', () => {
  const a = new Config()
  a.custom.mine = 1
  a.stores.main = { protocol: 'file' }
  const b = new Config()
  assert.equal(b.custom, {})
  assert.equal(b.stores, {})
  assert.equal(KEYS.custom!.default, {})
})

test('set/get by dotted key and through the group view agree; the source becomes "code"', () => {
  const config = new Config()
  config.set('database.host', 'db.example.org')
  assert.is(config.database.host, 'db.example.org')
  assert.is(config.source('database.host'), 'code')
  config.database.user = 'alice'
  assert.is(config.get('database.user'), 'alice')
  assert.is(config.source('database.user'), 'code')
  config.display.limit = 5
  assert.is(config.get('display.limit'), 5)
  config.jobs.default_priority = 3
  assert.is(config.get('jobs.default_priority'), 3)
  config.connection.init_function = 'SET x = 1'
  assert.is(config.get('connection.init_function'), 'SET x = 1')
  // untouched keys keep their source
  assert.is(config.source('database.port'), 'default')
  config.set('database.port', 3307, 'env DJ_PORT')
  assert.is(config.source('database.port'), 'env DJ_PORT')
})

test('top-level accessors validate too', () => {
  const config = new Config()
  config.safemode = false
  assert.is(config.get('safemode'), false)
  config.loglevel = 'debug'
  assert.is(config.loglevel, 'DEBUG')
  config.download_path = '/data'
  assert.is(config.get('download_path'), '/data')
  config.cache = '/cache'
  assert.is(config.cache, '/cache')
  config.cache = null
  assert.is(config.get('cache'), null)
  config.custom = { lab: 'x' }
  assert.equal(config.get('custom'), { lab: 'x' })
  throwsDJ(() => (config.loglevel = 'LOUD'), /`loglevel`/, /one of "DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"/)
  throwsDJ(() => ((config as unknown as { safemode: unknown }).safemode = 'maybe'), /`safemode`/)
})

test('group views: `in`, Object.keys, JSON, delete restores the default', () => {
  const config = new Config()
  assert.ok('host' in config.database)
  assert.not.ok('hots' in config.database)
  assert.equal(Object.keys(config.database), DATABASE_KEYS)
  assert.equal(Object.keys(config.display), ['limit', 'width', 'show_tuple_count', 'diagram_direction'])
  assert.is(config.database, config.database, 'the view is cached')
  config.database.host = 'h'
  assert.is(JSON.parse(JSON.stringify(config.database)).host, 'h')
  assert.ok(Reflect.deleteProperty(config.database, 'host'))
  assert.is(config.database.host, 'localhost')
  assert.is(config.source('database.host'), 'default')
  throwsDJ(() => Reflect.deleteProperty(config.database, 'hots'), /Unknown setting `database.hots`/)
})

test('a group view is not a thenable, so it can be awaited or returned from async code', async () => {
  const config = new Config()
  config.database.host = 'awaited'
  const db = await Promise.resolve(config.database)
  assert.is(db.host, 'awaited')
  const viaAsync = await (async () => config.display)()
  assert.is(viaAsync.limit, 12)
})

// ---------------------------------------------------------------------------------------------
// validation

test('unknown keys are rejected with a DataJointError that names the key', () => {
  const config = new Config()
  throwsDJ(() => config.set('database.hots', 'x'), /^Unknown setting `database\.hots`\./, /Known settings: database\.host, /)
  throwsDJ(() => config.get('nope'), /Unknown setting `nope`/)
  throwsDJ(() => config.source('nope'), /Unknown setting `nope`/)
  throwsDJ(() => coerce('nope', 1), /Unknown setting `nope`/)
  const err = throwsDJ(() => config.set('host', 'x'), /Unknown setting `host`/)
  assert.is(err.hint, 'Did you mean `database.host`?')
  throwsDJ(() => ((config.database as unknown as Record<string, unknown>).hots = 'x'), /Unknown setting `database\.hots`/)
  throwsDJ(() => (config.display as unknown as Record<string, unknown>).limt, /Unknown setting `display\.limt`/)
  // nothing was stored
  assert.is(config.get('database.host'), 'localhost')
  assert.is(config.source('database.host'), 'default')
})

test('wrong values are rejected naming the key and what is expected; the old value stays', () => {
  const config = new Config()
  config.database.port = 3307
  const err = throwsDJ(() => config.set('database.port', 'abc'))
  assert.is(err.message, 'Invalid value "abc" for setting `database.port`: expected an integer ≥ 1 and ≤ 65535 or null.')
  throwsDJ(() => config.set('database.port', 0), /`database\.port`/)
  throwsDJ(() => config.set('database.port', 65536), /`database\.port`/)
  throwsDJ(() => config.set('database.port', 3306.5), /`database\.port`/)
  throwsDJ(() => config.set('database.port', true), /`database\.port`/)
  assert.is(config.database.port, 3307)
  assert.is(config.source('database.port'), 'code')

  assert.is(throwsDJ(() => config.set('safemode', 'maybe')).message, 'Invalid value "maybe" for setting `safemode`: expected a boolean.')
  assert.is(config.safemode, true)
  throwsDJ(() => config.set('database.backend', 'oracle'), /`database\.backend`: expected one of "mysql", "postgresql", "pglite"\.$/)
  throwsDJ(() => config.set('database.host', null), /`database\.host`: expected a string\.$/)
  throwsDJ(() => config.set('database.user', 42), /`database\.user`: expected a string or null\.$/)
  throwsDJ(() => config.set('display.limit', -1), /`display\.limit`: expected an integer ≥ 0\.$/)
  throwsDJ(() => config.set('jobs.version_method', 'svn'), /`jobs\.version_method`: expected one of "git", "none" or null\.$/)
  throwsDJ(() => config.set('database.use_tls', 'sometimes'), /`database\.use_tls`: expected true, false, null or an object of TLS options/)
  throwsDJ(() => config.set('stores', []), /`stores`: expected an object\.$/)
  throwsDJ(() => config.set('custom', 'x'), /`custom`: expected an object/)
})

test('coerce converts the spellings text sources use', () => {
  // integers: numeric strings are accepted everywhere
  assert.is(coerce('database.port', '3307'), 3307)
  assert.is(coerce('database.port', ' 3307 ', true), 3307)
  assert.is(coerce('database.port', '', true), null, 'empty text clears a nullable key')
  // ...but only whole decimal numbers
  throwsDJ(() => coerce('display.limit', '', true), /`display\.limit`/)
  throwsDJ(() => coerce('display.limit', '   ', true), /`display\.limit`/)
  throwsDJ(() => coerce('database.port', '0x10', true), /`database\.port`/)
  throwsDJ(() => coerce('database.port', '1e3', true), /`database\.port`/)
  throwsDJ(() => coerce('database.port', '33o6', true), /`database\.port`/)
  // booleans
  for (const t of ['true', 'TRUE', ' yes ', 'on', '1']) assert.is(coerce('safemode', t, true), true, t)
  for (const f of ['false', 'No', 'off', '0']) assert.is(coerce('safemode', f, true), false, f)
  assert.is(coerce('safemode', 0), false)
  assert.is(coerce('safemode', 1), true)
  throwsDJ(() => coerce('safemode', 2), /`safemode`/)
  throwsDJ(() => coerce('safemode', '', true), /`safemode`/)
  // choices are normalised
  assert.is(coerce('database.backend', 'postgres'), 'postgresql')
  assert.is(coerce('database.backend', 'Postgres'), 'postgresql')
  assert.is(coerce('loglevel', 'warning'), 'WARNING')
  assert.is(coerce('display.diagram_direction', 'tb'), 'TB')
  throwsDJ(() => coerce('database.backend', 'MYSQL'), /`database\.backend`/)
  // strings: numbers become strings only when read from text
  assert.is(coerce('database.user', 42, true), '42')
  throwsDJ(() => coerce('database.user', 42), /`database\.user`/)
  // TLS
  assert.is(coerce('database.use_tls', 'true', true), true)
  assert.is(coerce('database.use_tls', 'no', true), false)
  assert.is(coerce('database.use_tls', 'none', true), null)
  assert.equal(coerce('database.use_tls', { ca: 'x' }), { ca: 'x' })
  // objects may come as JSON text
  assert.equal(coerce('stores', '{"main": {"protocol": "file"}}', true), { main: { protocol: 'file' } })
  throwsDJ(() => coerce('stores', '{"main": {"protocol": "file"}}'), /`stores`/)
  throwsDJ(() => coerce('stores', '[1]', true), /`stores`/)
})

test('old alias keys and double-underscore spellings work for get, set and source', () => {
  const config = new Config()
  config.set('database.database_prefix', 'lab_')
  assert.is(config.get('database.prefix'), 'lab_')
  assert.is(config.get('database.database_prefix'), 'lab_')
  assert.is(config.database.prefix, 'lab_')
  assert.is((config.database as unknown as Record<string, unknown>).database_prefix, 'lab_')
  assert.is(config.source('database.database_prefix'), 'code')
  config.set('display.show_row_count', false)
  assert.is(config.display.show_tuple_count, false)
  config.set('database__host', 'under.scored')
  assert.is(config.database.host, 'under.scored')
  assert.is(config.get('database__host'), 'under.scored')
})

// ---------------------------------------------------------------------------------------------
// update and stores

test('update takes nested, dotted and mixed objects', () => {
  assert.equal(flatten({ database: { host: 'a', port: 1 }, 'display.limit': 5, safemode: false, stores: { s: {} } }), [
    ['database.host', 'a'],
    ['database.port', 1],
    ['display.limit', 5],
    ['safemode', false],
    ['stores', { s: {} }],
  ])
  const config = new Config()
  config.update({ database: { host: 'nested', port: 3310, database_prefix: 'p_' }, 'display.limit': 7, display: { width: 30 }, safemode: false }, 'file /x.json')
  assert.is(config.database.host, 'nested')
  assert.is(config.database.port, 3310)
  assert.is(config.database.prefix, 'p_')
  assert.is(config.display.limit, 7)
  assert.is(config.display.width, 30)
  assert.is(config.safemode, false)
  assert.is(config.source('database.host'), 'file /x.json')
  assert.is(config.source('display.limit'), 'file /x.json')
  assert.is(config.source('database.user'), 'default')
  // `use_tls` is a value, not a group: its object is kept whole
  config.update({ database: { use_tls: { ca: 'pem' } } })
  assert.equal(config.database.use_tls, { ca: 'pem' })
})

test('update: keys of datajoint-python 0.14 are ignored, unknown keys throw or go to onUnknown, skip skips', () => {
  const config = new Config()
  config.update({ fetch_format: 'array', add_hidden_timestamp: false, 'database.host': 'h' })
  assert.is(config.database.host, 'h')
  throwsDJ(() => config.update({ 'database.hots': 'x' }), /Unknown setting `database\.hots`/)
  const unknown: string[] = []
  config.update({ 'database.hots': 'x', databse: { host: 'y' }, 'display.limit': 3 }, 'code', { onUnknown: (k) => unknown.push(k) })
  assert.equal(unknown, ['database.hots', 'databse'])
  assert.is(config.display.limit, 3)
  config.update({ 'database.host': 'skipped', 'database.user': 'kept' }, 'code', { skip: (k) => k === 'database.host' })
  assert.is(config.database.host, 'h')
  assert.is(config.database.user, 'kept')
})

test('stores: whole stores and single entries, read by dotted key', () => {
  const config = new Config()
  config.set('stores.main', { protocol: 'file', location: '/data' })
  config.set('stores.main.subfolding', [2, 2])
  config.set('stores.s3.protocol', 's3')
  assert.equal(config.stores, { main: { protocol: 'file', location: '/data', subfolding: [2, 2] }, s3: { protocol: 's3' } })
  assert.is(config.get('stores.main.location'), '/data')
  assert.equal(config.get('stores.s3'), { protocol: 's3' })
  assert.is(config.get('stores.missing'), undefined)
  assert.is(config.source('stores'), 'code')
  throwsDJ(() => config.set('stores.main', 'file'), /`stores`: expected an object/)
  config.update({ stores: { other: { protocol: 'file' } } })
  assert.equal(Object.keys(config.stores), ['other'])
})

// ---------------------------------------------------------------------------------------------
// host:port

test('effectiveHost/effectivePort: "host:port" beats database.port, which beats the backend default', () => {
  const config = new Config()
  config.database.backend = 'postgresql'
  assert.is(config.effectivePort, 5432)
  config.database.port = 3308
  assert.is(config.effectivePort, 3308)
  config.database.host = 'db.example.org:3307'
  assert.is(config.effectivePort, 3307)
  assert.is(config.effectiveHost, 'db.example.org')
  assert.is(config.database.host, 'db.example.org:3307', 'the setting itself is kept as given')
  config.database.host = 'db.example.org'
  assert.is(config.effectivePort, 3308)
  assert.is(config.effectiveHost, 'db.example.org')
})

test('effectiveHost/effectivePort with IPv6 literals', () => {
  const config = new Config()
  config.database.host = '[::1]:3310'
  assert.is(config.effectiveHost, '::1')
  assert.is(config.effectivePort, 3310)
  config.database.host = '[::1]'
  assert.is(config.effectiveHost, '::1')
  assert.is(config.effectivePort, 3306)
  config.database.host = 'fe80::1'
  assert.is(config.effectiveHost, 'fe80::1', 'a bare IPv6 address has no port suffix')
  assert.is(config.effectivePort, 3306)
})

// ---------------------------------------------------------------------------------------------
// printing: secrets masked

test('the password is masked in toJSON, toString, explain, util.inspect and the group view', () => {
  const config = new Config()
  config.database.password = 'hunter2'
  config.set('stores.s3', { protocol: 's3', access_key: 'AKIA', secret_key: 'shh', token: 'tok' })
  const printed = [
    JSON.stringify(config.toJSON()),
    JSON.stringify(config),
    String(config),
    `${config}`,
    config.explain(),
    inspect(config, { depth: 10 }),
    inspect(config.database),
    JSON.stringify(config.database),
    JSON.stringify({ nested: config }),
  ]
  for (const text of printed) {
    assert.not.match(text, 'hunter2')
    assert.not.match(text, 'shh')
    assert.not.match(text, 'tok"')
    assert.match(text, '********')
  }
  assert.is((config.toJSON().database as Record<string, unknown>).password, '********')
  assert.equal((config.toJSON().stores as Record<string, unknown>).s3, { protocol: 's3', access_key: 'AKIA', secret_key: '********', token: '********' })
  assert.match(inspect(config.database), "password: '********'")
  assert.match(inspect(config.database), "host: 'localhost'")
  // the value itself is readable, and toJSON({secrets: true}) shows it
  assert.is(config.database.password, 'hunter2')
  const all = config.toJSON({ secrets: true })
  assert.is((all.database as Record<string, unknown>).password, 'hunter2')
  assert.is(((all.stores as Record<string, Record<string, unknown>>).s3)!.secret_key, 'shh')
})

test('an unset password is shown as null, not masked', () => {
  const config = new Config()
  assert.is((config.toJSON().database as Record<string, unknown>).password, null)
  assert.equal(explainRow(config, 'database.password'), ['null', 'default'])
})

test('toJSON is nested like datajoint.json, with every key', () => {
  const config = new Config()
  config.database.host = 'h'
  const json = config.toJSON()
  assert.equal(json.database, { host: 'h', port: null, user: null, password: null, reconnect: true, use_tls: null, backend: 'mysql', name: null, path: null, prefix: '', create_tables: true })
  assert.equal(json.display, { limit: 12, width: 14, show_tuple_count: true, diagram_direction: 'LR' })
  assert.is(json.safemode, true)
  assert.equal(json.stores, {})
  assert.not.ok('database.host' in json)
  const leaves = (o: Record<string, unknown>): number =>
    Object.entries(o).reduce((n, [k, v]) => n + (v && typeof v === 'object' && (GROUPS as readonly string[]).includes(k) ? leaves(v as Record<string, unknown>) : 1), 0)
  assert.is(leaves(json), Object.keys(KEYS).length)
})

test('explain lists every key with its displayed value and source', () => {
  const config = new Config()
  config.database.host = 'db'
  config.set('database.port', '3307', 'env DJ_PORT')
  config.database.password = 'hunter2'
  const lines = config.explain().split('\n')
  assert.is(lines.length, Object.keys(KEYS).length)
  assert.equal(explainRow(config, 'database.host'), ['"db"', 'code'])
  assert.equal(explainRow(config, 'database.port'), ['3307', 'env DJ_PORT'])
  assert.equal(explainRow(config, 'database.password'), ['"********"', 'code'])
  assert.equal(explainRow(config, 'safemode'), ['true', 'default'])
  assert.is(String(config), config.explain())
})

// ---------------------------------------------------------------------------------------------
// save

test('save writes the non-default settings, leaving secrets out unless asked', async () => {
  const { cwd, home } = sandbox()
  const config = new Config()
  config.database.host = 'db.example.org'
  config.database.port = 3307
  config.database.password = 'hunter2'
  config.safemode = false
  config.set('stores.main', { protocol: 'file', location: '/data', secret_key: 'shh' })
  const path = join(cwd, 'datajoint.json')
  await config.save(path)
  const text = readFileSync(path, 'utf8')
  assert.ok(text.endsWith('}\n'))
  assert.equal(JSON.parse(text), {
    database: { host: 'db.example.org', port: 3307 },
    safemode: false,
    stores: { main: { protocol: 'file', location: '/data' } },
  })
  // what was saved loads back
  const loaded = loadConfig({ cwd, home, env: {} })
  assert.is(loaded.database.host, 'db.example.org')
  assert.is(loaded.database.port, 3307)
  assert.is(loaded.safemode, false)
  assert.is(loaded.database.password, null)
  assert.is(loaded.source('database.port'), `file ${path}`)

  const withSecrets = join(cwd, 'all.json')
  await config.save(withSecrets, { secrets: true })
  assert.equal(JSON.parse(readFileSync(withSecrets, 'utf8')), {
    database: { host: 'db.example.org', port: 3307, password: 'hunter2' },
    safemode: false,
    stores: { main: { protocol: 'file', location: '/data', secret_key: 'shh' } },
  })
})

// ---------------------------------------------------------------------------------------------
// onChange, override, reset

test('onChange hears every change by its canonical key, until unsubscribed', () => {
  const config = new Config()
  const heard: string[] = []
  const off = config.onChange((k) => heard.push(k))
  config.set('database.host', 'a')
  config.database.user = 'u'
  config.set('database.database_prefix', 'p_')
  config.update({ database: { password: 'pw' }, 'display.limit': 3 })
  config.set('stores.main.protocol', 'file')
  Reflect.deleteProperty(config.database, 'user')
  try {
    config.set('database.port', 'abc')
  } catch {
    /* a rejected value is no change */
  }
  assert.equal(heard, ['database.host', 'database.user', 'database.prefix', 'database.password', 'display.limit', 'stores', 'database.user'])
  off()
  config.set('database.host', 'b')
  assert.is(heard.length, 7)
})

test('override applies values for the callback only and restores values and sources', async () => {
  const config = new Config()
  config.database.host = 'outer'
  const inside = await config.override({ database: { host: 'inner' }, safemode: false, 'display.limit': 2 }, () => {
    return [config.database.host, config.safemode, config.display.limit, config.source('safemode')] as const
  })
  assert.equal(inside, ['inner', false, 2, 'code'])
  assert.is(config.database.host, 'outer')
  assert.is(config.safemode, true)
  assert.is(config.display.limit, 12)
  assert.is(config.source('safemode'), 'default')
  assert.is(config.source('display.limit'), 'default')
  // async callbacks are awaited before restoring
  const late = await config.override({ 'database.user': 'temp' }, async () => {
    await new Promise((r) => setTimeout(r, 5))
    return config.database.user
  })
  assert.is(late, 'temp')
  assert.is(config.database.user, null)
})

test('override restores also when the callback throws or a value is invalid', async () => {
  const config = new Config()
  try {
    await config.override({ 'database.host': 'inner' }, () => {
      throw new Error('boom')
    })
    assert.unreachable('should have thrown')
  } catch (err) {
    assert.is((err as Error).message, 'boom')
  }
  assert.is(config.database.host, 'localhost')
  assert.is(config.source('database.host'), 'default')
  let ran = false
  try {
    await config.override({ 'database.host': 'first', 'database.port': 'abc' }, () => {
      ran = true
    })
    assert.unreachable('should have thrown')
  } catch (err) {
    assert.instance(err, DataJointError)
    assert.match((err as Error).message, /`database\.port`/)
  }
  assert.is(ran, false)
  assert.is(config.database.host, 'localhost', 'the valid part of a rejected override is undone')
})

test('override tells listeners about every setting it restores, including ones the callback changed', async () => {
  const config = new Config()
  const heard: string[] = []
  config.onChange((k) => heard.push(k))
  await config.override({ safemode: false }, () => {
    config.database.host = 'changed-inside'
    heard.length = 0
  })
  assert.is(config.database.host, 'localhost')
  assert.equal(heard.sort(), ['database.host', 'safemode'])
})

test('reset restores every default and tells listeners which settings changed', () => {
  const config = new Config()
  config.database.host = 'h'
  config.set('database.port', 3307, 'env DJ_PORT')
  config.custom.mine = 1
  config.files.push('/some/file.json')
  const heard: string[] = []
  config.onChange((k) => heard.push(k))
  config.reset()
  assert.is(config.database.host, 'localhost')
  assert.is(config.database.port, null)
  assert.is(config.source('database.port'), 'default')
  assert.equal(config.custom, {})
  assert.equal(config.files, [])
  assert.equal(heard, ['database.host', 'database.port'])
})

// ---------------------------------------------------------------------------------------------
// sources.ts: finding files

test('findProjectConfig: the working directory, then its parents', () => {
  const { root, cwd } = sandbox()
  const deep = join(cwd, 'src', 'analysis')
  mkdirSync(deep, { recursive: true })
  assert.is(findProjectConfig(deep), null)
  const atProject = write(join(cwd, 'datajoint.json'), {})
  assert.is(findProjectConfig(deep), atProject)
  assert.is(findProjectConfig(cwd), atProject)
  const nearer = write(join(cwd, 'src', 'datajoint.json'), {})
  assert.is(findProjectConfig(deep), nearer)
  assert.is(findProjectConfig(join(deep, '..', 'analysis')), nearer, 'relative segments are resolved')
  // the repository root's own datajoint.json counts
  rmSync(atProject)
  rmSync(nearer)
  const atRoot = write(join(root, 'datajoint.json'), {})
  assert.is(findProjectConfig(deep), atRoot)
})

test('findProjectConfig stops at a .git or .hg folder (or .git file) and does not look above it', () => {
  const { root, cwd } = sandbox()
  write(join(root, 'datajoint.json'), {})
  const repo = join(cwd, 'repo')
  mkdirSync(join(repo, 'src'), { recursive: true })
  mkdirSync(join(repo, '.hg'))
  assert.is(findProjectConfig(join(repo, 'src')), null)
  rmSync(join(repo, '.hg'), { recursive: true })
  write(join(repo, '.git'), 'gitdir: ../elsewhere')
  assert.is(findProjectConfig(join(repo, 'src')), null)
  rmSync(join(repo, '.git'))
  assert.is(findProjectConfig(join(repo, 'src')), join(root, 'datajoint.json'))
})

// ---------------------------------------------------------------------------------------------
// loadConfig: precedence

test('loadConfig without files or env gives the defaults', () => {
  const { cwd, home } = sandbox()
  const config = loadConfig({ cwd, home, env: {} })
  assert.equal(config.files, [])
  for (const key of Object.keys(KEYS)) assert.is(config.source(key), 'default', key)
  assert.equal(config.toJSON({ secrets: true }), new Config().toJSON({ secrets: true }))
})

test('dj_local_conf.json in cwd is read; ~/.datajoint_config.json only when there is none', () => {
  const { cwd, home } = sandbox()
  const global = write(join(home, '.datajoint_config.json'), { 'database.host': 'global', 'database.user': 'gu' })
  let config = loadConfig({ cwd, home, env: {} })
  assert.is(config.database.host, 'global')
  assert.is(config.database.user, 'gu')
  assert.is(config.source('database.host'), `file ${global}`)
  assert.equal(config.files, [global])

  const local = write(join(cwd, 'dj_local_conf.json'), { 'database.host': 'local' })
  config = loadConfig({ cwd, home, env: {} })
  assert.is(config.database.host, 'local')
  assert.is(config.database.user, null, 'the global file is not read at all when a local one exists')
  assert.is(config.source('database.host'), `file ${local}`)
  assert.equal(config.files, [local])
})

test('dj_local_conf.json is looked for in cwd only, not in parents', () => {
  const { cwd, home } = sandbox()
  write(join(cwd, 'dj_local_conf.json'), { 'database.host': 'parent' })
  const sub = join(cwd, 'sub')
  mkdirSync(sub)
  assert.is(loadConfig({ cwd: sub, home, env: {} }).database.host, 'localhost')
})

test('datajoint.json (found upward) overrides the 0.14 file', () => {
  const { cwd, home } = sandbox()
  const sub = join(cwd, 'notebooks')
  mkdirSync(sub)
  const local = write(join(sub, 'dj_local_conf.json'), { 'database.host': 'local', 'database.user': 'lu', 'display.limit': 3 })
  const project = write(join(cwd, 'datajoint.json'), { database: { host: 'project', port: 3310 } })
  const config = loadConfig({ cwd: sub, home, env: {} })
  assert.is(config.database.host, 'project')
  assert.is(config.database.port, 3310)
  assert.is(config.database.user, 'lu')
  assert.is(config.display.limit, 3)
  assert.is(config.source('database.host'), `file ${project}`)
  assert.is(config.source('database.user'), `file ${local}`)
  assert.equal(config.files, [local, project])
})

test('.secrets next to datajoint.json fills only keys still at their default', () => {
  const { cwd, home } = sandbox()
  const sub = join(cwd, 'src')
  mkdirSync(sub)
  write(join(cwd, 'datajoint.json'), { 'database.host': 'project', 'database.user': 'from-file' })
  const secrets = join(cwd, '.secrets')
  write(join(secrets, 'database.password'), 'hunter2\n')
  write(join(secrets, 'database.user'), 'from-secret')
  write(join(secrets, 'database__port'), '3311\n')
  write(join(secrets, 'README.md'), 'not a key')
  write(join(secrets, 'fetch_format'), 'array')
  const config = loadConfig({ cwd: sub, home, env: {} })
  assert.is(config.database.password, 'hunter2', 'trailing newline trimmed')
  assert.is(config.source('database.password'), `secret ${join(secrets, 'database.password')}`)
  assert.is(config.database.port, 3311)
  assert.is(config.source('database.port'), `secret ${join(secrets, 'database__port')}`)
  assert.is(config.database.user, 'from-file')
  assert.is(config.source('database.user'), `file ${join(cwd, 'datajoint.json')}`)
  assert.equal(warnings, [])
})

test('.secrets does not override the 0.14 file either, and is not read without datajoint.json', () => {
  const { cwd, home } = sandbox()
  write(join(cwd, 'dj_local_conf.json'), { 'database.password': 'from-local' })
  write(join(cwd, '.secrets', 'database.password'), 'from-secret')
  write(join(cwd, '.secrets', 'database.user'), 'secret-user')
  let config = loadConfig({ cwd, home, env: {} })
  assert.is(config.database.password, 'from-local')
  assert.is(config.database.user, null, 'no datajoint.json: no secrets folder')
  write(join(cwd, 'datajoint.json'), {})
  config = loadConfig({ cwd, home, env: {} })
  assert.is(config.database.password, 'from-local')
  assert.is(config.database.user, 'secret-user')
})

test('.secrets fills store entries only when the files leave them unset', () => {
  const { cwd, home } = sandbox()
  write(join(cwd, 'datajoint.json'), { stores: { main: { protocol: 's3', secret_key: 'in-file' }, raw: { protocol: 's3' } } })
  write(join(cwd, '.secrets', 'stores.main.secret_key'), 'from-secret')
  write(join(cwd, '.secrets', 'stores.raw.secret_key'), 'raw-secret\n')
  const config = loadConfig({ cwd, home, env: {} })
  assert.equal(config.toJSON({ secrets: true }).stores, {
    main: { protocol: 's3', secret_key: 'in-file' },
    raw: { protocol: 's3', secret_key: 'raw-secret' },
  })
})

test('environment variables override files and secrets', () => {
  const { cwd, home } = sandbox()
  write(join(cwd, 'dj_local_conf.json'), { 'database.host': 'local', safemode: true, loglevel: 'ERROR' })
  write(join(cwd, 'datajoint.json'), { 'database.host': 'project', 'database.port': 3310 })
  write(join(cwd, '.secrets', 'database.password'), 'secret')
  write(join(cwd, '.secrets', 'database.user'), 'secret-user')
  const config = loadConfig({
    cwd,
    home,
    env: { DJ_HOST: 'env-host', DJ_PORT: '3320', DJ_PASS: 'env-pass', DJ_SAFEMODE: 'false', DJ_LOG_LEVEL: 'debug', DJ_BACKEND: 'postgres', DJ_USER: '' },
  })
  assert.is(config.database.host, 'env-host')
  assert.is(config.source('database.host'), 'env DJ_HOST')
  assert.is(config.database.port, 3320)
  assert.is(config.source('database.port'), 'env DJ_PORT')
  assert.is(config.database.password, 'env-pass')
  assert.is(config.source('database.password'), 'env DJ_PASS')
  assert.is(config.safemode, false)
  assert.is(config.source('safemode'), 'env DJ_SAFEMODE')
  assert.is(config.loglevel, 'DEBUG')
  assert.is(config.database.backend, 'postgresql')
  // an empty variable counts as unset
  assert.is(config.database.user, 'secret-user')
  assert.is(config.source('database.user'), `secret ${join(cwd, '.secrets', 'database.user')}`)
  // and code beats everything
  config.database.host = 'code-host'
  assert.is(config.source('database.host'), 'code')
  assert.equal(explainRow(config, 'database.port'), ['3320', 'env DJ_PORT'])
  assert.equal(explainRow(config, 'database.password'), ['"********"', 'env DJ_PASS'])
})

test('every KEYS[].env variable is read, converted from text', () => {
  const { cwd, home } = sandbox()
  const env: Record<string, string> = {
    DJ_USE_TLS: 'false',
    DJ_DATABASE_NAME: 'pg',
    DJ_DATABASE_PATH: 'memory://',
    DJ_DATABASE_PREFIX: 'lab_',
    DJ_CREATE_TABLES: 'no',
    DJ_DIAGRAM_DIRECTION: 'tb',
    DJ_JOBS_AUTO_REFRESH: '0',
    DJ_JOBS_KEEP_COMPLETED: 'yes',
    DJ_JOBS_STALE_TIMEOUT: '60',
    DJ_JOBS_DEFAULT_PRIORITY: '1',
    DJ_JOBS_VERSION_METHOD: 'git',
    DJ_JOBS_ALLOW_NEW_PK_FIELDS_IN_COMPUTED_TABLES: 'true',
    DJ_JOBS_ADD_JOB_METADATA: 'on',
  }
  const config = loadConfig({ cwd, home, env })
  assert.equal(config.toJSON().jobs, {
    auto_refresh: false, keep_completed: true, stale_timeout: 60, default_priority: 1, version_method: 'git',
    allow_new_pk_fields_in_computed_tables: true, add_job_metadata: true,
  })
  assert.is(config.database.use_tls, false)
  assert.is(config.database.name, 'pg')
  assert.is(config.database.path, 'memory://')
  assert.is(config.database.prefix, 'lab_')
  assert.is(config.database.create_tables, false)
  assert.is(config.display.diagram_direction, 'TB')
  for (const [key, spec] of Object.entries(KEYS)) {
    if (spec.env && env[spec.env] !== undefined) assert.is(config.source(key), `env ${spec.env}`, key)
  }
})

test('"host:port" from DJ_HOST overrides DJ_PORT for the connection', () => {
  const { cwd, home } = sandbox()
  const config = loadConfig({ cwd, home, env: { DJ_HOST: 'db.lab:3399', DJ_PORT: '3306' } })
  assert.is(config.effectiveHost, 'db.lab')
  assert.is(config.effectivePort, 3399)
  assert.is(config.database.port, 3306)
})

test('invalid environment values are rejected naming the key', () => {
  const { cwd, home } = sandbox()
  throwsDJ(() => loadConfig({ cwd, home, env: { DJ_PORT: 'abc' } }), /^Invalid value "abc" for setting `database\.port`: expected an integer/)
  throwsDJ(() => loadConfig({ cwd, home, env: { DJ_SAFEMODE: 'maybe' } }), /^Invalid value "maybe" for setting `safemode`: expected a boolean\.$/)
  throwsDJ(() => loadConfig({ cwd, home, env: { DJ_BACKEND: 'oracle' } }), /`database\.backend`/)
})

test('DJ_IGNORE_CONFIG_FILE=true skips every file and the secrets, but not the environment', () => {
  const { cwd, home } = sandbox()
  write(join(cwd, 'dj_local_conf.json'), { 'database.host': 'local' })
  write(join(home, '.datajoint_config.json'), { 'database.host': 'global' })
  write(join(cwd, 'datajoint.json'), { 'database.port': 3310 })
  write(join(cwd, '.secrets', 'database.password'), 'secret')
  for (const flag of ['true', 'TRUE', '1', 'yes']) {
    const config = loadConfig({ cwd, home, env: { DJ_IGNORE_CONFIG_FILE: flag, DJ_USER: 'env-user' } })
    assert.equal(config.files, [], flag)
    assert.is(config.database.host, 'localhost', flag)
    assert.is(config.database.port, null, flag)
    assert.is(config.database.password, null, flag)
    assert.is(config.database.user, 'env-user', flag)
    assert.is(config.ignore_config_file, true)
    assert.is(config.source('ignore_config_file'), 'env DJ_IGNORE_CONFIG_FILE')
  }
  const config = loadConfig({ cwd, home, env: { DJ_IGNORE_CONFIG_FILE: 'false' } })
  assert.is(config.database.host, 'local')
  assert.is(config.database.port, 3310)
  assert.is(config.database.password, 'secret')
  assert.is(config.ignore_config_file, false)
})

// ---------------------------------------------------------------------------------------------
// loadConfig: file formats and errors

test('a 0.14 dj_local_conf.json loads as datajoint-python writes it, old keys ignored silently', () => {
  const { cwd, home } = sandbox()
  write(join(cwd, 'dj_local_conf.json'), {
    'database.host': 'db.lab.org',
    'database.password': 'pw',
    'database.user': 'alice',
    'database.port': 3306,
    'database.reconnect': true,
    'connection.init_function': null,
    'connection.charset': '',
    loglevel: 'INFO',
    safemode: true,
    fetch_format: 'array',
    'display.limit': 7,
    'display.width': 14,
    'display.show_tuple_count': true,
    'database.use_tls': null,
    enable_python_native_blobs: true,
    add_hidden_timestamp: false,
    filepath_checksum_size_limit: null,
    'database.database_prefix': 'old_',
    stores: { raw: { protocol: 'file', location: '/raw' } },
    cache: null,
    query_cache: null,
    custom: { lab: 'x' },
  })
  const config = loadConfig({ cwd, home, env: {} })
  assert.equal(warnings, [])
  assert.is(config.database.host, 'db.lab.org')
  assert.is(config.database.user, 'alice')
  assert.is(config.database.password, 'pw')
  assert.is(config.database.port, 3306)
  assert.is(config.database.prefix, 'old_')
  assert.is(config.display.limit, 7)
  assert.equal(config.stores, { raw: { protocol: 'file', location: '/raw' } })
  assert.equal(config.custom, { lab: 'x' })
  assert.is(config.source('database.prefix'), `file ${join(cwd, 'dj_local_conf.json')}`)
  assert.is(config.source('cache'), `file ${join(cwd, 'dj_local_conf.json')}`)
})

test('nested and dotted datajoint.json, text numbers and booleans accepted', () => {
  const { cwd, home } = sandbox()
  write(join(cwd, 'datajoint.json'), {
    database: { host: 'nested', port: '3312', backend: 'Postgres' },
    'display.limit': 20,
    display: { show_row_count: 'false' },
    jobs: { stale_timeout: '120' },
    safemode: 'no',
  })
  const config = loadConfig({ cwd, home, env: {} })
  assert.is(config.database.host, 'nested')
  assert.is(config.database.port, 3312)
  assert.is(config.database.backend, 'postgresql')
  assert.is(config.effectivePort, 3312)
  assert.is(config.display.limit, 20)
  assert.is(config.display.show_tuple_count, false)
  assert.is(config.jobs.stale_timeout, 120)
  assert.is(config.safemode, false)
})

test('unknown keys in files are warned about and skipped, not fatal', () => {
  const { cwd, home } = sandbox()
  const path = write(join(cwd, 'datajoint.json'), { 'database.hots': 'x', databse: { host: 'y' }, 'database.host': 'ok' })
  const config = loadConfig({ cwd, home, env: {} })
  assert.is(config.database.host, 'ok')
  assert.equal(warnings, [`${path}: unknown setting "database.hots" ignored.`, `${path}: unknown setting "databse" ignored.`])
})

test('broken files and invalid values in files are DataJointErrors naming the file or key', () => {
  const { cwd, home } = sandbox()
  const path = write(join(cwd, 'datajoint.json'), '{"database.host": ')
  const err = throwsDJ(() => loadConfig({ cwd, home, env: {} }), /The config file .*datajoint\.json is not a JSON object/)
  assert.ok(err.message.includes(path))
  write(path, '["database.host"]')
  throwsDJ(() => loadConfig({ cwd, home, env: {} }), /is not a JSON object: not an object\./)
  write(path, 'null')
  throwsDJ(() => loadConfig({ cwd, home, env: {} }), /is not a JSON object/)
  write(path, { 'database.port': 'abc' })
  throwsDJ(() => loadConfig({ cwd, home, env: {} }), /^Invalid value "abc" for setting `database\.port`/)
  write(path, { 'display.limit': '' })
  throwsDJ(() => loadConfig({ cwd, home, env: {} }), /`display\.limit`: expected an integer ≥ 0/)
  write(path, { 'database.port': '' })
  assert.is(loadConfig({ cwd, home, env: {} }).database.port, null, 'empty text clears a nullable key')
})

test.run()
