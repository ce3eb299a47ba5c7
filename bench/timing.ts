/** The best wall time in seconds of `repeat` runs of `fn`, each after `reset`. */
export async function bestOf(repeat: number, fn: () => Promise<unknown>, reset: () => Promise<unknown> = async () => {}): Promise<number> {
  let best = Infinity
  for (let r = 0; r < repeat; r++) {
    await reset()
    const t0 = process.hrtime.bigint()
    await fn()
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e9)
  }
  return best
}
