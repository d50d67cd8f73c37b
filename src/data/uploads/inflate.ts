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

/** Input bytes per push: one push's output (≤ 1,032× it) stays within a 16th of `limit`. */
function sliceFor(limit: number): number {
  return Math.min(64 * 1024, Math.max(512, Math.floor(limit / MAX_RATIO / 16)));
}

/**
 * A look at the first `length` bytes as soon as they exist: `check` throws to stop, or returns
 * the size the whole output may have (e.g. what a header declares), which lowers the limit.
 */
export interface HeadCheck {
  length: number;
  check: (head: Uint8Array) => number | void;
}

/**
 * Inflates `input` ('gzip': one or more concatenated members, as `cat a.gz b.gz` makes; or
 * 'deflate': a raw DEFLATE stream, as zip entries hold) and returns the output, or throws
 * InflateLimitError as soon as it exceeds `maxBytes` (or what `head` allows). The output goes into one buffer of
 * `sizeHint` bytes (for gzip, by default, the size its last member declares) while it fits,
 * then into a list of chunks joined at the end, so a bomb never costs more than the limit plus
 * one slice's output. `head`, if given, sees the first bytes before the rest is inflated (e.g.
 * to refuse a header that declares too much). A corrupt stream throws fflate's Error.
 */
export function inflateWithinLimit(
  input: Uint8Array,
  format: 'gzip' | 'deflate',
  maxBytes: number,
  sizeHint = format === 'gzip' && input.length >= 18
    ? new DataView(input.buffer, input.byteOffset + input.length - 4, 4).getUint32(0, true)
    : 0,
  head?: HeadCheck,
): Uint8Array {
  let limit = maxBytes;
  let slice = sliceFor(limit);
  // A hint is a claim: no stream inflates past 1,032× its input, so no more is reserved.
  const first = new Uint8Array(Math.min(limit, sizeHint, MAX_RATIO * input.length + 1024));
  const chunks: Uint8Array[] = [];
  let produced = 0;
  const seen = head ? new Uint8Array(head.length) : undefined;
  const ondata = (chunk: Uint8Array) => {
    const end = produced + chunk.length;
    if (seen && produced < seen.length) {
      seen.set(chunk.subarray(0, seen.length - produced), produced);
      if (end >= seen.length) {
        limit = Math.min(limit, head!.check(seen) ?? limit);
        slice = sliceFor(limit);
      }
    }
    if (end > limit) throw new InflateLimitError(limit, end);
    if (chunks.length === 0 && end <= first.length) first.set(chunk, produced);
    else {
      if (chunks.length === 0 && produced > 0) chunks.push(first.subarray(0, produced));
      chunks.push(chunk);
    }
    produced = end;
  };
  const stream = format === 'gzip' ? new Gunzip(ondata) : new Inflate(ondata);
  if (input.length === 0) stream.push(input, true);
  for (let at = 0; at < input.length; at += slice) {
    const end = Math.min(input.length, at + slice);
    stream.push(input.subarray(at, end), end === input.length);
  }
  if (seen && produced < seen.length) head!.check(seen.subarray(0, produced));
  if (chunks.length === 0) return produced === first.length ? first : first.slice(0, produced);
  const out = new Uint8Array(produced);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}
