/**
 * Plays validation clips of an audio upload through Web Audio, one at a time: pressing the
 * clip that plays stops it, pressing another replaces it, and closing stops everything. The
 * clip is decoded in the worker (the page only copies it into an AudioBuffer).
 */
import type { SampleAudio } from '../worker/protocol';

/** The part of an AudioContext the player uses (tests pass a fake). */
export type ClipContext = Pick<
  BaseAudioContext,
  'createBuffer' | 'createBufferSource' | 'destination' | 'state'
> & {
  resume(): Promise<void>;
  close(): Promise<void>;
};

export interface ClipPlayerState {
  /** The validation index of the clip that plays. */
  playing?: number;
  /** The clip asked of the worker and not here yet. */
  loading?: number;
}

export class ClipPlayer {
  private context?: ClipContext;
  private source?: AudioBufferSourceNode;
  private state: ClipPlayerState = {};
  /** Counts presses: a clip that arrives after a later press is not played. */
  private press = 0;
  private closed = false;

  constructor(
    private readonly fetchClip: (validationIndex: number) => Promise<SampleAudio>,
    private readonly makeContext: () => ClipContext,
    private readonly onChange: (state: ClipPlayerState) => void,
    private readonly onError: (validationIndex: number, message: string) => void,
  ) {}

  /** Plays the clip, or stops it if it is the one playing (or loading). */
  async toggle(validationIndex: number): Promise<void> {
    if (this.closed) return;
    const again = this.state.playing === validationIndex || this.state.loading === validationIndex;
    this.stop();
    if (again) return;
    const press = ++this.press;
    // Made in the press itself: browsers let a page start sound only from a user's action.
    try {
      this.context ??= this.makeContext();
    } catch (err) {
      this.onError(
        validationIndex,
        `This browser cannot play sound here (${err instanceof Error ? err.message : String(err)}).`,
      );
      return;
    }
    const context = this.context;
    if (context.state === 'suspended') void context.resume();
    this.set({ loading: validationIndex });
    let audio: SampleAudio;
    try {
      audio = await this.fetchClip(validationIndex);
    } catch (err) {
      if (press !== this.press) return;
      this.set({});
      this.onError(validationIndex, err instanceof Error ? err.message : String(err));
      return;
    }
    if (press !== this.press || this.closed) return;
    const buffer = context.createBuffer(1, audio.samples.length, audio.sampleRate);
    buffer.copyToChannel(audio.samples as Float32Array<ArrayBuffer>, 0);
    const source = context.createBufferSource();
    source.buffer = buffer;
    source.connect(context.destination);
    source.onended = () => {
      if (this.source !== source) return;
      this.source = undefined;
      this.set({});
    };
    this.source = source;
    this.set({ playing: validationIndex });
    source.start();
  }

  /** Stops the clip that plays; a clip still on its way will not play. */
  stop(): void {
    this.press++;
    const source = this.source;
    this.source = undefined;
    if (source) {
      source.onended = null;
      source.stop();
      source.disconnect();
    }
    if (this.state.playing !== undefined || this.state.loading !== undefined) this.set({});
  }

  /** Stops and lets the audio context go (the sample list closed). */
  close(): void {
    this.stop();
    this.closed = true;
    void this.context?.close();
    this.context = undefined;
  }

  private set(state: ClipPlayerState): void {
    this.state = state;
    this.onChange(state);
  }
}
