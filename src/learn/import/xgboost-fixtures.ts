/** Test helpers: the XGBoost fixtures of test/fixtures/xgboost (made by make_fixtures.py). */
import { readFileSync } from 'node:fs';
import type { Matrix } from '../../core/index.js';
import { importXgboostJson } from './xgboost.js';

const dir = new URL('../../../test/fixtures/xgboost/', import.meta.url);

/** Numbers of a CSV written by numpy.savetxt (no header; 'nan' for missing). */
export function readNumericCsv(file: URL): number[][] {
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => l.split(',').map((v) => (v === 'nan' ? Number.NaN : Number(v))));
}

export function matrixOf(rows: number[][], names: readonly string[]): Matrix {
  const n = rows.length;
  const p = rows[0].length;
  const data = new Float64Array(n * p);
  for (let i = 0; i < n; i++) for (let j = 0; j < p; j++) data[j * n + i] = rows[i][j];
  return { data, nRows: n, nCols: p, columns: [...names] };
}

export function loadFixture(name: string) {
  const { model, info } = importXgboostJson(readFileSync(new URL(`${name}.json`, dir), 'utf8'));
  const X = matrixOf(readNumericCsv(new URL(`${name}.X.csv`, dir)), model.featureNames);
  const margin = readNumericCsv(new URL(`${name}.margin.csv`, dir));
  const contribs = readNumericCsv(new URL(`${name}.contribs.csv`, dir));
  return { model, info, X, margin, contribs };
}
