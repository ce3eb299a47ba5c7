/**
 * DataJoint's error tree. Every error a user sees is a DataJointError that says what is wrong,
 * which table or attribute is involved and how to fix it. Driver errors are translated once, at
 * the connection boundary (see dialect `translateError`), keeping the SQL and the cause.
 */

export interface ErrorOptions {
  cause?: unknown
  /** the SQL statement that failed, when a statement failed */
  sql?: string
  /** the parameters bound to that statement */
  params?: readonly unknown[]
  /** how to fix it; appended to the message */
  hint?: string
}

export class DataJointError extends Error {
  declare readonly sql?: string
  declare readonly params?: readonly unknown[]
  declare readonly hint?: string

  constructor(message: string, options: ErrorOptions = {}) {
    super(options.hint ? `${message}\n${options.hint}` : message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = new.target.name
    // kept out of inspection, so that a REPL shows the message (which holds the hint) and no more
    for (const key of ['sql', 'params', 'hint'] as const) {
      if (options[key] !== undefined) Object.defineProperty(this, key, { value: options[key], enumerable: false })
    }
  }

  /** The message without the hint. */
  get reason(): string {
    return this.hint ? this.message.slice(0, this.message.length - this.hint.length - 1) : this.message
  }

  /** A new error of the same class with one more hint line (DataJoint's `suggest`). */
  suggest(hint: string): this {
    const Ctor = this.constructor as new (message: string, options: ErrorOptions) => this
    const hints = this.hint ? `${this.hint}\n${hint}` : hint
    return new Ctor(this.reason, { cause: this.cause, sql: this.sql, params: this.params, hint: hints })
  }
}

/** The connection to the server was lost or could not be made. */
export class LostConnectionError extends DataJointError {}
/** A statement was rejected by the server. */
export class QueryError extends DataJointError {}
export class QuerySyntaxError extends QueryError {}
export class AccessError extends QueryError {}
export class DuplicateError extends QueryError {}
export class IntegrityError extends QueryError {}
/** The server chose this statement's transaction as a deadlock's victim and rolled it back. */
export class DeadlockError extends QueryError {}
export class UnknownAttributeError extends QueryError {}
export class MissingAttributeError extends QueryError {}
export class MissingTableError extends DataJointError {}
export class MissingExternalFile extends DataJointError {}
export class BucketInaccessible extends DataJointError {}

/** Raised when an operation needs a confirmation that cannot be asked (no terminal, CI). */
export class ConfirmationRequired extends DataJointError {}

/** Work that was stopped on request (a cancelled or interrupted populate); what it had begun was rolled back. */
export class CancelledError extends DataJointError {}
