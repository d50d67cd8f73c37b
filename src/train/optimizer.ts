/**
 * Adam for the network weights, with its moments kept per (layer, weight) so that they can be
 * checkpointed and sliced together with the weights when channels are removed physically.
 */
import * as tf from '@tensorflow/tfjs';
import { adamStep } from './fusedTraining';
import type { LayerWeights, MaskedNetwork, WeightName } from './network';

export interface WeightAdamState {
  step: number;
  m: Map<string, LayerWeights>;
  v: Map<string, LayerWeights>;
}

export class WeightAdam {
  private step = 0;
  private readonly m = new Map<tf.Variable, tf.Variable>();
  private readonly v = new Map<tf.Variable, tf.Variable>();

  constructor(
    public learningRate: number,
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
    readonly epsilon = 1e-7,
  ) {}

  /** Applies one update; `grads` are keyed by variable name. Disposes nothing it does not own. */
  apply(variables: readonly tf.Variable[], grads: Record<string, tf.Tensor>): void {
    this.step += 1;
    const c1 = 1 - this.beta1 ** this.step;
    const c2 = 1 - this.beta2 ** this.step;
    const rate = (this.learningRate * Math.sqrt(c2)) / c1;
    const settings = { beta1: this.beta1, beta2: this.beta2, rate, epsilon: this.epsilon };
    tf.tidy(() => {
      for (const variable of variables) {
        const g = grads[variable.name];
        if (!g) continue;
        let m = this.m.get(variable);
        let v = this.v.get(variable);
        if (!m || !v) {
          m = tf.variable(tf.zerosLike(variable), false);
          v = tf.variable(tf.zerosLike(variable), false);
          this.m.set(variable, m);
          this.v.set(variable, v);
        }
        const [w1, m1, v1] = adamStep(variable, m, v, g, settings);
        m.assign(m1);
        v.assign(v1);
        variable.assign(w1);
      }
    });
  }

  /** Moments as plain arrays laid out like the network's weights. */
  async readState(network: MaskedNetwork): Promise<WeightAdamState> {
    const read = async (moments: Map<tf.Variable, tf.Variable>) => {
      const out = new Map<string, LayerWeights>();
      for (const [id, layer] of network.layers) {
        const copy: LayerWeights = {};
        for (const [name, variable] of Object.entries(layer) as [WeightName, tf.Variable][]) {
          const moment = moments.get(variable);
          if (moment) copy[name] = new Float32Array(await moment.data());
        }
        out.set(id, copy);
      }
      return out;
    };
    return { step: this.step, m: await read(this.m), v: await read(this.v) };
  }

  /** Restores moments onto a (possibly smaller) network's variables. */
  restoreState(network: MaskedNetwork, state: WeightAdamState): void {
    this.dispose();
    this.step = state.step;
    for (const [id, layer] of network.layers) {
      for (const [name, variable] of Object.entries(layer) as [WeightName, tf.Variable][]) {
        const m = state.m.get(id)?.[name];
        const v = state.v.get(id)?.[name];
        if (!m || !v) continue;
        this.m.set(
          variable,
          tf.tidy(() => tf.variable(tf.tensor(m, variable.shape), false)),
        );
        this.v.set(
          variable,
          tf.tidy(() => tf.variable(tf.tensor(v, variable.shape), false)),
        );
      }
    }
  }

  dispose(): void {
    for (const t of this.m.values()) t.dispose();
    for (const t of this.v.values()) t.dispose();
    this.m.clear();
    this.v.clear();
  }
}
