/**
 * Reads the two public clinical tables in ../shared/data/tabular into Frames for tests and benches
 * (a tiny numeric CSV reader: '?' and empty fields are missing). Not used by the product: the CLI
 * reads files through DuckDB.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Frame, makeFrame, numericColumn } from '../core/index.js';

export const SHARED_TABULAR = fileURLToPath(new URL('../../../shared/data/tabular/', import.meta.url));

function readNumericCsv(file: string): { names: string[]; cols: number[][] } {
  const lines = readFileSync(file, 'utf8').trim().split(/\r?\n/);
  const names = lines[0].split(',').map((h) => h.trim().replace(/^\(([^)]*)\).*$/, '$1'));
  const cols = names.map(() => [] as number[]);
  for (const line of lines.slice(1)) {
    line.split(',').forEach((v, j) => {
      cols[j].push(v === '?' || v === '' ? Number.NaN : Number(v));
    });
  }
  return { names, cols };
}

/** UCI heart disease (Cleveland): 13 features, target `disease` = num > 0 (role target). */
export function heartDiseaseFrame(): Frame {
  const { names, cols } = readNumericCsv(`${SHARED_TABULAR}uci-heart-disease-processed.cleveland.data.csv`);
  const t = names.indexOf('num');
  const columns = names.map((n, j) => numericColumn(n, cols[j])).filter((_, j) => j !== t);
  columns.push(
    numericColumn(
      'disease',
      cols[t].map((v) => (v > 0 ? 1 : 0)),
    ),
  );
  return makeFrame(columns, { disease: 'target' });
}

/** UCI heart failure clinical records: 12 features, target DEATH_EVENT (role target). */
export function heartFailureFrame(): Frame {
  const { names, cols } = readNumericCsv(`${SHARED_TABULAR}uci-heart-failure-clinical-records.csv`);
  return makeFrame(
    names.map((n, j) => numericColumn(n, cols[j])),
    { DEATH_EVENT: 'target' },
  );
}
