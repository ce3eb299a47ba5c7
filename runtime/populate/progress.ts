/**
 * Populate progress as events. The runtime only emits them; whoever shows them (the REPL's
 * progress bar, the kernel's updating display) installs a renderer.
 */
import type { Row } from '../query/expression.js'
import type { PopulateTask } from './task.js'

interface Counts {
  table: string
  /** keys finished (done, failed or skipped) */
  done: number
  failed: number
  total: number
  /** keys per second so far */
  rate: number
  /** seconds to go at that rate, or null before the first key */
  eta: number | null
}

export type PopulateEvent =
  | { type: 'start'; table: string; total: number }
  | ({ type: 'started' | 'done' | 'skipped'; key: Row } & Counts)
  | ({ type: 'error'; key: Row; error: string } & Counts)
  | ({ type: 'end' } & Counts)

export type ProgressRenderer = (event: PopulateEvent) => void

let factory: ((task: PopulateTask) => ProgressRenderer) | null = null

/** Installs how `populate({ display: true })` shows progress (one renderer per populate call). */
export function setProgressRenderer(make: ((task: PopulateTask) => ProgressRenderer) | null): void {
  factory = make
}

/** A renderer for one populate call: the installed one, or log lines every few seconds. */
export function progressRenderer(task: PopulateTask): ProgressRenderer {
  if (factory) return factory(task)
  let last = 0
  return (e) => {
    if (e.type === 'start' || (e.type !== 'end' && Date.now() - last < 2000)) return
    last = Date.now()
    const pct = e.total ? Math.round((100 * e.done) / e.total) : 100
    if (e.type === 'end') return void process.stderr.write(task.summary() + '\n')
    process.stderr.write(`${e.table.padEnd(20)} ${e.done}/${e.total} (${pct}%)${e.failed ? `, ${e.failed} failed` : ''}${e.eta !== null ? `, ${Math.round(e.eta)} s left` : ''}\n`)
  }
}
