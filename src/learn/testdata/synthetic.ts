/** Small seeded problems for the conformance suite and learner tests (no reference numbers here). */
import { type Matrix, Rng } from '../../core/index.js';

/** n rows × p standard-normal features (column-major). */
export function gaussianMatrix(seed: number, n: number, p: number): Matrix {
  const rng = new Rng(seed);
  const data = new Float64Array(n * p);
  for (let k = 0; k < data.length; k++) data[k] = rng.normal();
  return { data, nRows: n, nCols: p, columns: Array.from({ length: p }, (_, j) => `x${j}`) };
}

export function binaryProblem(seed: number, n = 120, p = 4): { X: Matrix; y: Float64Array } {
  const X = gaussianMatrix(seed, n, p);
  const rng = new Rng(seed + 1000);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const z = X.data[i] - 0.7 * X.data[n + i] + 0.3;
    y[i] = rng.uniform() < 1 / (1 + Math.exp(-2 * z)) ? 1 : 0;
  }
  return { X, y };
}

export function multiclassProblem(seed: number, n = 150, p = 3): { X: Matrix; y: Float64Array } {
  const X = gaussianMatrix(seed, n, p);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const a = X.data[i];
    const b = X.data[n + i];
    y[i] = a + 0.3 * b > 0.5 ? 2 : a - b > -0.3 ? 1 : 0;
  }
  return { X, y };
}

export function regressionProblem(seed: number, n = 100, p = 3): { X: Matrix; y: Float64Array } {
  const X = gaussianMatrix(seed, n, p);
  const rng = new Rng(seed + 7);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) y[i] = 1 + 2 * X.data[i] - X.data[n + i] + 0.2 * rng.normal();
  return { X, y };
}

/** Integer category codes (for categorical naive Bayes). */
export function categoricalProblem(seed: number, n = 90): { X: Matrix; y: Float64Array } {
  const rng = new Rng(seed);
  const data = new Float64Array(n * 2);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    data[i] = rng.int(3);
    data[n + i] = rng.int(4);
    y[i] = data[i] + rng.int(2) > 1 ? 1 : 0;
  }
  return { X: { data, nRows: n, nCols: 2, columns: ['a', 'b'] }, y };
}
