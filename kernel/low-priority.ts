/**
 * Imported first by a background thread (the type checker): lowers the calling thread's
 * scheduling priority, so that it takes the CPU only when the session and its client do not
 * need it. On Linux a thread is a task with an id of its own, which /proc/thread-self names;
 * elsewhere (or when not allowed) the thread keeps the normal priority.
 */
import { readlinkSync } from 'node:fs'
import { setPriority } from 'node:os'

try {
  const tid = Number(readlinkSync('/proc/thread-self').split('/').pop())
  if (Number.isInteger(tid) && tid > 0) setPriority(tid, 10)
} catch {
  /* not Linux: nothing to do */
}
