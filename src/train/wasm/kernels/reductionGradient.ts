// Gradients of Mean and Sum for every backend: tfjs-core multiplies dy by a `ones(x.shape)`
// built in JavaScript and uploaded (two activation-sized arrays per batch-norm layer and step);
// these broadcast dy instead, with the same values.
import * as tf from '@tensorflow/tfjs';
import type { GradConfig, SumAttrs } from '@tensorflow/tfjs';

/** Mean / Sum gradient: dy reshaped with the reduced axes kept, scaled, broadcast to x. */
export function reductionGradient(kernelName: 'Mean' | 'Sum'): GradConfig {
  return {
    kernelName,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved;
      const axes = tf.util.parseAxisParam((attrs as unknown as SumAttrs).axis, x.shape);
      const keptShape = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
      return {
        x: () => {
          let g = tf.reshape(dy as tf.Tensor, keptShape);
          if (kernelName === 'Mean') {
            g = tf.div(
              g,
              axes.reduce((size, axis) => size * x.shape[axis], 1),
            );
          }
          return tf.broadcastTo(g, x.shape);
        },
      };
    },
  };
}
