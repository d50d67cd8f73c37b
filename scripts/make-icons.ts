// Writes the app icons (public/icons/*.png, committed) without an image library: a 3×3 grid
// of channel squares on the header's blue, some of them pruned (outlined only). Run it again
// after changing the drawing: `npx tsx scripts/make-icons.ts`.
import { mkdirSync, writeFileSync } from 'node:fs';
import { encodePng } from './png';

const BLUE = [0x1f, 0x4e, 0x79];
const WHITE = [0xff, 0xff, 0xff];
const PRUNED = new Set([1, 5, 6]);

/** RGB pixel of the icon at (x, y); `safe` shrinks the drawing into the maskable safe zone. */
function pixel(size: number, x: number, y: number, safe: boolean): number[] {
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

function png(size: number, safe: boolean): Buffer {
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
  return encodePng({
    width: size,
    height: size,
    bitDepth: 8,
    colour: 'rgb',
    scanlines: rows,
    level: 9,
  });
}

const dir = new URL('../public/icons/', import.meta.url);
mkdirSync(dir, { recursive: true });
writeFileSync(new URL('icon-192.png', dir), png(192, false));
writeFileSync(new URL('icon-512.png', dir), png(512, false));
writeFileSync(new URL('icon-maskable-512.png', dir), png(512, true));
writeFileSync(new URL('apple-touch-icon.png', dir), png(180, false));
