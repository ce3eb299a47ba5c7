/**
 * The runtime's logger: one place that decides what reaches the user's terminal. The level comes
 * from `dj.config.loglevel`; the kernel and REPL may replace the sink.
 */
export type Level = 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR'
const ORDER: Record<Level, number> = { DEBUG: 10, INFO: 20, WARNING: 30, ERROR: 40 }

type Sink = (level: Level, message: string) => void
let sink: Sink = (level, message) => process.stderr.write(`[datajoint ${level.toLowerCase()}] ${message}\n`)
let threshold: () => string = () => 'INFO'

export function setLogSink(next: Sink): void { sink = next }
export function setLogLevel(source: () => string): void { threshold = source }

function emit(level: Level, message: string): void {
  const min = ORDER[(threshold().toUpperCase() as Level)] ?? ORDER.INFO
  if (ORDER[level] >= min) sink(level, message)
}

export const log = {
  debug: (m: string) => emit('DEBUG', m),
  info: (m: string) => emit('INFO', m),
  warn: (m: string) => emit('WARNING', m),
  error: (m: string) => emit('ERROR', m),
}
