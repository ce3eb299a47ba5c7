/**
 * The magics shared by the Jupyter kernel and the `dj` REPL. A session makes one `Magics` runner
 * with its host, puts it in its context under RUNNER, and passes each cell through
 * `rewriteMagics` before evaluating it.
 */
import { DataJointError } from '../runtime/index.js'
import { type Magic, MagicError, type MagicHost, type MagicState, Text } from './magic.js'
import { diagram } from './diagram.js'
import { jobs, populate } from './populate.js'
import { configMagic, connect, describe, schema, time } from './session.js'
import { sql } from './sql.js'
import { table } from './table.js'

export { cellMagic, cellMagicEnded, hasMagic, rewriteMagics, RUNNER, splitArgs } from './parse.js'
export { type Magic, MagicError, type MagicHost, type MagicState, type SessionSetting, Text } from './magic.js'
export { SqlResult } from './sql.js'

const lsmagic: Magic = {
  name: 'lsmagic',
  kinds: ['line'],
  usage: '%lsmagic',
  help: 'Lists the magics.',
  async run() {
    const line = MAGICS.filter((m) => m.kinds.includes('line')).map((m) => `%${m.name}`)
    const cell = MAGICS.filter((m) => m.kinds.includes('cell')).map((m) => `%%${m.name}`)
    return new Text(`Available line magics:\n${line.join('  ')}\n\nAvailable cell magics:\n${cell.join('  ')}\n\n%magic NAME explains one.`)
  },
}

const magic: Magic = {
  name: 'magic',
  kinds: ['line'],
  usage: '%magic [NAME]',
  help: 'Explains the magic NAME (all of them without NAME).',
  async run({ args }) {
    const name = args.trim().replace(/^%+/, '')
    const text = (m: Magic) => `${m.usage}\n${m.help.replace(/^/gm, '    ')}`
    if (!name) return new Text(MAGICS.map(text).join('\n\n'))
    return new Text(text(find(name)))
  },
}

/** Every magic, in the order %lsmagic lists them. */
export const MAGICS: readonly Magic[] = [configMagic, connect, describe, diagram, jobs, lsmagic, magic, populate, schema, sql, table, time]

function find(name: string): Magic {
  const m = MAGICS.find((x) => x.name === name)
  if (!m) throw new MagicError(`Unknown magic %${name}.`, { hint: '%lsmagic lists the magics.' })
  return m
}

/** DataJoint errors of a magic read as their message (and SQL), without a stack of this library. */
function shorten(e: unknown): unknown {
  if (e instanceof DataJointError) {
    e.stack = `${e.name}: ${e.message}${e.sql ? `\n  SQL: ${e.sql}` : ''}`
    // the driver's error is already in the message
    delete (e as { cause?: unknown }).cause
  }
  return e
}

export class Magics {
  readonly state: MagicState = { schema: null }
  constructor(readonly host: MagicHost) {}

  /** `%name args` */
  line(name: string, args: string): Promise<unknown> {
    return this.#run(name, args, null)
  }

  /** `%%name args` with the rest of the cell as body */
  cell(name: string, args: string, body: string): Promise<unknown> {
    return this.#run(name, args, body)
  }

  async #run(name: string, args: string, body: string | null): Promise<unknown> {
    try {
      const m = find(name)
      if (body === null && !m.kinds.includes('line')) throw new MagicError(`%${name} is a cell magic.`, { hint: `Put %%${name} ${args} on the first line of a cell, and its body below.` })
      if (body !== null && !m.kinds.includes('cell')) throw new MagicError(`%%${name}: there is no cell magic ${name}.`, { hint: `%${name} is a line magic: ${m.usage}` })
      return await m.run({ args, body, host: this.host, state: this.state })
    } catch (e) {
      throw shorten(e)
    }
  }
}
