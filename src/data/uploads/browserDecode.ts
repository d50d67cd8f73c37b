/**
 * The browser's image decoder for loadImageFolder: createImageBitmap + OffscreenCanvas, which
 * exist on the main thread and in workers. Not used in Node tests (they inject a fake).
 */
import type { ImageDecoder } from './imageFolder';

export const browserImageDecoder: ImageDecoder = async (bytes, mimeType) => {
  const bitmap = await createImageBitmap(new Blob([bytes], { type: mimeType }));
  try {
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const context = canvas.getContext('2d');
    if (!context) throw new Error('no 2D canvas context');
    context.drawImage(bitmap, 0, 0);
    const { data, width, height } = context.getImageData(0, 0, bitmap.width, bitmap.height);
    return { width, height, data };
  } finally {
    bitmap.close();
  }
};
