/**
 * The kernelspec's logos, drawn here (no image files to ship): three tables of a pipeline, a
 * manual (green), an imported (blue) and a computed (red) one, joined by their dependencies.
 * PNG at 32 and 64 pixels (what Jupyter's launchers show) and SVG.
 */
import { crc32, deflateSync } from 'node:zlib'

type RGB = [number, number, number]
const NODES: Array<{ x: number; y: number; r: number; color: RGB }> = [
  { x: 0.27, y: 0.27, r: 0.2, color: [0x3c, 0xa0, 0x3c] },
  { x: 0.73, y: 0.4, r: 0.17, color: [0x4f, 0x5f, 0xbf] },
  { x: 0.45, y: 0.75, r: 0.19, color: [0xc8, 0x4f, 0x4f] },
]
const EDGES: Array<[number, number]> = [[0, 1], [0, 2], [1, 2]]
const EDGE_COLOR: RGB = [0x80, 0x80, 0x80]

/** Distance from (px, py) to the segment a–b. */
function segment(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax
  const dy = by - ay
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy))
}

/** RGBA pixels of the logo at `size`, anti-aliased by coverage of the pixel's width. */
function pixels(size: number): Buffer {
  const out = Buffer.alloc(size * size * 4)
  const aa = 1 / size
  for (let j = 0; j < size; j++) {
    for (let i = 0; i < size; i++) {
      const x = (i + 0.5) / size
      const y = (j + 0.5) / size
      let rgb: RGB = [0, 0, 0]
      let alpha = 0
      // "over" compositing with straight alpha
      const paint = (color: RGB, coverage: number) => {
        if (coverage <= 0) return
        const a = Math.min(1, coverage)
        const total = a + alpha * (1 - a)
        rgb = rgb.map((c, k) => (color[k]! * a + c * alpha * (1 - a)) / total) as RGB
        alpha = total
      }
      for (const [a, b] of EDGES) paint(EDGE_COLOR, (0.035 - segment(x, y, NODES[a]!.x, NODES[a]!.y, NODES[b]!.x, NODES[b]!.y)) / aa + 0.5)
      for (const n of NODES) paint(n.color, (n.r - Math.hypot(x - n.x, y - n.y)) / aa + 0.5)
      out.set([...rgb.map(Math.round), Math.round(alpha * 255)], (j * size + i) * 4)
    }
  }
  return out
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8)
  head.writeUInt32BE(data.length, 0)
  head.write(type, 4, 'ascii')
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0)
  return Buffer.concat([head, data, crc])
}

/** The logo as a PNG of `size` × `size` pixels (8-bit RGBA). */
export function logoPng(size: number): Buffer {
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(size, 0)
  ihdr.writeUInt32BE(size, 4)
  ihdr.set([8, 6, 0, 0, 0], 8)
  const rgba = pixels(size)
  // each scanline starts with filter type 0 (none)
  const raw = Buffer.alloc(size * (size * 4 + 1))
  for (let j = 0; j < size; j++) rgba.copy(raw, j * (size * 4 + 1) + 1, j * size * 4, (j + 1) * size * 4)
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))])
}

export function logoSvg(): string {
  const hex = (c: RGB) => '#' + c.map((v) => v.toString(16).padStart(2, '0')).join('')
  const lines = EDGES.map(([a, b]) => `<line x1="${NODES[a]!.x * 64}" y1="${NODES[a]!.y * 64}" x2="${NODES[b]!.x * 64}" y2="${NODES[b]!.y * 64}" stroke="${hex(EDGE_COLOR)}" stroke-width="4.5"/>`)
  const dots = NODES.map((n) => `<circle cx="${n.x * 64}" cy="${n.y * 64}" r="${n.r * 64}" fill="${hex(n.color)}"/>`)
  return `<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64">${[...lines, ...dots].join('')}</svg>\n`
}
