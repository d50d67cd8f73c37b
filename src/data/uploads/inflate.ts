/**
 * Bounded decompression. Deflate expands data by up to 1,032:1, so a few MB of gzip or zip can
 * declare gigabytes; inflating first and checking the size after is how a tab dies. Here the
 * input goes through fflate's streaming inflater a slice at a time and the output is counted
 * as it comes: once it passes the limit the stream is dropped. A slice is limit / 16,512 bytes
 * (512 B to 64 KiB), so one slice's output (≤ 1,032× its size) overshoots the limit by at most
 * a 16th of it, or 0.5 MiB: the memory held and the work done stop close to the limit.
 */
import { Gunzip, Inflate } from 'fflate';

const MAX_RATIO = 1032; // DEFLATE's best case: 258-byte matches in 2 bits

/** The stream produced more than `limit` bytes; `produced` is how many it had made by then. */
export class InflateLimitError extends Error {
  constructor(
    readonly limit: number,
    readonly produced: number,
  ) {
    super(`expands to more than ${limit} bytes`);
    this.name = 'InflateLimitError';
  }
}

/**
 * Inflates `input` ('gzip': one or more concatenated members, as `cat a.gz b.gz` makes; or
 * 'deflate': a raw DEFLATE stream, as zip entries hold) and returns the output, or throws
 * InflateLimitError as soon as it exceeds `limit` bytes. `sizeHint` (e.g. a declared size)
 * only sizes the first buffer. A corrupt stream throws fflate's Error.
 */
export function inflateWithinLimit(
  input: Uint8Array,
  format: 'gzip' | 'deflate',
  limit: number,
  sizeHint = 0,
): Uint8Array {
  let out = new Uint8Array(Math.min(limit, Math.max(sizeHint, 4 * input.length, 1024)));
  let produced = 0;
  const ondata = (chunk: Uint8Array) => {
    const end = produced + chunk.length;
    if (end > limit) throw new InflateLimitError(limit, end);
    if (end > out.length) {
      const grown = new Uint8Array(Math.min(limit, Math.max(end, 2 * out.length)));
      grown.set(out.subarray(0, produced));
      out = grown;
    }
    out.set(chunk, produced);
    produced = end;
  };
  const stream = format === 'gzip' ? new Gunzip(ondata) : new Inflate(ondata);
  if (input.length === 0) stream.push(input, true);
  const slice = Math.min(64 * 1024, Math.max(512, Math.floor(limit / MAX_RATIO / 16)));
  for (let at = 0; at < input.length; at += slice) {
    const end = Math.min(input.length, at + slice);
    stream.push(input.subarray(at, end), end === input.length);
  }
  return out.length === produced ? out : out.slice(0, produced);
}
