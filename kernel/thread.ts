/** Worker threads of the kernel (the type checker, the control channel), from the sources or the build. */
import { type ResourceLimits, Worker } from 'node:worker_threads'

/**
 * Starts `name` (a module next to `from`) in a worker thread. Run from the TypeScript sources,
 * the thread registers tsx itself: the parent's loader flags do not reach workers.
 */
export function startThread(from: string, name: string, workerData: unknown, resourceLimits?: ResourceLimits): Worker {
  const source = from.endsWith('.ts')
  const url = new URL(`./${name}${source ? '.ts' : '.js'}`, from)
  return source
    ? new Worker(`import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((m) => { m.register(); return import(${JSON.stringify(url.href)}) })`, { eval: true, workerData, resourceLimits })
    : new Worker(url, { workerData, resourceLimits })
}
