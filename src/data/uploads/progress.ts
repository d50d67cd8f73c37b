/**
 * Progress and cancellation of a dataset load, without touching the parsers: every byte they
 * read goes through `UploadFile.bytes()` and every picture through the image decoder, so both
 * are wrapped. A cancelled load stops at its next read or decode with LoadCancelled.
 */
import { DatasetError } from '../dataset';
import type { UploadFile } from './files';
import type { ImageDecoder } from './imageFolder';

export interface LoadProgress {
  /** Bytes of the chosen files read so far, of `bytesTotal`. */
  bytesRead: number;
  bytesTotal: number;
  /** Files read so far, of `files` chosen. */
  filesRead: number;
  files: number;
  /** Images decoded so far (inside a zip too). */
  imagesDecoded: number;
}

/** What the page can do to a load while it runs: see it go, and stop it. */
export class LoadControl {
  private stopped = false;
  private readonly progress: LoadProgress;

  constructor(
    files: readonly UploadFile[],
    private readonly report: (progress: LoadProgress) => void = () => {},
  ) {
    this.progress = {
      bytesRead: 0,
      bytesTotal: files.reduce((n, f) => n + f.size, 0),
      filesRead: 0,
      files: files.length,
      imagesDecoded: 0,
    };
  }

  get cancelled(): boolean {
    return this.stopped;
  }

  cancel(): void {
    this.stopped = true;
  }

  /** Throws LoadCancelled once the load was cancelled. */
  check(): void {
    if (this.stopped) throw new LoadCancelled();
  }

  /** The files, read through this control (progress counted, cancellation checked). */
  watchFiles(files: readonly UploadFile[]): UploadFile[] {
    return files.map((file) => ({
      path: file.path,
      size: file.size,
      bytes: async () => {
        this.check();
        const bytes = await file.bytes();
        this.check();
        this.progress.bytesRead += file.size;
        this.progress.filesRead += 1;
        this.report({ ...this.progress });
        return bytes;
      },
    }));
  }

  /** The decoder, counting each picture and stopping a cancelled load before the next one. */
  watchDecoder(decode: ImageDecoder): ImageDecoder {
    return async (bytes, mimeType, name) => {
      this.check();
      const image = await decode(bytes, mimeType, name);
      this.progress.imagesDecoded += 1;
      this.report({ ...this.progress });
      return image;
    };
  }
}

/** A load the user stopped: not a problem with the data. */
export class LoadCancelled extends DatasetError {
  constructor() {
    super('loading was cancelled');
    this.name = 'LoadCancelled';
  }
}

/**
 * `report` at most every `intervalMs` (the last call is kept and sent when the next one is
 * due, or by `flush`): thousands of small files must not mean thousands of messages.
 */
export function throttled<T>(
  report: (value: T) => void,
  intervalMs: number,
  now: () => number = () => performance.now(),
): { push: (value: T) => void; flush: () => void } {
  let last = -Infinity;
  let pending: { value: T } | undefined;
  return {
    push(value) {
      const t = now();
      if (t - last >= intervalMs) {
        last = t;
        pending = undefined;
        report(value);
      } else {
        pending = { value };
      }
    },
    flush() {
      if (pending) report(pending.value);
      pending = undefined;
    },
  };
}
