/** Test helpers (not exported from the stage): a small CSV → Frame reader for fixtures. */
import { readFileSync } from 'node:fs';
import { type Column, type Frame, categoricalColumn, makeFrame, numericColumn } from '../core/index.js';

/** Reads a simple CSV (no embedded commas/newlines); "NA" and "" are missing; numbers become numeric. */
export function readCsvFrame(path: string): Frame {
  const lines = readFileSync(path, 'utf8').trim().split(/\r?\n/);
  const header = lines[0].split(',').map((h) => h.replace(/^"|"$/g, ''));
  const cells = lines.slice(1).map((l) => l.split(',').map((c) => c.replace(/^"|"$/g, '')));
  const cols: Column[] = header.map((name, j) => {
    const raw = cells.map((r) => r[j]);
    const missing = (v: string) => v === '' || v === 'NA';
    if (raw.every((v) => missing(v) || !Number.isNaN(Number(v)))) {
      return numericColumn(
        name,
        raw.map((v) => (missing(v) ? Number.NaN : Number(v))),
      );
    }
    return categoricalColumn(
      name,
      raw.map((v) => (missing(v) ? null : v)),
    );
  });
  return makeFrame(cols);
}
