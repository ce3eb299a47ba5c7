/**
 * A lane: a strand of asynchronous work with database sessions of its own. Everything started in
 * `lane.run(fn)`, and everything that awaits from there, talks to the server on the lane's
 * sessions, so a background populate's transactions never mix with the statements of the cells
 * that run meanwhile. Ending a lane closes its sessions; cancelling it closes them abruptly, so the
 * server rolls back what was under way, and any later statement in the lane fails.
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import { DataJointError } from '../errors.js'

const storage = new AsyncLocalStorage<Lane>()

export class Lane {
  readonly #closers = new Set<(abrupt: boolean) => Promise<void>>()
  #ended: Error | null = null

  /** a lane within `parent` ends when its parent ends, and as it ends */
  constructor(readonly name: string, parent: Lane | null = null) {
    parent?.onEnd((abrupt) => this.end(abrupt ? parent.ended ?? undefined : undefined))
  }

  /** The lane the current asynchronous work runs in, or null (the connection's own session). */
  static current(): Lane | null {
    return storage.getStore() ?? null
  }

  run<T>(fn: () => T): T {
    return storage.run(this, fn)
  }

  /** Why statements in this lane are refused now, or null while it is open. */
  get ended(): Error | null {
    return this.#ended
  }

  /** @internal a connection registers how to close the session it opened for this lane */
  onEnd(close: (abrupt: boolean) => Promise<void>): void {
    this.#closers.add(close)
  }

  /** Closes the lane's sessions; with `cancel`, abruptly (the server rolls back open work) and later statements fail with it. */
  async end(cancel?: Error): Promise<void> {
    this.#ended ??= cancel ?? new DataJointError(`The database sessions of ${this.name} were closed when it ended.`, { hint: 'Work left running after it ended (an un-awaited promise in make?) cannot use the database.' })
    const closers = [...this.#closers]
    this.#closers.clear()
    await Promise.allSettled(closers.map((c) => c(cancel !== undefined)))
  }
}
