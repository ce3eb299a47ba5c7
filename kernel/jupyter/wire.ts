/**
 * The Jupyter wire protocol: multipart messages `[ids…, "<IDS|MSG>", signature, header,
 * parent_header, metadata, content, buffers…]` signed with HMAC-SHA256 over the four JSON parts.
 * A message whose signature does not verify (checked in constant time) is dropped.
 */
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto'

export const DELIMITER = '<IDS|MSG>'
export const PROTOCOL_VERSION = '5.4'

export interface Header {
  msg_id: string
  session: string
  username: string
  date: string
  msg_type: string
  version: string
}

export interface Message {
  identities: Buffer[]
  header: Header
  parent_header: Partial<Header>
  metadata: Record<string, unknown>
  content: Record<string, any>
  buffers: Buffer[]
}

export class Signer {
  readonly #key: Buffer
  constructor(key: string, readonly scheme: string) {
    this.#key = Buffer.from(key, 'utf8')
  }
  sign(parts: Buffer[]): string {
    if (this.#key.length === 0) return ''
    const h = createHmac(this.scheme.replace(/^hmac-/, ''), this.#key)
    for (const p of parts) h.update(p)
    return h.digest('hex')
  }
  verify(signature: string, parts: Buffer[]): boolean {
    if (this.#key.length === 0) return true
    const expected = Buffer.from(this.sign(parts), 'utf8')
    const got = Buffer.from(signature, 'utf8')
    return got.length === expected.length && timingSafeEqual(got, expected)
  }
}

/** A message from its frames, or null when it is malformed or its signature is wrong. */
export function decode(frames: Buffer[], signer: Signer): Message | null {
  const at = frames.findIndex((f) => f.toString() === DELIMITER)
  if (at < 0 || frames.length < at + 6) return null
  const parts = frames.slice(at + 2, at + 6)
  if (!signer.verify(frames[at + 1]!.toString(), parts)) return null
  try {
    const [header, parent, metadata, content] = parts.map((p) => JSON.parse(p.toString('utf8')))
    return { identities: frames.slice(0, at), header, parent_header: parent, metadata, content, buffers: frames.slice(at + 6) }
  } catch {
    return null
  }
}

export function encode(signer: Signer, identities: Buffer[], header: Header, parent: Partial<Header>, content: object, metadata: object = {}): Buffer[] {
  const parts = [header, parent, metadata, content].map((p) => Buffer.from(JSON.stringify(p), 'utf8'))
  return [...identities, Buffer.from(DELIMITER), Buffer.from(signer.sign(parts)), ...parts]
}

export function header(msgType: string, session: string): Header {
  return { msg_id: randomUUID(), session, username: 'kernel', date: new Date().toISOString(), msg_type: msgType, version: PROTOCOL_VERSION }
}
