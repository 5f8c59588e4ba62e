import { beforeAll, describe, expect, it } from 'vitest';
import {
  type CategoricalColumn,
  cellValue,
  type Frame,
  getColumn,
  type NumericColumn,
} from '../core/index.js';
import { frameToCsv } from './csv.js';
import { GLUCOSE_MG_PER_MMOL, LAB_COLUMNS, NO_DEFECTS } from './defects.js';
import { generateCohort } from './generate.js';
import { RESTRICTED_ZIP_PREFIXES } from './names.js';
import { COLUMN_TYPES } from './schema.js';
import { type Cohort, TABLE_NAMES } from './types.js';

const N = 4000;
let cohort: Cohort;
beforeAll(() => {
  cohort = generateCohort({ patients: N, seed: 2024 });
});

const num = (f: Frame, name: string) => (getColumn(f, name) as NumericColumn).values;
const cat = (f: Frame, name: string) => getColumn(f, name) as CategoricalColumn;
const str = (f: Frame, name: string, i: number) => cellValue(getColumn(f, name), i);
function rowKey(f: Frame, i: number): string {
  return f.columns.map((c) => String(cellValue(c, i))).join('\u0001');
}
function nanRows(values: Float64Array): number[] {
  const out: number[] = [];
  values.forEach((v, i) => {
    if (Number.isNaN(v)) out.push(i);
  });
  return out;
}

