/**
 * Loads the reference numbers of `references.json`, written once by
 * `/usr/bin/python3 bench/train/make_references.py` (scikit-learn 1.2.1, statsmodels 0.13.5,
 * numpy 1.24.2). Tests never call Python.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Matrix, matrixFromRows } from '../../core/index.js';

// the JSON file's shape is documented in make_references.py
export const REFS: any = JSON.parse(
  readFileSync(fileURLToPath(new URL('./references.json', import.meta.url)), 'utf8'),
);

export function mat(rows: number[][]): Matrix {
  return matrixFromRows(rows);
}
export const f64 = (a: number[]) => Float64Array.from(a);
