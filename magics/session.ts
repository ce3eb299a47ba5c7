/**
 * The magics about the session itself: %schema, %connect, %describe, %config and %time.
 */
import * as dj from '../runtime/index.js'
import { type Magic, MagicError, parseMagicArgs, Text } from './magic.js'

export const schema: Magic = {
  name: 'schema',
  kinds: ['line'],
  usage: '%schema [NAME]',
  help: [
    'Makes NAME (with dj.config database.prefix) the active schema, creating it on first use;',
    '%%table declares there. Foreign keys in definitions refer to classes of the session.',
    'Without NAME, shows the active schema.',
  ].join('\n'),
  async run({ args, host, state }) {
    const { positionals } = parseMagicArgs(this, args, {}, { max: 1 })
    const name = positionals[0]
    if (!name) {
      if (!state.schema) throw new MagicError('There is no active schema.', { hint: 'Choose one with %schema NAME.' })
      return new Text(`Active schema: ${state.schema.database}`)
    }
    if (!/^[A-Za-z0-9_]+$/.test(name)) throw new MagicError(`%schema: "${name}" is not a schema name.`, { hint: 'Schema names are letters, digits and underscores, like my_pipeline.' })
    const s = dj.schema(name, { context: host.context })
    // creates the database now, so that a name the server refuses fails here
    await s.declare()
    state.schema = s
    return new Text(`Active schema: ${s.database}`)
  },
}

export const connect: Magic = {
  name: 'connect',
  kinds: ['line'],
  usage: '%connect [HOST[:PORT]] [--user USER]',
  help: [
    'Connects dj.conn() to HOST (default: the configured host) as USER, asking for the password',
    '(never echoed, never stored in the history). Prints the server it reached.',
  ].join('\n'),
  async run({ args, host }) {
    const { positionals, values } = parseMagicArgs(this, args, { user: { type: 'string', short: 'u' } }, { max: 1 })
    const keys = ['database.host', 'database.user', 'database.password']
    const before = Object.fromEntries(keys.map((k) => [k, dj.config.get(k)]))
    const user = (values.user as string | undefined) ?? (dj.config.get('database.user') as string | null) ?? 'root'
    const where = positionals[0] ?? (dj.config.get('database.host') as string)
    const password = await host.input(`Password for ${user}@${where}: `, { password: true })
    dj.config.set('database.host', where)
    dj.config.set('database.user', user)
    dj.config.set('database.password', password)
    try {
      const rows = await dj.conn().fetchAll('SELECT VERSION() AS v')
      return new Text(`Connected to ${user}@${dj.config.effectiveHost}:${dj.config.effectivePort} (server ${String(rows[0]?.v ?? '?')})`)
    } catch (e) {
      for (const k of keys) dj.config.set(k, before[k])
      const why = e instanceof dj.DataJointError ? e.reason : String(e)
      throw new MagicError(`%connect: could not connect as ${user} to ${where}: ${why}`, { hint: 'Check the host, the user and the password; the previous settings are kept.' })
    }
  },
}

export const describe: Magic = {
  name: 'describe',
  kinds: ['line'],
  usage: '%describe TABLE',
  help: 'Shows the definition of TABLE (a class of the session, such as Session or Session.Trial), as the database has it.',
  async run({ args, host }) {
    const expr = args.trim()
    if (!expr) throw new MagicError('%describe needs a table.', { hint: `Usage: ${this.usage}` })
    let value: unknown
    try {
      value = await host.evaluate(expr)
    } catch {
      throw new MagicError(`%describe: there is no table ${expr} in the session.`, { hint: 'Give the class name of a declared table, such as Session or Session.Trial.' })
    }
    if (typeof value !== 'function' || !(value.prototype instanceof dj.Table)) {
      throw new MagicError(`%describe: ${expr} is not a table class.`, { hint: 'Give the class name of a declared table, such as Session or Session.Trial.' })
    }
    return new Text(await (value as typeof dj.Table).describe())
  },
}

/** A value typed after `%config key =`: JSON when it parses (numbers, booleans, null), else text. */
function configValue(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return text.replace(/^(['"])(.*)\1$/, '$2')
  }
}

export const configMagic: Magic = {
  name: 'config',
  kinds: ['line'],
  usage: '%config [KEY [= VALUE]]',
  help: [
    'Without arguments, shows every setting and where it comes from (passwords masked).',
    '%config KEY shows one setting; %config KEY = VALUE sets it for this session',
    '(VALUE as JSON when it parses: 12, true, null, "text"; else as text).',
    'Example:  %config display.limit = 20. In the kernel, %config typecheck = strict|warn|off chooses',
    'how cells are type-checked (warn: the cell runs and type errors are shown beside its output).',
  ].join('\n'),
  async run({ args, host }) {
    const m = /^([A-Za-z_][\w.]*)\s*(?:=\s*(.*))?$/s.exec(args.trim())
    const own = host.settings ?? {}
    if (!args.trim()) return new Text([dj.config.explain(), ...Object.entries(own).map(([k, s]) => `${k} = ${JSON.stringify(s.get())}   (this session: ${s.help})`)].join('\n'))
    if (!m) throw new MagicError(`%config: cannot read "${args.trim()}".`, { hint: `Usage: ${this.usage}` })
    const [, key, value] = m
    const setting = own[key!]
    if (setting) {
      if (value !== undefined) {
        const v = String(configValue(value.trim()))
        if (!setting.choices.includes(v)) throw new MagicError(`%config: ${key} must be one of ${setting.choices.join(', ')}, not "${v}".`, { hint: `${key}: ${setting.help}` })
        setting.set(v)
      }
      return new Text(`${key} = ${JSON.stringify(setting.get())}   (this session)`)
    }
    try {
      if (value !== undefined) dj.config.set(key!, configValue(value.trim()))
      const v = dj.config.get(key!)
      const shown = /password|secret/i.test(key!) && v ? '********' : JSON.stringify(v)
      return new Text(`${key} = ${shown}   (${dj.config.source(key!)})`)
    } catch (e) {
      if (e instanceof dj.DataJointError) throw new MagicError(`%config: ${e.reason}`, { hint: e.hint ?? 'dj.config.explain() lists the settings.' })
      throw e
    }
  },
}

function duration(ms: number): string {
  return ms < 1 ? `${(ms * 1000).toFixed(0)} µs` : ms < 1000 ? `${ms.toFixed(ms < 10 ? 2 : 1)} ms` : `${(ms / 1000).toFixed(2)} s`
}

export const time: Magic = {
  name: 'time',
  kinds: ['line', 'cell'],
  usage: '%time CODE   or   %%time (the code below)',
  help: 'Runs the code in the session (awaiting it) and prints the wall time it took; the value is the result.',
  async run({ args, body, host }) {
    const code = body ?? args
    if (!code.trim()) throw new MagicError('%time needs code to run.', { hint: 'Example:  %time await Session.count()' })
    const t0 = performance.now()
    try {
      return await host.evaluate(code)
    } finally {
      host.print(`Wall time: ${duration(performance.now() - t0)}\n`)
    }
  },
}