describe('generateCohort', () => {
  it('is reproducible: same seed ⇒ identical tables, different seed ⇒ different', () => {
    const a = generateCohort({ patients: 800, seed: 11 });
    const b = generateCohort({ patients: 800, seed: 11 });
    const c = generateCohort({ patients: 800, seed: 12 });
    for (const t of TABLE_NAMES) {
      expect(frameToCsv(a.tables[t], COLUMN_TYPES[t])).toBe(frameToCsv(b.tables[t], COLUMN_TYPES[t]));
    }
    expect(a.truth.probability).toEqual(b.truth.probability);
    expect(a.truth.phi).toEqual(b.truth.phi);
    expect(frameToCsv(a.tables.patients, COLUMN_TYPES.patients)).not.toBe(
      frameToCsv(c.tables.patients, COLUMN_TYPES.patients),
    );
  });

  it('gives a clean cohort with NO_DEFECTS, equal to the truth.clean of a defective one', () => {
    const clean = generateCohort({ patients: 500, seed: 5, defects: NO_DEFECTS });
    const dirty = generateCohort({ patients: 500, seed: 5 });
    const p = clean.tables.patients;
    expect(p.nRows).toBe(500);
    for (const col of LAB_COLUMNS) expect(nanRows(num(p, col))).toEqual([]);
    expect(cat(p, 'glucose_unit').codes.every((c) => c === 0)).toBe(true);
    expect(frameToCsv(p, COLUMN_TYPES.patients)).toBe(frameToCsv(dirty.truth.clean, COLUMN_TYPES.patients));
    // The clean baseline and the outcome do not depend on the defect rates.
    expect(clean.truth.probability).toEqual(dirty.truth.probability);
    expect(clean.truth.defects.exactDuplicates.count).toBe(0);
  });

  it('has prevalence in 12–20 % and a best AUROC above 0.8 that matches a pairwise count', () => {
    const t = cohort.truth;
    expect(t.prevalence).toBeGreaterThan(0.12);
    expect(t.prevalence).toBeLessThan(0.2);
    expect(Math.abs(t.meanProbability - t.prevalence)).toBeLessThan(0.02);
    let wins = 0;
    let pairs = 0;
    const pos: number[] = [];
    const neg: number[] = [];
    t.outcome.forEach((y, i) => {
      (y ? pos : neg).push(t.probability[i]);
    });
    for (const a of pos) {
      for (const b of neg) {
        pairs++;
        wins += a > b ? 1 : a === b ? 0.5 : 0;
      }
    }
    expect(t.bestAuroc).toBeCloseTo(wins / pairs, 10);
    expect(t.bestAuroc).toBeGreaterThan(0.8);
    // The diabetes_5y column is the drawn outcome; events only happen to patients with the outcome.
    const clean = t.clean;
    const y = num(clean, 'diabetes_5y');
    const ev = num(clean, 'diabetes_event');
    const tte = num(clean, 'time_to_diabetes_days');
    for (let i = 0; i < N; i++) {
      expect(y[i]).toBe(t.outcome[i]);
      if (ev[i] === 1) expect(y[i]).toBe(1);
      expect(tte[i] >= 1 && tte[i] <= 1826).toBe(true);
    }
  });

  it('keeps ages consistent with birth and visit dates, ZIPs 5-digit with some restricted prefixes', () => {
    const c = cohort.truth.clean;
    const birth = num(c, 'birth_date');
    const visit = num(c, 'visit_date');
    const age = num(c, 'age');
    for (let i = 0; i < N; i++) {
      const b = new Date(birth[i]);
      const v = new Date(visit[i]);
      let a = v.getUTCFullYear() - b.getUTCFullYear();
      if (
        v.getUTCMonth() < b.getUTCMonth() ||
        (v.getUTCMonth() === b.getUTCMonth() && v.getUTCDate() < b.getUTCDate())
      )
        a--;
      expect(a).toBe(age[i]);
      expect(age[i] >= 18 && age[i] <= 90).toBe(true);
      expect(v.getUTCFullYear() >= 2015 && v.getUTCFullYear() <= 2020).toBe(true);
    }
    const zips = cat(c, 'zip').dictionary;
    expect(zips.every((z) => /^\d{5}$/.test(z))).toBe(true);
    expect(zips.some((z) => RESTRICTED_ZIP_PREFIXES.includes(z.slice(0, 3)))).toBe(true);
  });

  it('injects exactly the reported duplicates (counted independently)', () => {
    const p = cohort.tables.patients;
    const d = cohort.truth.defects;
    expect(d.exactDuplicates.count).toBe(Math.round(0.02 * N));
    expect(d.nearDuplicates.count).toBe(Math.round(0.01 * N));
    expect(p.nRows).toBe(N + d.exactDuplicates.count + d.nearDuplicates.count);
    const seen = new Set<string>();
    let exact = 0;
    const keysByMrn = new Map<string, Set<string>>();
    for (let i = 0; i < p.nRows; i++) {
      const k = rowKey(p, i);
      if (seen.has(k)) exact++;
      seen.add(k);
      const mrn = String(str(p, 'mrn', i));
      if (!keysByMrn.has(mrn)) keysByMrn.set(mrn, new Set());
      keysByMrn.get(mrn)!.add(k);
    }
    expect(exact).toBe(d.exactDuplicates.count);
    let near = 0;
    for (const keys of keysByMrn.values()) near += keys.size - 1;
    expect(near).toBe(d.nearDuplicates.count);
    expect(keysByMrn.size).toBe(N);
    d.exactDuplicates.rows.forEach((r, k) => {
      expect(rowKey(p, r)).toBe(rowKey(p, d.exactDuplicates.sourceRows[k]));
    });
    d.nearDuplicates.rows.forEach((r, k) => {
      const s = d.nearDuplicates.sourceRows[k];
      const differing = p.columns.filter((c) => cellValue(c, r) !== cellValue(c, s)).map((c) => c.name);
      expect(differing).toEqual([d.nearDuplicates.fields[k]]);
    });
  });

  it('blanks lab cells at the reported rows, MCAR at ~3 % and HbA1c MNAR in young healthy patients', () => {
    const p = cohort.tables.patients;
    const d = cohort.truth.defects;
    for (const col of LAB_COLUMNS) {
      const expected = [...d.mcar.byColumn[col], ...(col === 'hba1c' ? d.mnar.rows : [])].sort(
        (a, b) => a - b,
      );
      expect(nanRows(num(p, col))).toEqual(expected);
      const rate = d.mcar.byColumn[col].length / p.nRows;
      expect(rate).toBeGreaterThan(0.02);
      expect(rate).toBeLessThan(0.04);
    }
    // MNAR: HbA1c missing (beyond MCAR) far more often in young, healthy patients (by TRUE values).
    const c = cohort.truth.clean;
    const src = cat(p, 'patient_id').codes;
    const mnar = new Set(d.mnar.rows);
    let yh = 0;
    let yhMiss = 0;
    let other = 0;
    let otherMiss = 0;
    for (let r = 0; r < p.nRows; r++) {
      const i = src[r];
      const young = num(c, 'age')[i] < 40 && num(c, 'bmi')[i] < 27 && num(c, 'hba1c')[i] < 5.7;
      if (young) {
        yh++;
        if (mnar.has(r)) yhMiss++;
      } else {
        other++;
        if (mnar.has(r)) otherMiss++;
      }
    }
    expect(yhMiss / yh).toBeGreaterThan(0.2);
    expect(otherMiss / other).toBeLessThan(0.06);
  });

  it('writes the reported impossible values, ~0.5 % of patients', () => {
    const p = cohort.tables.patients;
    const cells = cohort.truth.defects.impossibleValues.cells;
    expect(new Set(cells.map((c) => c.patientId)).size).toBe(Math.round(0.005 * N));
    for (const cell of cells) {
      expect(num(p, cell.column)[cell.row]).toBe(cell.value);
      expect(str(p, 'patient_id', cell.row)).toBe(cell.patientId);
      expect(cell.value).not.toBe(cell.trueValue);
      expect([0, 400, 250, -5, 45]).toContain(cell.value);
    }
  });

  it('reports glucose in mmol/L for ~30 % of rows; × 18.016 gives back the true mg/dL', () => {
    const p = cohort.tables.patients;
    const d = cohort.truth.defects.mixedUnits;
    const unit = cat(p, 'glucose_unit');
    const glucose = num(p, 'glucose');
    const trueGlucose = num(cohort.truth.clean, 'glucose');
    const src = cat(p, 'patient_id').codes;
    const mmolRows: number[] = [];
    let present = 0;
    for (let r = 0; r < p.nRows; r++) {
      if (Number.isNaN(glucose[r])) {
        expect(unit.codes[r]).toBe(-1);
        continue;
      }
      present++;
      if (unit.dictionary[unit.codes[r]] === 'mmol/L') {
        mmolRows.push(r);
        expect(Math.abs(glucose[r] * GLUCOSE_MG_PER_MMOL - trueGlucose[src[r]])).toBeLessThanOrEqual(1);
        expect(glucose[r]).toBeLessThan(25);
      } else expect(glucose[r]).toBe(trueGlucose[src[r]]);
    }
    expect(mmolRows).toEqual(d.rows);
    expect(mmolRows.length / present).toBeGreaterThan(0.26);
    expect(mmolRows.length / present).toBeLessThan(0.34);
    // Observations: mmol/L glucose carries LOINC 14749-6.
    const o = cohort.tables.observations;
    const loinc = cat(o, 'loinc');
    const ounit = cat(o, 'unit');
    let obsMmol = 0;
    for (let r = 0; r < o.nRows; r++) {
      const u = ounit.dictionary[ounit.codes[r]];
      if (u === 'mmol/L') {
        obsMmol++;
        expect(loinc.dictionary[loinc.codes[r]]).toBe('14749-6');
      }
    }
    expect(obsMmol).toBe(d.observationRows);
  });

  it('puts every recorded PHI value into the notes of that patient', () => {
    const notes = cohort.tables.notes;
    const text = new Map<string, string>();
    for (let r = 0; r < notes.nRows; r++) {
      const id = String(str(notes, 'patient_id', r));
      text.set(id, `${text.get(id) ?? ''}\n${str(notes, 'text', r)}`);
    }
    const phi = cohort.truth.phi;
    expect(phi.length).toBeGreaterThan(3 * N);
    for (const rec of phi) expect(text.get(rec.patientId)).toContain(rec.value);
    const types = new Set(phi.map((p) => p.type));
    for (const t of [
      'patient_name',
      'provider_name',
      'date',
      'mrn',
      'phone',
      'address',
      'zip',
      'email',
      'ssn',
    ]) {
      expect(types.has(t as never)).toBe(true);
    }
  });

  it('builds long tables: baseline observations equal the true values; vitals for ~10 %', () => {
    const o = cohort.tables.observations;
    const c = cohort.truth.clean;
    const loinc = cat(o, 'loinc');
    const a1cCode = loinc.dictionary.indexOf('4548-4');
    const pid = cat(o, 'patient_id').codes;
    const date = num(o, 'date');
    const value = num(o, 'value');
    const visit = num(c, 'visit_date');
    const hba1c = num(c, 'hba1c');
    let checked = 0;
    for (let r = 0; r < o.nRows; r++) {
      if (loinc.codes[r] === a1cCode && date[r] === visit[pid[r]]) {
        expect(value[r]).toBe(hba1c[pid[r]]);
        checked++;
      }
    }
    expect(checked).toBe(N);
    const monitored = new Set(cat(cohort.tables.vitals, 'patient_id').codes).size;
    expect(monitored / N).toBeGreaterThan(0.07);
    expect(monitored / N).toBeLessThan(0.13);
    const icd = cat(cohort.tables.conditions, 'icd10').dictionary;
    for (const code of ['E11.9', 'E66.9', 'I10', 'E78.5', 'R73.03', 'F17.210']) expect(icd).toContain(code);
  });

  it('generates 10,000 patients in well under 2 s', () => {
    const t0 = performance.now();
    generateCohort({ patients: 10_000, seed: 1 });
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it('refuses bad parameters with coded errors', () => {
    expect(() => generateCohort({ patients: 0, seed: 1 })).toThrow(/'patients' parameter of generateCohort/);
    expect(() => generateCohort({ patients: 10, seed: -1 })).toThrow(/'seed'/);
    expect(() => generateCohort({ patients: 10, seed: 1, defects: { mcar: 2 } })).toThrow(/defects.mcar/);
  });
});
