/** Assertions uvu lacks: an awaited rejection, checked by class and/or message. */
import * as assert from 'uvu/assert'

type Check = RegExp | (new (...args: any[]) => Error) | ((e: Error) => boolean)

export async function rejects(p: Promise<unknown>, ...checks: Check[]): Promise<Error> {
  let error: unknown
  try {
    await p
  } catch (e) {
    error = e
  }
  if (error === undefined) assert.unreachable('expected the promise to reject')
  const e = error as Error
  for (const c of checks) {
    if (c instanceof RegExp) assert.match(e.message, c)
    else if (c.prototype instanceof Error || c === Error) assert.instance(e, c as new () => Error)
    else assert.ok((c as (e: Error) => boolean)(e), `unexpected error: ${e.message}`)
  }
  return e
}
