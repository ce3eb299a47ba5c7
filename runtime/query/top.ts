/**
 * `dj.top(limit, orderBy, offset)`: a restriction to the first rows in an order (DataJoint's
 * Top). `Student.restrict(dj.top(10, 'student_id', 20))` is rows 21–30 by student_id.
 */
import { DataJointError } from '../errors.js'

export class Top {
  readonly limit: number | undefined
  readonly orderBy: string | readonly string[]
  readonly offset: number | undefined

  constructor(limit: number | undefined = 1, orderBy: string | readonly string[] = 'KEY', offset = 0) {
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) throw new DataJointError(`dj.top: limit must be a non-negative integer, got ${limit}.`)
    if (!Number.isInteger(offset) || offset < 0) throw new DataJointError(`dj.top: offset must be a non-negative integer, got ${offset}.`)
    this.limit = limit
    this.orderBy = orderBy
    this.offset = offset || undefined
  }
}

export const top = (limit?: number, orderBy?: string | readonly string[], offset?: number) => new Top(limit, orderBy, offset)
