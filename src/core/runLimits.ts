/**
 * The ranges a run's settings may take: the link (hash) validator and the form fields use them,
 * and the worker checks a stored checkpoint's configuration against the same figures.
 */
/** The generated set's looks: grey shapes on noise, or colour shapes on textured clutter. */
export const GENERATED_STYLES = ['plain', 'textured'] as const;
export type GeneratedStyle = (typeof GENERATED_STYLES)[number];

export const LIMITS = {
  widthMultiplier: { min: 0.25, max: 4 },
  totalSteps: { min: 10, max: 100_000 },
  warmupFraction: { min: 0, max: 0.9 },
  pruneFraction: { min: 0.05, max: 1 },
  batchSize: { min: 1, max: 1024 },
  learningRate: { min: 1e-6, max: 1 },
  seed: { min: 0, max: 2 ** 31 - 1 },
  generatedClasses: { min: 2, max: 10 },
  generatedSize: { min: 8, max: 64 },
  generatedSamples: { min: 20, max: 60_000 },
  flash: { min: 1, max: 1e10 },
  ram: { min: 1, max: 1e10 },
  latency: { min: 1e-3, max: 1e6 },
  macs: { min: 1, max: 1e13 },
} as const;
