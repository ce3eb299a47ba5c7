/** %diagram: the pipeline diagram of the active schema, a schema or a table, expanded by levels. */
import * as dj from '../runtime/index.js'
import { type Magic, MagicError, parseMagicArgs, sessionTable } from './magic.js'

export const diagram: Magic = {
  name: 'diagram',
  kinds: ['line'],
  usage: '%diagram [SCHEMA|TABLE] [+N|-N ...] [--lr|--tb] [--no-parts]',
  help: [
    'Draws the diagram of the active schema, of SCHEMA (a schema name), or of TABLE (a class of the',
    'session). +N adds N levels downstream, -N N levels upstream, applied in order (as d.plus(N),',
    'd.minus(N)). --lr or --tb sets the direction (default dj.config display.diagram_direction);',
    '--no-parts hides part tables. In a notebook the diagram is drawn; in the terminal it is written',
    'to an SVG file and outlined as text.',
  ].join('\n'),
  async run({ args, host, state }) {
    // +N and -N would read as options: take them out first, in order
    const words = args.trim().split(/\s+/).filter(Boolean)
    const levels = words.filter((w) => /^[+-]\d+$/.test(w)).map(Number)
    const { positionals, values } = parseMagicArgs(this, words.filter((w) => !/^[+-]\d+$/.test(w)).join(' '), { lr: { type: 'boolean' }, tb: { type: 'boolean' }, 'no-parts': { type: 'boolean' } }, { max: 1 })
    if (values.lr && values.tb) throw new MagicError('%diagram: choose one of --lr and --tb.', { hint: `Usage: ${this.usage}` })
    const target = positionals[0]
    let d: dj.PipelineDiagram
    if (!target) {
      if (!state.schema) throw new MagicError('%diagram: there is no active schema.', { hint: 'Choose one with %schema NAME, or name a schema or a table: %diagram my_pipeline.' })
      d = dj.Diagram(state.schema)
    } else if (/^[A-Z]/.test(target)) {
      const value = await sessionTable(host, 'diagram', target, 'Give the class name of a declared table (Session, Session.Trial) or a schema name.')
      if (typeof value !== 'function' || !(value.prototype instanceof dj.Table)) throw new MagicError(`%diagram: ${target} is not a table class.`, { hint: 'Give the class name of a declared table (Session, Session.Trial) or a schema name.' })
      d = dj.Diagram(value as typeof dj.Table)
    } else {
      if (!/^[A-Za-z0-9_]+$/.test(target)) throw new MagicError(`%diagram: "${target}" is neither a schema name nor a table class.`, { hint: `Usage: ${this.usage}` })
      const database = (dj.config.get('database.prefix') as string) + target
      if (!(await dj.listSchemas()).includes(database)) throw new MagicError(`%diagram: there is no schema ${database}.`, { hint: 'dj.listSchemas() lists them; table classes start with a capital letter.' })
      d = dj.Diagram(target)
    }
    for (const n of levels) d = n >= 0 ? d.plus(n) : d.minus(-n)
    if (values['no-parts']) d = d.withoutParts()
    if (values.lr || values.tb) d = d.with({ direction: values.lr ? 'LR' : 'TB' })
    return d
  },
}
