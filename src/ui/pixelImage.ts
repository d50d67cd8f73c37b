/**
 * Small pictures (dataset samples) as image URLs: an uncompressed 32-bit BMP in a data URL,
 * drawn by an <img>.
 *
 * Not a canvas: a canvas's first putImageData can wait on the GPU process, and when that is
 * busy (the worker timing a WebGPU or WebGL training step while it picks a backend) the wait
 * blocked the page's main thread for 1.2–2.2 s at the start of a run, even for a canvas
 * kept in main memory (`npm run bench:main-thread -- --profile`). An <img> is decoded and
 * drawn off the main thread.
 */

const HEADER_BYTES = 14 + 40;

/** A data URL of a `width × height` picture whose RGBA bytes `fill` writes (row by row). */
export function pixelImageUrl(
  width: number,
  height: number,
  fill: (rgba: Uint8ClampedArray) => void,
): string {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1)
    throw new RangeError(`a picture needs a whole positive size, not ${width}×${height}`);
  const rgba = new Uint8ClampedArray(width * height * 4);
  fill(rgba);
  const bytes = new Uint8Array(HEADER_BYTES + rgba.length);
  const view = new DataView(bytes.buffer);
  // File header: 'BM', file size, two reserved words, offset of the pixels.
  bytes[0] = 0x42;
  bytes[1] = 0x4d;
  view.setUint32(2, bytes.length, true);
  view.setUint32(10, HEADER_BYTES, true);
  // BITMAPINFOHEADER: its size, width, height (negative: the first row is the top one),
  // one plane, 32 bits per pixel (no row padding), no compression, the pixel bytes.
  view.setUint32(14, 40, true);
  view.setInt32(18, width, true);
  view.setInt32(22, -height, true);
  view.setUint16(26, 1, true);
  view.setUint16(28, 32, true);
  view.setUint32(30, 0, true);
  view.setUint32(34, rgba.length, true);
  for (let p = 0; p < rgba.length; p += 4) {
    // BMP stores blue, green, red, then the fourth byte.
    bytes[HEADER_BYTES + p] = rgba[p + 2];
    bytes[HEADER_BYTES + p + 1] = rgba[p + 1];
    bytes[HEADER_BYTES + p + 2] = rgba[p];
    bytes[HEADER_BYTES + p + 3] = rgba[p + 3];
  }
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x2000)
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x2000));
  return `data:image/bmp;base64,${btoa(binary)}`;
}
