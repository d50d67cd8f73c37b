/**
 * The ranges a run's settings may take: the link (hash) validator and the form fields use them,
 * and the worker checks a stored checkpoint's configuration against the same figures.
 */
/** The generated set's looks: grey shapes on noise, or colour shapes on textured clutter. */
export const GENERATED_STYLES = ['plain', 'textured'] as const;
export type GeneratedStyle = (typeof GENERATED_STYLES)[number];

/** A closed range of allowed values. */
const range = (min: number, max: number): { readonly min: number; readonly max: number } => ({
  min,
  max,
});

export const LIMITS = {
  widthMultiplier: range(0.25, 4),
  totalSteps: range(10, 100_000),
  warmupFraction: range(0, 0.9),
  pruneFraction: range(0.05, 1),
  batchSize: range(1, 1024),
  learningRate: range(1e-6, 1),
  seed: range(0, 2 ** 31 - 1),
  generatedClasses: range(2, 10),
  generatedSize: range(8, 64),
  generatedSamples: range(20, 60_000),
  flash: range(1, 1e10),
  ram: range(1, 1e10),
  latency: range(1e-3, 1e6),
  macs: range(1, 1e13),
} as const;
