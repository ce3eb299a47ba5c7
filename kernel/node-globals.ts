/**
 * The Node globals a notebook cell uses most, declared in a few lines for the type checker.
 * Node's own types (@types/node) take about 40 MB of the checker's heap; a session that never
 * names a built-in module does not need them. A cell that does (`import … from "node:fs"`,
 * `NodeJS.Timeout`, `require(…)`), or a package whose types refer to them, switches the checker
 * to the full types for the rest of the session.
 *
 * These declarations follow @types/node where they name a member, and end in `[member: string]: any`
 * where they leave members out, so that they never report an error the full types would not.
 */
import { builtinModules } from 'node:module'

export const NODE_GLOBALS = `
type BufferEncoding = 'ascii' | 'utf8' | 'utf-8' | 'utf16le' | 'utf-16le' | 'ucs2' | 'ucs-2' | 'base64' | 'base64url' | 'latin1' | 'binary' | 'hex'
interface Buffer<TArrayBuffer extends ArrayBufferLike = ArrayBufferLike> extends Uint8Array<TArrayBuffer> {
  toString(encoding?: BufferEncoding, start?: number, end?: number): string
  toJSON(): { type: 'Buffer'; data: number[] }
  equals(other: Uint8Array): boolean
  compare(target: Uint8Array): number
  write(text: string, offset?: number, encoding?: BufferEncoding): number
  subarray(start?: number, end?: number): Buffer<TArrayBuffer>
  slice(start?: number, end?: number): Buffer<ArrayBuffer>
  [member: string]: any
}
declare var Buffer: {
  from(text: string, encoding?: BufferEncoding): Buffer<ArrayBuffer>
  from<T extends ArrayBufferLike>(data: T, byteOffset?: number, length?: number): Buffer<T>
  from(data: ArrayLike<number> | Uint8Array | readonly number[]): Buffer<ArrayBuffer>
  alloc(size: number, fill?: string | number | Uint8Array, encoding?: BufferEncoding): Buffer<ArrayBuffer>
  allocUnsafe(size: number): Buffer<ArrayBuffer>
  concat(list: readonly Uint8Array[], totalLength?: number): Buffer<ArrayBuffer>
  byteLength(value: string | ArrayBufferView | ArrayBufferLike, encoding?: BufferEncoding): number
  isBuffer(value: any): value is Buffer
  compare(a: Uint8Array, b: Uint8Array): -1 | 0 | 1
  [member: string]: any
}
interface Console {
  log(...data: any[]): void
  info(...data: any[]): void
  warn(...data: any[]): void
  error(...data: any[]): void
  debug(...data: any[]): void
  trace(...data: any[]): void
  dir(value: any, options?: any): void
  table(data: any, properties?: readonly string[]): void
  time(label?: string): void
  timeLog(label?: string, ...data: any[]): void
  timeEnd(label?: string): void
  count(label?: string): void
  assert(condition?: boolean, ...data: any[]): void
  group(...label: any[]): void
  groupEnd(): void
  [member: string]: any
}
declare var console: Console
interface __DjStream { write(chunk: string | Uint8Array, callback?: (error?: Error | null) => void): boolean; [member: string]: any }
declare var process: {
  env: Record<string, string | undefined>
  argv: string[]
  execArgv: string[]
  execPath: string
  pid: number
  ppid: number
  platform: string
  arch: string
  version: string
  versions: Record<string, string | undefined>
  exitCode?: number | string | null
  stdout: __DjStream
  stderr: __DjStream
  cwd(): string
  chdir(directory: string): void
  exit(code?: number | string | null): never
  uptime(): number
  memoryUsage(): { rss: number; heapTotal: number; heapUsed: number; external: number; arrayBuffers: number }
  hrtime: { (time?: [number, number]): [number, number]; bigint(): bigint }
  nextTick(callback: (...args: any[]) => void, ...args: any[]): void
  emitWarning(warning: string | Error, ...rest: any[]): void
  on(event: string, listener: (...args: any[]) => void): any
  once(event: string, listener: (...args: any[]) => void): any
  off(event: string, listener: (...args: any[]) => void): any
  [member: string]: any
}
interface __DjTimer { ref(): this; unref(): this; hasRef(): boolean; refresh(): this; [Symbol.toPrimitive](): number; [member: string]: any }
declare function setTimeout<A extends any[]>(callback: (...args: A) => void, ms?: number, ...args: A): __DjTimer
declare function setTimeout(callback: (args: void) => void, ms?: number): __DjTimer
declare function setInterval<A extends any[]>(callback: (...args: A) => void, ms?: number, ...args: A): __DjTimer
declare function setInterval(callback: (args: void) => void, ms?: number): __DjTimer
declare function setImmediate<A extends any[]>(callback: (...args: A) => void, ...args: A): __DjTimer
declare function setImmediate(callback: (args: void) => void): __DjTimer
declare function clearTimeout(timer: __DjTimer | string | number | undefined | null): void
declare function clearInterval(timer: __DjTimer | string | number | undefined | null): void
declare function clearImmediate(timer: __DjTimer | undefined | null): void
declare function queueMicrotask(callback: () => void): void
declare function structuredClone<T = any>(value: T, options?: { transfer?: any[] }): T
declare function atob(data: string): string
declare function btoa(data: string): string
declare function fetch(input: string | URL | { url: string }, init?: any): Promise<any>
interface URL {
  href: string; origin: string; protocol: string; username: string; password: string; host: string; hostname: string
  port: string; pathname: string; search: string; searchParams: URLSearchParams; hash: string
  toString(): string
  toJSON(): string
}
declare var URL: { new (url: string | URL, base?: string | URL): URL; canParse(url: string, base?: string): boolean; [member: string]: any }
interface URLSearchParams {
  append(name: string, value: string): void; delete(name: string): void; get(name: string): string | null; getAll(name: string): string[]
  has(name: string): boolean; set(name: string, value: string): void; sort(): void; toString(): string
  forEach(callback: (value: string, name: string, params: URLSearchParams) => void): void
  entries(): IterableIterator<[string, string]>; keys(): IterableIterator<string>; values(): IterableIterator<string>
  [Symbol.iterator](): IterableIterator<[string, string]>
  readonly size: number
}
declare var URLSearchParams: { new (init?: string | Record<string, string> | Iterable<[string, string]>): URLSearchParams }
interface TextEncoder { readonly encoding: string; encode(input?: string): Uint8Array; encodeInto(input: string, output: Uint8Array): { read: number; written: number } }
declare var TextEncoder: { new (): TextEncoder }
interface TextDecoder { readonly encoding: string; readonly fatal: boolean; readonly ignoreBOM: boolean; decode(input?: ArrayBufferView | ArrayBufferLike | null, options?: { stream?: boolean }): string }
declare var TextDecoder: { new (label?: string, options?: { fatal?: boolean; ignoreBOM?: boolean }): TextDecoder }
declare var performance: { now(): number; readonly timeOrigin: number; [member: string]: any }
declare var crypto: { randomUUID(): string; getRandomValues<T extends ArrayBufferView | null>(array: T): T; [member: string]: any }
declare var AbortController: any
declare var AbortSignal: any
declare var Blob: any
declare var EventTarget: any
declare var Event: any
declare var Headers: any
declare var Request: any
declare var Response: any
declare var FormData: any
declare var WebAssembly: any
declare var global: typeof globalThis
`

const BUILTINS = new Set(builtinModules)
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)(["'])([^"'\n]+)\1/g

/** Whether a cell needs Node's full types: it names a built-in module, the NodeJS namespace, or require. */
export function needsNodeTypes(code: string): boolean {
  if (/\bNodeJS\s*\.|\brequire\s*\(|\bmodule\.exports\b/.test(code)) return true
  for (const m of code.matchAll(SPECIFIER)) {
    const spec = m[2]!
    if (spec.startsWith('node:') || BUILTINS.has(spec.split('/')[0]!) || BUILTINS.has(spec)) return true
  }
  return false
}
