/** Row-major views of a column-major `Matrix`, the layout distance loops want. */
import type { Matrix } from '../../core/index.js';

/** Row-major points: `data[i * dim + j]`. */
export interface Points {
  readonly data: Float64Array;
  readonly n: number;
  readonly dim: number;
}

export function toPoints(m: Matrix): Points {
  const { nRows: n, nCols: dim } = m;
  const data = new Float64Array(n * dim);
  for (let j = 0; j < dim; j++) for (let i = 0; i < n; i++) data[i * dim + j] = m.data[j * n + i];
  return { data, n, dim };
}

/** Points from row arrays (tests, small inputs). */
export function pointsFromRows(rows: readonly (readonly number[])[]): Points {
  const n = rows.length;
  const dim = n ? rows[0].length : 0;
  const data = new Float64Array(n * dim);
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) data[i * dim + j] = rows[i][j];
  return { data, n, dim };
}

export function sqDist(a: Float64Array, i: number, b: Float64Array, k: number, dim: number): number {
  let s = 0;
  const oi = i * dim;
  const ok = k * dim;
  for (let j = 0; j < dim; j++) {
    const d = a[oi + j] - b[ok + j];
    s += d * d;
  }
  return s;
}
