/**
 * `dj.config`: DataJoint's settings. Values come, in increasing precedence, from the defaults,
 * the config files (`dj_local_conf.json` or `~/.datajoint_config.json` as 0.14 reads them, then
 * `datajoint.json` as 2.x finds it), the secrets folder, the `DJ_*` environment variables, and
 * assignments in code. Access is nested (`config.database.host`) or dotted
 * (`config.get('database.host')`); unknown keys are rejected; secrets are masked when printed.
 */
import { inspect } from 'node:util'
import { DataJointError } from '../errors.js'
import { ALIASES, GROUPS, IGNORED_KEYS, KEYS, type KeySpec } from './keys.js'

export type Source = 'default' | 'code' | `env ${string}` | `file ${string}` | `secret ${string}`

export interface DatabaseSettings {
  host: string
  port: number | null
  user: string | null
  password: string | null
  reconnect: boolean
  use_tls: boolean | null | Record<string, unknown>
  backend: 'mysql' | 'postgresql' | 'pglite'
  name: string | null
  path: string | null
  prefix: string
  create_tables: boolean
}
export interface ConnectionSettings { charset: string; init_function: string | null }
export interface DisplaySettings { limit: number; width: number; show_tuple_count: boolean; diagram_direction: 'TB' | 'LR' }
export interface JobsSettings {
  auto_refresh: boolean
  keep_completed: boolean
  stale_timeout: number
  default_priority: number
  version_method: 'git' | 'none' | null
  allow_new_pk_fields_in_computed_tables: boolean
  add_job_metadata: boolean
}
export type StoreSpec = Record<string, unknown>

const SECRET_MASK = '********'

function canonicalKey(key: string): string {
  const k = key.includes('__') && !key.includes('.') ? key.replace(/__/g, '.') : key
  return ALIASES[k] ?? k
}

function describeKind(spec: KeySpec): string {
  const k = spec.kind
  const base =
    k.type === 'choice' ? `one of ${k.choices.map((c) => JSON.stringify(c)).join(', ')}` :
    k.type === 'int' ? 'an integer' + (k.min !== undefined ? ` ≥ ${k.min}` : '') + (k.max !== undefined ? ` and ≤ ${k.max}` : '') :
    k.type === 'tls' ? 'true, false, null or an object of TLS options' :
    k.type === 'object' ? 'an object' : `a ${k.type}`
  return spec.nullable ? `${base} or null` : base
}

/** Checks and normalises one value; strings from env vars and files are converted. */
export function coerce(key: string, value: unknown, fromText = false): unknown {
  const spec = KEYS[key]
  if (!spec) throw unknownKey(key)
  const bad = () => new DataJointError(`Invalid value ${JSON.stringify(value)} for setting \`${key}\`: expected ${describeKind(spec)}.`)
  if (value === null || value === undefined || (fromText && value === '' && spec.nullable)) {
    if (spec.nullable) return null
    throw bad()
  }
  const kind = spec.kind
  switch (kind.type) {
    case 'string':
      if (typeof value === 'string') return value
      if (fromText && (typeof value === 'number' || typeof value === 'boolean')) return String(value)
      throw bad()
    case 'int': {
      // whole decimal numbers only: Number() alone would turn '' into 0 and take '0x10' or '1e3'
      const n = typeof value === 'string' && /^\s*-?\d+\s*$/.test(value) ? Number(value.trim()) : value
      if (typeof n !== 'number' || !Number.isInteger(n)) throw bad()
      if ((kind.min !== undefined && n < kind.min) || (kind.max !== undefined && n > kind.max)) throw bad()
      return n
    }
    case 'boolean': {
      if (typeof value === 'boolean') return value
      if (typeof value === 'string') {
        const t = value.trim().toLowerCase()
        if (['true', '1', 'yes', 'on'].includes(t)) return true
        if (['false', '0', 'no', 'off'].includes(t)) return false
      }
      if (value === 1 || value === 0) return value === 1
      throw bad()
    }
    case 'choice': {
      let v = typeof value === 'string' ? value : undefined
      if (v === undefined) throw bad()
      if (key === 'database.backend' && v.toLowerCase() === 'postgres') v = 'postgresql'
      if (key === 'loglevel') v = v.toUpperCase()
      if (key === 'display.diagram_direction') v = v.toUpperCase()
      if (!kind.choices.includes(v)) throw bad()
      return v
    }
    case 'tls': {
      if (typeof value === 'boolean') return value
      if (typeof value === 'string') {
        const t = value.trim().toLowerCase()
        if (['true', '1', 'yes'].includes(t)) return true
        if (['false', '0', 'no'].includes(t)) return false
        if (t === '' || t === 'none' || t === 'null') return null
      }
      if (typeof value === 'object') return value
      throw bad()
    }
    case 'object': {
      if (typeof value === 'string' && fromText) {
        try {
          const parsed: unknown = JSON.parse(value)
          if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed
        } catch {
          /* reported below */
        }
      }
      if (value && typeof value === 'object' && !Array.isArray(value)) return value
      throw bad()
    }
  }
}

