// Writes the app icons (public/icons/*.png, committed) without an image library: a 3×3 grid
// of channel squares on the header's blue, some of them pruned (outlined only). Run it again
// after changing the drawing: `node scripts/make-icons.mjs`.
import { mkdirSync, writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const BLUE = [0x1f, 0x4e, 0x79];
const WHITE = [0xff, 0xff, 0xff];
const PRUNED = new Set([1, 5, 6]);

function crc32(bytes) {
  let c = ~0;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'ascii');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** RGB pixel of the icon at (x, y); `safe` shrinks the drawing into the maskable safe zone. */
function pixel(size, x, y, safe) {
  const margin = size * (safe ? 0.22 : 0.14);
  const cell = (size - 2 * margin) / 3;
  const gap = cell * 0.14;
  const cx = Math.floor((x - margin) / cell);
  const cy = Math.floor((y - margin) / cell);
  if (cx < 0 || cy < 0 || cx > 2 || cy > 2) return BLUE;
  const lx = x - margin - cx * cell;
  const ly = y - margin - cy * cell;
  if (lx < gap || ly < gap || lx > cell - gap || ly > cell - gap) return BLUE;
  if (!PRUNED.has(cy * 3 + cx)) return WHITE;
  const edge = Math.max(2, cell * 0.07);
  const inside =
    lx > gap + edge && ly > gap + edge && lx < cell - gap - edge && ly < cell - gap - edge;
  return inside ? BLUE : WHITE;
}

function png(size, safe) {
  const rows = Buffer.alloc(size * (size * 3 + 1));
  for (let y = 0; y < size; y++) {
    rows[y * (size * 3 + 1)] = 0;
    for (let x = 0; x < size; x++) {
      const [r, g, b] = pixel(size, x + 0.5, y + 0.5, safe);
      const at = y * (size * 3 + 1) + 1 + x * 3;
      rows[at] = r;
      rows[at + 1] = g;
      rows[at + 2] = b;
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const dir = new URL('../public/icons/', import.meta.url);
mkdirSync(dir, { recursive: true });
writeFileSync(new URL('icon-192.png', dir), png(192, false));
writeFileSync(new URL('icon-512.png', dir), png(512, false));
writeFileSync(new URL('icon-maskable-512.png', dir), png(512, true));
writeFileSync(new URL('apple-touch-icon.png', dir), png(180, false));
