import { describe, expect, it } from 'vitest';
import {
  blackPng,
  bmpHeader,
  gifHeader,
  jpegHeader,
  pngHeader,
  webpHeader,
} from '../testing/fixtures';
import { readImageHeader } from './imageHeader';

/** One real 20000×20000 PNG (1.6 GB as RGBA), built once: deflating its rows takes ~1 s. */
const bomb = blackPng(20000, 20000);

describe('readImageHeader', () => {
  it.each([
    ['PNG', pngHeader(640, 480), 'png', 640, 480],
    ['a 20000×20000 PNG of ~50 kB', bomb, 'png', 20000, 20000],
    ['a baseline JPEG after APP0 and DHT', jpegHeader(4032, 3024), 'jpeg', 4032, 3024],
    ['a progressive JPEG', jpegHeader(65535, 65535, 0xc2), 'jpeg', 65535, 65535],
    ['a GIF', gifHeader(300, 200), 'gif', 300, 200],
    [
      'a GIF whose frame reaches past its screen',
      gifHeader(1, 1, [10, 20, 60000, 50000]),
      'gif',
      60010,
      50020,
    ],
    ['a BMP', bmpHeader(800, 600), 'bmp', 800, 600],
    ['a top-down BMP', bmpHeader(800, -600 >>> 0), 'bmp', 800, 600],
    ['a WebP (VP8X)', webpHeader('VP8X', 16384, 9000), 'webp', 16384, 9000],
    ['a WebP (VP8L)', webpHeader('VP8L', 16384, 16384), 'webp', 16384, 16384],
    ['a WebP (VP8)', webpHeader('VP8 ', 1920, 1080), 'webp', 1920, 1080],
  ])('reads %s', (_, bytes, format, width, height) => {
    expect(readImageHeader(bytes)).toEqual({ format, width, height });
  });

  it('needs no more than the header', () => {
    expect(bomb.length).toBeLessThan(100_000);
  });

  it.each([
    [
      'text',
      new TextEncoder().encode('not an image at all'),
      /no PNG, JPEG, GIF, BMP, WebP header/,
    ],
    ['a truncated PNG', pngHeader(10, 10).subarray(0, 20), /PNG header is truncated/],
    [
      'a JPEG without a frame header',
      Uint8Array.of(0xff, 0xd8, 0xff, 0xda, 0, 2),
      /no frame header/,
    ],
    ['a JPEG with a DNL height', jpegHeader(100, 0), /no height/],
    ['a zero-width BMP', bmpHeader(0, 10), /0×10 pixels/],
    ['an unknown WebP chunk', webpHeader('VP8X', 1, 1).fill(0x41, 12, 16), /WebP chunk "AAAA"/],
  ])('refuses %s', (_, bytes, message) => {
    expect(() => readImageHeader(bytes)).toThrow(message);
  });
});
