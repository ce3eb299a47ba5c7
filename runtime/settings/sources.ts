/**
 * Where settings come from, in increasing precedence: defaults; the 0.14 file (`./dj_local_conf.json`,
 * else `~/.datajoint_config.json`); the 2.x project file `datajoint.json` (searched upward from the
 * working directory, stopping at a `.git`/`.hg` folder); its `.secrets/` folder (fills only keys
 * still unset); `DJ_*` environment variables; then assignments in code.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { DataJointError } from '../errors.js'
import { log } from '../logger.js'
import { Config } from './config.js'
import { KEYS } from './keys.js'

export interface ConfigEnvironment {
  cwd?: string
  home?: string
  env?: Record<string, string | undefined>
}

/** The nearest `datajoint.json` at or above `cwd`, not crossing a repository root. */
export function findProjectConfig(cwd: string): string | null {
  let dir = resolve(cwd)
  for (;;) {
    const candidate = join(dir, 'datajoint.json')
    if (existsSync(candidate)) return candidate
    if (existsSync(join(dir, '.git')) || existsSync(join(dir, '.hg'))) return null
    const parent = dirname(dir)
    if (parent === dir) return null
    dir = parent
  }
}

function readJson(path: string): Record<string, unknown> {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (cause) {
    throw new DataJointError(`Cannot read the config file ${path}.`, { cause, hint: 'Check that the file exists and is readable.' })
  }
  try {
    const value = JSON.parse(text)
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('not an object')
    return value
  } catch (cause) {
    throw new DataJointError(`The config file ${path} is not a JSON object: ${(cause as Error).message}.`, {
      cause, hint: 'Fix the JSON syntax (keys like "database.host" or nested {"database": {"host": ...}}).',
    })
  }
}

function applyFile(config: Config, path: string): void {
  config.update(readJson(path), `file ${path}`, {
    onUnknown: (key) => log.warn(`${path}: unknown setting "${key}" ignored.`),
  })
  config.files.push(path)
}

/** Secret files are named after the key (`database.password`) and hold its value as text. */
function applySecrets(config: Config, folder: string): void {
  if (!existsSync(folder) || !statSync(folder).isDirectory()) return
  for (const name of readdirSync(folder).sort()) {
    const key = name.replace(/__/g, '.')
    if (!KEYS[key] && !key.startsWith('stores.')) continue
    // store entries have no default: "still unset" means absent from the files
    if (KEYS[key] ? config.source(key) !== 'default' : config.get(key) !== undefined) continue
    const value = readFileSync(join(folder, name), 'utf8').trim()
    config.set(key, value, `secret ${join(folder, name)}`)
  }
}

function applyEnv(config: Config, env: Record<string, string | undefined>): void {
  for (const [key, spec] of Object.entries(KEYS)) {
    if (!spec.env) continue
    const value = env[spec.env]
    if (value === undefined || value === '') continue
    config.set(key, value, `env ${spec.env}`)
  }
}

/** Builds the configuration a process starts with. */
export function loadConfig(where: ConfigEnvironment = {}): Config {
  const cwd = where.cwd ?? process.cwd()
  const home = where.home ?? homedir()
  const env = where.env ?? process.env
  const config = new Config()
  const ignoreFiles = /^(1|true|yes|on)$/i.test(env.DJ_IGNORE_CONFIG_FILE ?? '')
  if (!ignoreFiles) {
    const local = join(cwd, 'dj_local_conf.json')
    const global = join(home, '.datajoint_config.json')
    if (existsSync(local)) applyFile(config, local)
    else if (existsSync(global)) applyFile(config, global)
    const project = findProjectConfig(cwd)
    if (project) {
      applyFile(config, project)
      applySecrets(config, join(dirname(project), '.secrets'))
    }
  }
  applyEnv(config, env)
  return config
}
