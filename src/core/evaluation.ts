/** What a model gets wrong on the validation set: the vocabulary shared by train, worker and ui. */

/** Which model a confusion matrix is of. */
export type EvaluatedModel = 'float' | 'int8';

/** A confusion matrix on the validation set, with pictures of a few samples per cell. */
export interface ConfusionEvaluation {
  model: EvaluatedModel;
  classNames: string[];
  numClasses: number;
  /** counts[t * numClasses + p]: validation samples of true class t predicted as p. */
  counts: number[];
  total: number;
  accuracy: number;
  /** Per class; null where no sample was predicted as it. */
  precision: (number | null)[];
  /** Per class; null where the class has no validation sample. */
  recall: (number | null)[];
  /**
   * The samples are clips of an audio upload: the worker can decode one again to listen to
   * (the sampleAudio command) while it holds the run.
   */
  audio?: boolean;
  /** Per cell (t * numClasses + p): indices into `samples` of its first few samples. */
  cellSamples: number[][];
  /** The listed samples as pictures: 0..255 per value, NHWC, each rescaled on its own. */
  samples: {
    inputShape: [number, number, number];
    count: number;
    pixels: Uint8Array;
    /** Each picture's index in the validation split. */
    validationIndex: number[];
  };
}
