/** What a model gets wrong on the validation set: the vocabulary shared by train, worker and ui. */

/** Which model a confusion matrix is of. */
export type EvaluatedModel = 'float' | 'int8';

/** The figures of a confusion matrix on the validation set. */
export interface ConfusionFigures {
  numClasses: number;
  /** counts[t * numClasses + p]: validation samples of true class t predicted as p. */
  counts: number[];
  total: number;
  accuracy: number;
  /** Per class: of the samples predicted as it, the share that are it (null: none predicted). */
  precision: (number | null)[];
  /** Per class: of its samples, the share predicted as it (null: no samples). */
  recall: (number | null)[];
}

/** A confusion matrix on the validation set, with pictures of a few samples per cell. */
export interface ConfusionEvaluation extends ConfusionFigures {
  model: EvaluatedModel;
  classNames: string[];
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
