/**
 * The browser's image decoder for loadImageFolder: createImageBitmap + OffscreenCanvas, which
 * exist on the main thread and in workers. Not used in Node tests (they inject a fake).
 * loadImageFolder has already checked the header's pixel count (UPLOAD_LIMITS.imagePixels);
 * the bitmap is closed as soon as it is drawn, so at most two decoded copies exist at once.
 */
import type { ImageDecoder } from './imageFolder';

export const browserImageDecoder: ImageDecoder = async (bytes, mimeType) => {
  const bitmap = await createImageBitmap(new Blob([bytes], { type: mimeType }));
  const { width, height } = bitmap;
  let context: OffscreenCanvasRenderingContext2D | null;
  try {
    context = new OffscreenCanvas(width, height).getContext('2d');
    if (!context) throw new Error('no 2D canvas context');
    context.drawImage(bitmap, 0, 0);
  } finally {
    bitmap.close();
  }
  return { width, height, data: context.getImageData(0, 0, width, height).data };
};
