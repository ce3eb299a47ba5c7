/**
 * Whether a value is a plain object (`{...}` or `Object.create(null)`). Realm-safe: an object
 * literal of a notebook cell or the REPL has its own context's Object.prototype, not ours.
 */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object') return false
  const proto = Object.getPrototypeOf(v)
  return proto === null || (Object.getPrototypeOf(proto) === null && Object.prototype.toString.call(v) === '[object Object]')
}
