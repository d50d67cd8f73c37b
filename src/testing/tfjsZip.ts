/** Reads back the studio's TF.js export (a zip of model.json and weights.bin) for the tests. */
import * as tf from '@tensorflow/tfjs';
import { strFromU8, unzipSync } from 'fflate';

export async function loadTfjsZip(bytes: Uint8Array): Promise<tf.LayersModel> {
  const zip = unzipSync(bytes);
  const json = JSON.parse(strFromU8(zip['model.json']));
  return tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest[0].weights,
      weightData: zip['weights.bin'].slice().buffer,
    }),
  );
}
