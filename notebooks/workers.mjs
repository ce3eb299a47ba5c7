// The pipeline of notebook 07: a module that declares its tables when imported, so that the
// notebook and every `dj worker` process load the same classes. CRASH_AT=n makes a worker die
// (SIGKILL) in the middle of make for recording n: after its insert, before the commit.
import * as dj from 'datajoint-ts'

export const schema = dj.schema('workers')

export class Recording extends dj.Manual {
  static definition = `
  recording : int32
  ---
  duration  : float64   # seconds
  `
}

export class Spikes extends dj.Computed {
  static definition = `
  -> Recording
  ---
  n_spikes : int32
  worker   : int32      # the process that made it
  `
  async make(key) {
    const { duration } = await Recording.restrict(key).fetch1()
    await new Promise((resolve) => setTimeout(resolve, 20)) // stands for the analysis
    await this.insert1({ ...key, n_spikes: Math.round(duration * 4), worker: process.pid })
    if (process.env.CRASH_AT === String(key.recording)) process.kill(process.pid, 'SIGKILL')
  }
}

await schema.declare(Recording, Spikes)