function unknownKey(key: string): DataJointError {
  const known = Object.keys(KEYS)
  const close = known.filter((k) => k.endsWith(`.${key}`) || k.split('.').pop() === key.split('.').pop())
  const hint = close.length ? `Did you mean ${close.map((k) => `\`${k}\``).join(' or ')}?` : `Known settings: ${known.join(', ')}.`
  return new DataJointError(`Unknown setting \`${key}\`.`, { hint })
}

function deepClone<T>(v: T): T {
  return v && typeof v === 'object' ? (JSON.parse(JSON.stringify(v)) as T) : v
}

export class Config {
  #values = new Map<string, unknown>()
  #sources = new Map<string, Source>()
  /** files that were read, in order */
  readonly files: string[] = []
  readonly #groups = new Map<string, object>()
  /** called with the key after every change (the connection resets itself on credential changes) */
  readonly #listeners = new Set<(key: string) => void>()

  constructor() {
    this.reset()
  }

  /** Restores every default (file, env and code values are forgotten). */
  reset(): void {
    // keys that leave a non-default value are changes listeners must hear about
    const changed = [...this.#sources].filter(([, source]) => source !== 'default').map(([key]) => key)
    this.#values.clear()
    this.#sources.clear()
    this.files.length = 0
    for (const [key, spec] of Object.entries(KEYS)) {
      this.#values.set(key, deepClone(spec.default))
      this.#sources.set(key, 'default')
    }
    for (const key of changed) this.#notify(key)
  }

  get(key: string): unknown {
    const k = canonicalKey(key)
    if (!KEYS[k]) {
      if (k.startsWith('stores.')) return this.#store(k)
      throw unknownKey(key)
    }
    return this.#values.get(k)
  }

  /** Sets one value (dotted key). `source` records where it came from, for `explain()`. */
  set(key: string, value: unknown, source: Source = 'code'): void {
    const k = canonicalKey(key)
    if (!KEYS[k] && k.startsWith('stores.')) {
      const [, name, ...rest] = k.split('.')
      const stores = { ...(this.#values.get('stores') as Record<string, StoreSpec>) }
      if (rest.length === 0) stores[name!] = coerce('stores', value, source !== 'code') as StoreSpec
      else stores[name!] = { ...(stores[name!] ?? {}), [rest.join('.')]: value }
      this.#values.set('stores', stores)
      this.#sources.set('stores', source)
      this.#notify('stores')
      return
    }
    const v = coerce(k, value, source !== 'code')
    this.#values.set(k, v)
    this.#sources.set(k, source)
    this.#notify(k)
  }

  /** Sets many values from a nested or dotted object (the shape of the JSON config files). */
  update(values: Record<string, unknown>, source: Source = 'code', options: { skip?: (key: string) => boolean; onUnknown?: (key: string) => void } = {}): void {
    for (const [key, value] of flatten(values)) {
      const k = canonicalKey(key)
      if (options.skip?.(k)) continue
      if (!KEYS[k] && !k.startsWith('stores.')) {
        if (IGNORED_KEYS.has(k)) continue
        if (options.onUnknown) {
          options.onUnknown(key)
          continue
        }
      }
      this.set(k, value, source)
    }
  }

  /** Where each current value came from. */
  source(key: string): Source {
    const k = canonicalKey(key)
    if (!KEYS[k]) throw unknownKey(key)
    return this.#sources.get(k) ?? 'default'
  }

  /**
   * Runs `fn` with temporary settings and restores the previous ones afterwards, also when `fn`
   * throws. Keys may be dotted (`'database.host'`) or nested objects.
   */
  async override<T>(values: Record<string, unknown>, fn: () => T | Promise<T>): Promise<T> {
    const saved = new Map(this.#values)
    const savedSources = new Map(this.#sources)
    try {
      this.update(values)
      return await fn()
    } finally {
      const current = this.#values
      this.#values = saved
      this.#sources = savedSources
      const changed = new Set(flatten(values).map(([k]) => canonicalKey(k)))
      // settings `fn` changed itself are restored too, so listeners must hear of them as well
      for (const [key, value] of current) if (value !== saved.get(key)) changed.add(key)
      for (const key of changed) this.#notify(key)
    }
  }

  /** A table of every setting, its value (secrets masked) and where it came from. */
  explain(): string {
    const rows = Object.keys(KEYS).map((k) => [k, this.#display(k), this.source(k)] as const)
    const w0 = Math.max(...rows.map((r) => r[0].length))
    const w1 = Math.min(40, Math.max(...rows.map((r) => r[1].length)))
    return rows.map(([k, v, s]) => `${k.padEnd(w0)}  ${v.padEnd(w1)}  ${s}`).join('\n')
  }

  /** Plain nested object of all settings with secrets masked (safe to print or save). */
  toJSON(options: { secrets?: boolean } = {}): Record<string, unknown> {
    const out: Record<string, unknown> = {}
    for (const key of Object.keys(KEYS)) {
      const spec = KEYS[key]!
      let value = this.#values.get(key)
      if (spec.secret && value != null && !options.secrets) value = SECRET_MASK
      if (key === 'stores') value = maskStores(value as Record<string, StoreSpec>, options.secrets === true)
      setPath(out, key, value)
    }
    return out
  }

  /** Writes the settings that differ from the defaults to a `datajoint.json`-shaped file. */
  async save(path: string, options: { secrets?: boolean } = {}): Promise<void> {
    const { writeFile } = await import('node:fs/promises')
    const out: Record<string, unknown> = {}
    for (const key of Object.keys(KEYS)) {
      if (this.#sources.get(key) === 'default') continue
      const spec = KEYS[key]!
      if (spec.secret && !options.secrets) continue
      const value = key === 'stores' ? maskStores(this.#values.get(key) as Record<string, StoreSpec>, options.secrets === true, true) : this.#values.get(key)
      setPath(out, key, value)
    }
    await writeFile(path, JSON.stringify(out, null, 2) + '\n')
  }

  onChange(listener: (key: string) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  /** The nested view of one group (`config.database`), validating every assignment. */
  group<T extends object>(name: string): T {
    let g = this.#groups.get(name)
    if (!g) {
      const prefix = `${name}.`
      const keys = Object.keys(KEYS).filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length))
      const view = () => Object.fromEntries(keys.map((k) => [k, this.#displayValue(prefix + k)]))
      // util.inspect reads inspect.custom from a proxy's target, never through the get trap
      const target = Object.defineProperty(Object.create(null) as object, inspect.custom, { value: view, configurable: true })
      g = new Proxy(target, {
        get: (_t, prop) => {
          if (typeof prop === 'symbol') return prop === inspect.custom ? view : undefined
          if (prop === 'toJSON') return view
          // not a setting: `await` and Promise.resolve probe every value for a `then` method
          if (prop === 'then') return undefined
          return this.get(prefix + prop)
        },
        set: (_t, prop, value) => {
          if (typeof prop === 'symbol') return false
          this.set(prefix + prop, value)
          return true
        },
        has: (_t, prop) => typeof prop === 'string' && keys.includes(prop),
        ownKeys: () => keys,
        getOwnPropertyDescriptor: (_t, prop) =>
          typeof prop === 'string' && keys.includes(prop) ? { enumerable: true, configurable: true, writable: true, value: this.get(prefix + prop) } : undefined,
        deleteProperty: (_t, prop) => {
          if (typeof prop === 'symbol') return false
          const key = prefix + prop
          if (!KEYS[key]) throw unknownKey(key)
          this.#values.set(key, deepClone(KEYS[key]!.default))
          this.#sources.set(key, 'default')
          this.#notify(key)
          return true
        },
      })
      this.#groups.set(name, g)
    }
    return g as T
  }

  get database(): DatabaseSettings { return this.group('database') }
  get connection(): ConnectionSettings { return this.group('connection') }
  get display(): DisplaySettings { return this.group('display') }
  get jobs(): JobsSettings { return this.group('jobs') }
  /** the stores by name; `default` names the store of `<blob@>`, `<attach@>`, ... */
  get stores(): Record<string, StoreSpec> { return this.#values.get('stores') as Record<string, StoreSpec> }
  set stores(v: Record<string, StoreSpec | string>) { this.set('stores', v) }
  get custom(): Record<string, unknown> { return this.#values.get('custom') as Record<string, unknown> }
  set custom(v: Record<string, unknown>) { this.set('custom', v) }
  get safemode(): boolean { return this.#values.get('safemode') as boolean }
  set safemode(v: boolean) { this.set('safemode', v) }
  get loglevel(): string { return this.#values.get('loglevel') as string }
  set loglevel(v: string) { this.set('loglevel', v) }
  get download_path(): string { return this.#values.get('download_path') as string }
  set download_path(v: string) { this.set('download_path', v) }
  get cache(): string | null { return this.#values.get('cache') as string | null }
  set cache(v: string | null) { this.set('cache', v) }
  get query_cache(): string | null { return this.#values.get('query_cache') as string | null }
  set query_cache(v: string | null) { this.set('query_cache', v) }
  get enable_python_native_blobs(): boolean { return this.#values.get('enable_python_native_blobs') as boolean }
  set enable_python_native_blobs(v: boolean) { this.set('enable_python_native_blobs', v) }
  get ignore_config_file(): boolean { return this.#values.get('ignore_config_file') as boolean }
  set ignore_config_file(v: boolean) { this.set('ignore_config_file', v) }

  /** The port to use: from `host:port`, else `database.port`, else the backend's default. */
  get effectivePort(): number {
    const host = this.get('database.host') as string
    const m = /^(?:\[[^\]]+\]|[^:]+):(\d+)$/.exec(host)
    if (m) return Number(m[1])
    const port = this.get('database.port') as number | null
    if (port != null) return port
    return this.effectiveBackend === 'mysql' ? 3306 : 5432
  }

  /** The host without a `:port` suffix; an IPv6 literal without its brackets, as sockets want it. */
  /**
   * The backend in use: `database.backend`, or the embedded database (pglite) when neither a
   * backend nor a host is configured anywhere (files, environment, code), so that a new machine
   * without a database server works at once.
   */
  get effectiveBackend(): 'mysql' | 'postgresql' | 'pglite' {
    if (this.source('database.backend') === 'default' && this.source('database.host') === 'default') return 'pglite'
    return this.get('database.backend') as 'mysql' | 'postgresql' | 'pglite'
  }

  get effectiveHost(): string {
    const host = this.get('database.host') as string
    const m = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(host)
    const name = m ? m[1]! : host
    return /^\[[^\]]+\]$/.test(name) ? name.slice(1, -1) : name
  }

  #store(key: string): unknown {
    const [, name, ...rest] = key.split('.')
    const store = (this.#values.get('stores') as Record<string, StoreSpec>)[name!]
    return rest.length ? store?.[rest.join('.')] : store
  }

  #displayValue(key: string): unknown {
    const spec = KEYS[key]!
    const value = this.#values.get(key)
    if (spec.secret && value != null) return SECRET_MASK
    if (key === 'stores') return maskStores(value as Record<string, StoreSpec>, false)
    return value
  }

  #display(key: string): string {
    const v = this.#displayValue(key)
    return typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v) ?? 'null'
  }

  #notify(key: string): void {
    for (const l of this.#listeners) l(key)
  }

  [inspect.custom](): unknown {
    return this.toJSON()
  }

  toString(): string {
    return this.explain()
  }

  [Symbol.for('Jupyter.display')](): Record<string, string> {
    const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
    const rows = Object.keys(KEYS)
      .map((k) => `<tr><td><code>${esc(k)}</code></td><td><code>${esc(this.#display(k))}</code></td><td>${esc(this.source(k))}</td></tr>`)
      .join('')
    return {
      'text/plain': this.explain(),
      'text/html': `<table><thead><tr><th>setting</th><th>value</th><th>source</th></tr></thead><tbody>${rows}</tbody></table>`,
    }
  }
}

const SECRET_STORE_KEYS = /secret|password|token/i

function maskStores(stores: Record<string, StoreSpec>, secrets: boolean, drop = false): Record<string, StoreSpec> {
  const out: Record<string, StoreSpec> = {}
  for (const [name, spec] of Object.entries(stores ?? {})) {
    if (!spec || typeof spec !== 'object') {
      out[name] = spec
      continue
    }
    const copy: StoreSpec = {}
    for (const [k, v] of Object.entries(spec)) {
      if (!secrets && SECRET_STORE_KEYS.test(k) && v != null) {
        if (!drop) copy[k] = SECRET_MASK
      } else copy[k] = v
    }
    out[name] = copy
  }
  return out
}

/** Turns `{database: {host: 'x'}, 'display.limit': 5}` into `[['database.host','x'], ['display.limit',5]]`. */
export function flatten(values: Record<string, unknown>, prefix = ''): Array<[string, unknown]> {
  const out: Array<[string, unknown]> = []
  for (const [k, v] of Object.entries(values)) {
    const key = prefix + k
    const canon = canonicalKey(key)
    const isGroup = (GROUPS as readonly string[]).includes(canon) && v && typeof v === 'object' && !Array.isArray(v)
    if (isGroup) out.push(...flatten(v as Record<string, unknown>, `${canon}.`))
    else out.push([key, v])
  }
  return out
}

function setPath(out: Record<string, unknown>, key: string, value: unknown): void {
  const parts = key.split('.')
  let node = out
  for (const p of parts.slice(0, -1)) node = (node[p] ??= {}) as Record<string, unknown>
  node[parts.at(-1)!] = value
}
