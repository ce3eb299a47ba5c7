/** The terminal's populate progress: a cli-progress bar per populate call (the only cli-progress import). */
import cliProgress from 'cli-progress'
import type { PopulateEvent, ProgressRenderer } from '../runtime/index.js'

export function terminalProgress(stream: NodeJS.WriteStream = process.stderr): () => ProgressRenderer {
  return () => {
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
      if (e.type === 'end') bar.stop()
    }
  }
}
