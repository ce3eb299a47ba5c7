/**
 * The control channel, in a thread of its own: an interrupt must arrive while the main thread is
 * stuck in a cell's busy loop. An interrupt_request becomes SIGINT to this process (which stops a
 * running script and a pending await, as in signal mode) and is answered here; every other
 * control request goes to the main thread, whose replies this thread sends.
 */
import { parentPort, workerData } from 'node:worker_threads'
import * as zmq from 'zeromq'
import { decode, encode, header, Signer } from './wire.js'

const { url, key, scheme, session } = workerData as { url: string; key: string; scheme: string; session: string }
const signer = new Signer(key, scheme)
const control = new zmq.Router()
// one send at a time on the socket
let sending: Promise<void> = Promise.resolve()
const send = (frames: Buffer[]) => (sending = sending.then(() => control.send(frames)).catch(() => {}))

parentPort!.on('message', (m: { send?: Uint8Array[]; id?: number; close?: boolean }) => {
  if (m.send) void send(m.send.map((f) => Buffer.from(f))).then(() => parentPort!.postMessage({ sent: m.id }))
  // at shutdown: a socket still open when the process exits aborts it in zeromq's teardown
  if (m.close) void sending.then(() => (control.close(), parentPort!.close()))
})

await control.bind(url)
for await (const frames of control) {
  const m = decode(frames, signer)
  if (!m) continue // a wrong or missing signature: no reply, no effect
  if (m.header.msg_type === 'interrupt_request') {
    process.kill(process.pid, 'SIGINT')
    void send(encode(signer, m.identities, header('interrupt_reply', session), m.header, { status: 'ok' }))
    // busy and idle around it are published by the main thread when it is free again
    parentPort!.postMessage({ status: m.header })
    continue
  }
  parentPort!.postMessage({ request: frames })
}
