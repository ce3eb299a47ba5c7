/**
 * What a magic is and what it may ask of the session that runs it (the kernel or the REPL).
 * Magics use the public runtime API only.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util'
import * as dj from '../runtime/index.js'
import { splitArgs } from './parse.js'

/** What the kernel or the REPL gives a magic. */
export interface MagicHost {
  /** the session's global names (classes bound by %%table land here) */
  readonly context: Record<string, unknown>
  /** runs TypeScript in the session, as a cell would */
  evaluate(code: string): Promise<unknown>
  /** asks the user; a password is neither echoed nor kept in history */
  input(prompt: string, options?: { password?: boolean }): Promise<string>
  /** writes to the cell's standard output */
  print(text: string): void
  /** settings of the session itself (the kernel's `typecheck`), which %config shows and sets */
  readonly settings?: Readonly<Record<string, SessionSetting>>
}

export interface SessionSetting {
  get(): string
  set(value: string): void
  choices: readonly string[]
  help: string
}

/** The state magics share within one session. */
export interface MagicState {
  /** the schema of %schema, where %%table declares */
  schema: dj.Schema | null
}

export interface Magic {
  name: string
  /** line (`%name`), cell (`%%name`) or both */
  kinds: ReadonlyArray<'line' | 'cell'>
  usage: string
  help: string
  run(call: { args: string; body: string | null; host: MagicHost; state: MagicState }): Promise<unknown>
}

/** A magic used wrongly: says what was wrong and how to use it. */
export class MagicError extends dj.DataJointError {}

/** Text shown as it is (the definition of %describe, the listing of %lsmagic). */
export class Text {
  constructor(readonly text: string) {}
  [dj.display](): dj.MimeBundle {
    return { 'text/plain': this.text }
  }
  toString(): string {
    return this.text
  }
}

/** The value of `name` in the session (a class bound by %%table, say); a MagicError naming it when there is none. */
export async function sessionTable(host: MagicHost, magic: string, name: string, hint: string): Promise<unknown> {
  try {
    return await host.evaluate(name)
  } catch {
    throw new MagicError(`%${magic}: there is no table ${name} in the session.`, { hint })
  }
}

/** Parses a magic's arguments with util.parseArgs; wrong ones become a MagicError with the usage. */
export function parseMagicArgs(magic: Pick<Magic, 'name' | 'usage'>, args: string, options: NonNullable<ParseArgsConfig['options']>, positionals: { min?: number; max?: number } = {}): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  let parsed: { values: Record<string, unknown>; positionals: string[] }
  try {
    parsed = parseArgs({ args: splitArgs(args), options, allowPositionals: true, strict: true })
  } catch (e) {
    throw new MagicError(`%${magic.name}: ${(e as Error).message.split('\n')[0]!.replace(/\. To specify a positional.*$/, '.')}`, { hint: `Usage: ${magic.usage}` })
  }
  const n = parsed.positionals.length
  if (n < (positionals.min ?? 0)) throw new MagicError(`%${magic.name}: missing argument.`, { hint: `Usage: ${magic.usage}` })
  if (n > (positionals.max ?? Infinity)) throw new MagicError(`%${magic.name}: unexpected argument "${parsed.positionals[positionals.max ?? 0]}".`, { hint: `Usage: ${magic.usage}` })
  return parsed as { values: Record<string, string | boolean | undefined>; positionals: string[] }
}
