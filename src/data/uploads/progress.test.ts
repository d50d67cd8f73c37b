import { describe, expect, it } from 'vitest';
import { DatasetError } from '../dataset';
import type { UploadFile } from './files';
import { LoadCancelled, LoadControl, throttled, type LoadProgress } from './progress';

const file = (path: string, size: number): UploadFile => ({
  path,
  size,
  bytes: async () => new ArrayBuffer(size),
});

describe('LoadControl', () => {
  it('counts the bytes and files read and the images decoded', async () => {
    const files = [file('a/1.png', 10), file('a/2.png', 30)];
    const seen: LoadProgress[] = [];
    const control = new LoadControl(files, (p) => seen.push(p));
    const watched = control.watchFiles(files);
    const decode = control.watchDecoder(async () => ({
      width: 1,
      height: 1,
      data: new Uint8ClampedArray(4),
    }));
    await watched[1].bytes();
    await decode(new ArrayBuffer(1), 'image/png', 'a/2.png');
    expect(seen).toEqual([
      { bytesRead: 30, bytesTotal: 40, filesRead: 1, files: 2, imagesDecoded: 0 },
      { bytesRead: 30, bytesTotal: 40, filesRead: 1, files: 2, imagesDecoded: 1 },
    ]);
  });

  it('stops a cancelled load at its next read or decode, as a DatasetError that says so', async () => {
    const files = [file('x', 4), file('y', 4)];
    const control = new LoadControl(files);
    const watched = control.watchFiles(files);
    await watched[0].bytes();
    control.cancel();
    await expect(watched[1].bytes()).rejects.toBeInstanceOf(LoadCancelled);
    await expect(watched[1].bytes()).rejects.toBeInstanceOf(DatasetError);
    const decode = control.watchDecoder(async () => {
      throw new Error('the decoder must not run');
    });
    await expect(decode(new ArrayBuffer(1), 'image/png', 'x')).rejects.toThrow(
      'loading was cancelled',
    );
  });
});

describe('throttled', () => {
  it('passes one report per interval and keeps the latest for flush', () => {
    let t = 0;
    const sent: number[] = [];
    const p = throttled(
      (v: number) => sent.push(v),
      100,
      () => t,
    );
    p.push(1);
    t = 50;
    p.push(2);
    p.push(3);
    expect(sent).toEqual([1]);
    t = 120;
    p.push(4);
    expect(sent).toEqual([1, 4]);
    t = 130;
    p.push(5);
    p.flush();
    p.flush();
    expect(sent).toEqual([1, 4, 5]);
  });
});
