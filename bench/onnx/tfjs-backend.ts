/** Times one BreastMNIST epoch of the test CNN on the TF.js CPU (pure JS) and WASM backends. */
import { loadMedMnist, trainCnn, selectBackend, type CnnSpec } from '../../src/learn/cnn/index.js';

const d = loadMedMnist(new URL('../../../shared/data/imaging/breastmnist.npz', import.meta.url).pathname);
const spec: CnnSpec = {
  dims: 2,
  inputShape: [28, 28, 1],
  layers: [
    { type: 'conv', filters: 8, kernel: 3 },
    { type: 'maxpool', size: 2 },
    { type: 'flatten' },
    { type: 'dense', units: 16 },
  ],
  nClasses: 2,
  epochs: 1,
  seed: 1,
};
for (const b of (process.argv[2] ?? 'wasm,cpu').split(',') as Array<'cpu' | 'wasm'>) {
  await selectBackend(b);
  const m = await trainCnn(spec, d.train.x, d.train.y);
  console.log(`${b}: one epoch (546 images) ${m.trainSeconds.toFixed(2)} s`);
}
