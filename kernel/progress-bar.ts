/**
 * The terminal's populate progress (the only cli-progress import): a bar redrawn in place while a
 * foreground populate runs, then its summary line. A background populate draws nothing while the
 * prompt is in use; its summary line is printed when it ends.
 */
import cliProgress from 'cli-progress'
import type { PopulateEvent, PopulateTask, ProgressRenderer } from '../runtime/index.js'

export function terminalProgress(stream: NodeJS.WriteStream = process.stderr, say: (line: string) => void = (l) => void stream.write(l + '\n')): (task: PopulateTask) => ProgressRenderer {
  return (task) => {
    if (task.background) {
      return (e: PopulateEvent) => {
        if (e.type === 'end') say(task.summary())
      }
    }
    let bar: cliProgress.SingleBar | null = null
    return (e: PopulateEvent) => {
      if (e.type === 'start') {
        bar = new cliProgress.SingleBar(
          { format: `${e.table.padEnd(20)} {bar} {value}/{total} | {failed} failed | {rate}/s | ETA {eta}s`, stream, hideCursor: true, clearOnComplete: false },
          cliProgress.Presets.shades_classic,
        )
        bar.start(e.total, 0, { failed: 0, rate: '0' })
        return
      }
      if (!bar) return
      bar.update(e.done, { failed: e.failed, rate: e.rate.toFixed(1) })
      if (e.type === 'end') {
        bar.stop()
        stream.write(task.summary() + '\n')
      }
    }
  }
}
