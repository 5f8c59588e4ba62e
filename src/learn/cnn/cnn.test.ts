import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../core/index.js';
import {
  cnnToOnnx,
  loadMedMnist,
  loadSplice,
  parseNpy,
  predictCnn,
  toChannelsFirst,
  trainCnn,
  type CnnSpec,
} from './index.js';

const DATA = new URL('../../../../shared/data/', import.meta.url).pathname;

/** AUROC by the Mann–Whitney U statistic (ties count ½). */
function auroc(score: ArrayLike<number>, y: ArrayLike<number>): number {
  let pos = 0;
  let neg = 0;
  let u = 0;
  for (let i = 0; i < y.length; i++) {
    if (y[i] !== 1) continue;
    pos++;
    for (let j = 0; j < y.length; j++)
      if (y[j] === 0) u += score[i] > score[j] ? 1 : score[i] === score[j] ? 0.5 : 0;
  }
  for (let j = 0; j < y.length; j++) if (y[j] === 0) neg++;
  return u / (pos * neg);
}

function bootstrapCi(score: ArrayLike<number>, y: ArrayLike<number>, B = 200, seed = 1): [number, number] {
  const rng = new Rng(seed);
  const stats: number[] = [];
  const n = y.length;
  for (let b = 0; b < B; b++) {
    const s = new Float64Array(n);
    const t = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const k = Math.floor(rng.uniform() * n);
      s[i] = score[k];
      t[i] = y[k];
    }
    const a = auroc(s, t);
    if (Number.isFinite(a)) stats.push(a);
  }
  stats.sort((a, b) => a - b);
  return [stats[Math.floor(0.025 * stats.length)], stats[Math.floor(0.975 * stats.length)]];
}

describe('npy / npz reader', () => {
  it('parses a hand-made .npy', () => {
    const header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }";
    const pad = 64 - ((10 + header.length + 1) % 64);
    const h = `${header}${' '.repeat(pad)}\n`;
    const buf = new Uint8Array(10 + h.length + 16);
    buf.set([0x93, 78, 85, 77, 80, 89, 1, 0, h.length & 255, h.length >> 8]);
    buf.set(new TextEncoder().encode(h), 10);
    buf.set(new Uint8Array(Float32Array.of(1, 2, 3, 4).buffer), 10 + h.length);
    const a = parseNpy(buf);
    expect(a.shape).toEqual([2, 2]);
    expect(Array.from(a.data as Float32Array)).toEqual([1, 2, 3, 4]);
  });

  it('reads BreastMNIST: 546 / 78 / 156 images of 28×28', () => {
    const d = loadMedMnist(`${DATA}imaging/breastmnist.npz`);
    expect([d.train.n, d.val.n, d.test.n]).toEqual([546, 78, 156]);
    expect(d.train.x.length).toBe(546 * 28 * 28);
    expect(new Set(d.test.y)).toEqual(new Set([0, 1]));
  });
});

describe('CNNs on TensorFlow.js', () => {
  it('2-D CNN on BreastMNIST beats chance (AUROC with bootstrap CI) and exports to ONNX within 1e-4', async () => {
    const d = loadMedMnist(`${DATA}imaging/breastmnist.npz`);
    const spec: CnnSpec = {
      dims: 2,
      inputShape: [28, 28, 1],
      layers: [
        { type: 'conv', filters: 4, kernel: 3 },
        { type: 'batchnorm' },
        { type: 'maxpool', size: 2 },
        { type: 'flatten' },
        { type: 'dropout', rate: 0.2 },
        { type: 'dense', units: 16 },
      ],
      nClasses: 2,
      epochs: 2,
      batchSize: 32,
      learningRate: 2e-3,
      seed: 7,
    };
    // pure-JS TF.js is slow (≈16 s per full epoch here): a 240-image subset keeps the test short
    const m = await trainCnn(spec, d.train.x.subarray(0, 240 * 784), d.train.y.subarray(0, 240));
    expect(m.losses[m.losses.length - 1]).toBeLessThan(m.losses[0]);
    const p = predictCnn(m, d.test.x);
    const score = Array.from({ length: d.test.n }, (_, i) => p[2 * i + 1]);
    const auc = auroc(score, d.test.y);
    const [lo, hi] = bootstrapCi(score, d.test.y);
    expect(auc).toBeGreaterThan(0.55);
    expect(lo).toBeLessThanOrEqual(auc);
    expect(hi).toBeGreaterThanOrEqual(auc);
    // ONNX export agrees with TF.js
    const s = await ort.InferenceSession.create(cnnToOnnx(m), { logSeverityLevel: 3 });
    const n = 32;
    const xs = toChannelsFirst(d.test.x.subarray(0, n * 784), n, 784, 1);
    const out = await s.run({ input: new ort.Tensor('float32', xs, [n, 1, 28, 28]) });
    const q = out.probabilities.data as Float32Array;
    let maxDiff = 0;
    for (let i = 0; i < n * 2; i++) maxDiff = Math.max(maxDiff, Math.abs(q[i] - p[i]));
    expect(maxDiff).toBeLessThanOrEqual(1e-4);
    m.model.dispose();
  }, 60_000);

  it('1-D CNN on one-hot splice-junction DNA learns the 3 classes', async () => {
    const d = loadSplice(`${DATA}genomics/uci_splice_junction.csv`);
    expect(d.n).toBe(3190);
    const rng = new Rng(3);
    const idx = Array.from({ length: d.n }, (_, i) => i).sort(() => rng.uniform() - 0.5);
    const take = (ids: number[]) => {
      const x = new Float32Array(ids.length * 240);
      ids.forEach((s, k) => {
        x.set(d.x.subarray(s * 240, (s + 1) * 240), k * 240);
      });
      return { x, y: Int32Array.from(ids, (s) => d.y[s]) };
    };
    const train = take(idx.slice(0, 600));
    const test = take(idx.slice(2500));
    const spec: CnnSpec = {
      dims: 1,
      inputShape: [60, 4],
      layers: [
        { type: 'conv', filters: 8, kernel: 7, padding: 'same' },
        { type: 'maxpool', size: 2 },
        { type: 'flatten' },
        { type: 'dense', units: 16 },
      ],
      nClasses: 3,
      epochs: 3,
      learningRate: 5e-3,
      seed: 1,
    };
    const m = await trainCnn(spec, train.x, train.y);
    const p = predictCnn(m, test.x);
    let correct = 0;
    for (let i = 0; i < test.y.length; i++) {
      const row = [p[3 * i], p[3 * i + 1], p[3 * i + 2]];
      if (row.indexOf(Math.max(...row)) === test.y[i]) correct++;
    }
    expect(correct / test.y.length).toBeGreaterThan(0.7);
    // 1-D export agrees too
    const s = await ort.InferenceSession.create(cnnToOnnx(m), { logSeverityLevel: 3 });
    const out = await s.run({
      input: new ort.Tensor('float32', toChannelsFirst(test.x.subarray(0, 16 * 240), 16, 60, 4), [16, 4, 60]),
    });
    const q = out.probabilities.data as Float32Array;
    for (let i = 0; i < 48; i++) expect(Math.abs(q[i] - p[i])).toBeLessThanOrEqual(1e-4);
    m.model.dispose();
  }, 60_000);
});
