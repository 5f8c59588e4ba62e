/** Loaders for the CNN data sets: BreastMNIST (.npz) and the UCI splice-junction sequences (CSV). */
import { readFileSync } from 'node:fs';
import { oneHotEncode } from '../../ingest/genomics/encoders.js';
import { parseNpz } from './npy.js';

export interface ImageSplit {
  /** [n, 28, 28, 1] scaled to [0, 1]. */
  readonly x: Float32Array;
  readonly y: Int32Array;
  readonly n: number;
}

export function loadMedMnist(file: string): Record<'train' | 'val' | 'test', ImageSplit> {
  const z = parseNpz(new Uint8Array(readFileSync(file)));
  const split = (k: string): ImageSplit => {
    const img = z.get(`${k}_images`)!;
    const lab = z.get(`${k}_labels`)!;
    const n = img.shape[0];
    return {
      x: Float32Array.from(img.data as Uint8Array, (v) => v / 255),
      y: Int32Array.from(lab.data as Uint8Array),
      n,
    };
  };
  return { train: split('train'), val: split('val'), test: split('test') };
}

export const SPLICE_CLASSES = ['EI', 'IE', 'N'] as const;

/** Splice-junction CSV: one-hot [n, 60, 4] (ambiguous bases spread uniformly) and class codes. */
export function loadSplice(file: string): { x: Float32Array; y: Int32Array; n: number; length: number } {
  const lines = readFileSync(file, 'utf8').trim().split(/\r?\n/).slice(1);
  const L = 60;
  const x = new Float32Array(lines.length * L * 4);
  const y = new Int32Array(lines.length);
  lines.forEach((line, i) => {
    const f = line.split(',');
    const cls = f[0].trim();
    const seq = f[f.length - 1].trim();
    y[i] = SPLICE_CLASSES.indexOf(cls as (typeof SPLICE_CLASSES)[number]);
    x.set(oneHotEncode(seq, { length: L, ambiguous: 'uniform' }), i * L * 4);
  });
  return { x, y, n: lines.length, length: L };
}
