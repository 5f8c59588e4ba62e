/**
 * 1-D and 2-D convolutional networks on TensorFlow.js (pure-JS CPU backend by default; the WASM
 * backend can be selected, see bench/onnx): conv, max-pooling, batch norm, dropout, dense; Adam;
 * seeded initialisers and our own seeded shuffling, so a fixed seed gives the same model.
 *
 * Input layout is channels-last as TF.js wants: 2-D [N, H, W, C], 1-D [N, L, C].
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../core/index.js';

export type CnnLayer =
  | {
      readonly type: 'conv';
      readonly filters: number;
      readonly kernel: number;
      readonly padding?: 'same' | 'valid';
    }
  | { readonly type: 'maxpool'; readonly size: number }
  | { readonly type: 'batchnorm' }
  | { readonly type: 'dropout'; readonly rate: number }
  | { readonly type: 'flatten' }
  | { readonly type: 'dense'; readonly units: number };

export interface CnnSpec {
  readonly dims: 1 | 2;
  /** [H, W, C] or [L, C]. */
  readonly inputShape: readonly number[];
  readonly layers: readonly CnnLayer[];
  readonly nClasses: number;
  readonly epochs?: number;
  readonly batchSize?: number;
  readonly learningRate?: number;
  readonly seed?: number;
}

export interface TrainedCnn {
  readonly spec: CnnSpec;
  readonly model: tf.Sequential;
  readonly trainSeconds: number;
  readonly losses: number[];
}

let backendReady: Promise<void> | null = null;

/** Selects the TF.js backend ('cpu' default; 'wasm' registers @tensorflow/tfjs-backend-wasm). */
export async function selectBackend(name: 'cpu' | 'wasm' = 'cpu'): Promise<string> {
  if (name === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const { createRequire } = await import('node:module');
    const path = await import('node:path');
    const dir = path.dirname(
      createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json'),
    );
    wasm.setWasmPaths(`${path.join(dir, 'dist')}/`);
  }
  await tf.setBackend(name);
  await tf.ready();
  return tf.getBackend();
}

async function ensureBackend(): Promise<void> {
  if (!backendReady)
    backendReady = tf.getBackend() ? Promise.resolve() : selectBackend('cpu').then(() => undefined);
  await backendReady;
}

export function buildCnn(spec: CnnSpec): tf.Sequential {
  const seed = spec.seed ?? 42;
  let s = seed;
  const init = () => tf.initializers.glorotUniform({ seed: s++ });
  const model = tf.sequential();
  let first = true;
  const inputShape = first ? { inputShape: [...spec.inputShape] } : {};
  for (const l of spec.layers) {
    const shape = first ? inputShape : {};
    if (l.type === 'conv') {
      const cfg = {
        filters: l.filters,
        kernelSize: l.kernel,
        padding: l.padding ?? 'valid',
        activation: 'relu' as const,
        kernelInitializer: init(),
        ...shape,
      };
      model.add(spec.dims === 2 ? tf.layers.conv2d(cfg) : tf.layers.conv1d(cfg));
    } else if (l.type === 'maxpool') {
      model.add(
        spec.dims === 2
          ? tf.layers.maxPooling2d({ poolSize: l.size, strides: l.size, ...shape })
          : tf.layers.maxPooling1d({ poolSize: l.size, strides: l.size, ...shape }),
      );
    } else if (l.type === 'batchnorm') model.add(tf.layers.batchNormalization({ ...shape }));
    else if (l.type === 'dropout') model.add(tf.layers.dropout({ rate: l.rate, seed: s++, ...shape }));
    else if (l.type === 'flatten') model.add(tf.layers.flatten({ ...shape }));
    else
      model.add(tf.layers.dense({ units: l.units, activation: 'relu', kernelInitializer: init(), ...shape }));
    first = false;
  }
  model.add(tf.layers.dense({ units: spec.nClasses, activation: 'softmax', kernelInitializer: init() }));
  model.compile({
    optimizer: tf.train.adam(spec.learningRate ?? 1e-3),
    loss: 'sparseCategoricalCrossentropy',
  });
  return model;
}

/** Trains on x (channels-last, flat Float32Array) and integer labels y. */
export async function trainCnn(
  spec: CnnSpec,
  x: Float32Array,
  y: ArrayLike<number>,
  onEpoch?: (epoch: number, loss: number) => void,
): Promise<TrainedCnn> {
  await ensureBackend();
  const n = y.length;
  const per = spec.inputShape.reduce((a, b) => a * b, 1);
  const model = buildCnn(spec);
  const rng = new Rng(spec.seed ?? 42);
  const losses: number[] = [];
  const t0 = performance.now();
  const idx = Array.from({ length: n }, (_, i) => i);
  for (let e = 0; e < (spec.epochs ?? 10); e++) {
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(rng.uniform() * (i + 1));
      [idx[i], idx[j]] = [idx[j], idx[i]];
    }
    const xs = new Float32Array(n * per);
    const ys = new Float32Array(n);
    idx.forEach((src, dst) => {
      xs.set(x.subarray(src * per, (src + 1) * per), dst * per);
      ys[dst] = y[src];
    });
    const xt = tf.tensor(xs, [n, ...spec.inputShape]);
    const yt = tf.tensor1d(ys);
    const h = await model.fit(xt, yt, {
      epochs: 1,
      batchSize: spec.batchSize ?? 32,
      shuffle: false,
      verbose: 0,
    });
    xt.dispose();
    yt.dispose();
    const loss = h.history.loss[0] as number;
    losses.push(loss);
    onEpoch?.(e, loss);
  }
  return { spec, model, trainSeconds: (performance.now() - t0) / 1000, losses };
}

/** Class probabilities, row-major n × K. */
export function predictCnn(m: TrainedCnn, x: Float32Array): Float32Array {
  const per = m.spec.inputShape.reduce((a, b) => a * b, 1);
  const n = x.length / per;
  return tf.tidy(
    () => (m.model.predict(tf.tensor(x, [n, ...m.spec.inputShape])) as tf.Tensor).dataSync() as Float32Array,
  );
}
