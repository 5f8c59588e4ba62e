/**
 * Precision and recall of extraction per field on a labelled set (JSONL: one `{"text": …, "labels":
 * {conditions, medications, vitals, allergies}}` per line). Items are compared after normalisation
 * (lower case, collapsed spaces); medications are matched by name, then dose, route and frequency are
 * scored on the matched pairs; vitals match on name and value (±1 %).
 */
import { readFileSync } from 'node:fs';
import { createError } from '../../../core/index.js';
import type { Extraction } from './extract.js';
import { validateExtraction } from './extract.js';

export interface LabelledNote {
  readonly text: string;
  readonly labels: Extraction;
}

export interface FieldScore {
  readonly field: string;
  readonly tp: number;
  readonly fp: number;
  readonly fn: number;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
}

/** Reads a labelled JSONL file (labels validated like model output). */
export function readLabelledJsonl(file: string): LabelledNote[] {
  let raw: string;
  try {
    raw = readFileSync(file, 'utf8');
  } catch (e) {
    throw createError('AEGLE_LLM_BAD_REQUEST', {
      reason: `cannot read '${file}' (${(e as NodeJS.ErrnoException).code ?? 'error'})`,
    });
  }
  return raw
    .split('\n')
    .map((l, i) => [l.trim(), i + 1] as const)
    .filter(([l]) => l)
    .map(([l, n]) => {
      let o: any;
      try {
        o = JSON.parse(l);
      } catch {
        throw createError('AEGLE_LLM_BAD_REQUEST', { reason: `line ${n} of '${file}' is not JSON` });
      }
      if (typeof o?.text !== 'string')
        throw createError('AEGLE_LLM_BAD_REQUEST', { reason: `line ${n} needs a string 'text'` });
      return {
        text: o.text,
        labels: validateExtraction({
          conditions: [],
          medications: [],
          vitals: [],
          allergies: [],
          ...o.labels,
        }),
      };
    });
}

const norm = (s: string | null | undefined) => (s ?? '').toLowerCase().replace(/\s+/g, ' ').trim();

class Tally {
  tp = 0;
  fp = 0;
  fn = 0;
  sets(pred: string[], gold: string[]): void {
    const g = new Set(gold.map(norm));
    const p = new Set(pred.map(norm));
    for (const x of p) g.has(x) ? this.tp++ : this.fp++;
    for (const x of g) if (!p.has(x)) this.fn++;
  }
  score(field: string): FieldScore {
    const precision = this.tp + this.fp ? this.tp / (this.tp + this.fp) : 1;
    const recall = this.tp + this.fn ? this.tp / (this.tp + this.fn) : 1;
    const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
    return { field, tp: this.tp, fp: this.fp, fn: this.fn, precision, recall, f1 };
  }
}

/** Scores predictions against labels, per field. `predictions[i]` answers `gold[i]` (null = failed). */
export function scoreExtractions(
  predictions: ReadonlyArray<Extraction | null>,
  gold: readonly Extraction[],
): FieldScore[] {
  const t: Record<string, Tally> = {};
  const tally = (f: string) => (t[f] ??= new Tally());
  for (const f of [
    'conditions',
    'medications.name',
    'medications.dose',
    'medications.route',
    'medications.frequency',
    'vitals',
    'allergies',
  ])
    tally(f);
  gold.forEach((g, i) => {
    const p = predictions[i] ?? { conditions: [], medications: [], vitals: [], allergies: [] };
    tally('conditions').sets(p.conditions, g.conditions);
    tally('allergies').sets(p.allergies, g.allergies);
    tally('medications.name').sets(
      p.medications.map((m) => m.name),
      g.medications.map((m) => m.name),
    );
    for (const attr of ['dose', 'route', 'frequency'] as const) {
      const pv = p.medications.filter((m) => m[attr]).map((m) => `${norm(m.name)}|${norm(m[attr])}`);
      const gv = g.medications.filter((m) => m[attr]).map((m) => `${norm(m.name)}|${norm(m[attr])}`);
      tally(`medications.${attr}`).sets(pv, gv);
    }
    const vt = tally('vitals');
    const used = new Set<number>();
    for (const v of p.vitals) {
      const j = g.vitals.findIndex(
        (x, k) =>
          !used.has(k) && x.name === v.name && Math.abs(x.value - v.value) <= Math.abs(x.value) * 0.01,
      );
      if (j >= 0) {
        used.add(j);
        vt.tp++;
      } else vt.fp++;
    }
    vt.fn += g.vitals.length - used.size;
  });
  return Object.entries(t).map(([f, x]) => x.score(f));
}
