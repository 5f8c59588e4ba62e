/**
 * Data-quality defects injected into the patients table, each recorded exactly in a DefectReport so that
 * cleaning code can be judged against the truth. Defects are drawn on a copy of the clean baseline, per
 * patient; duplicate rows are then added and all rows shuffled, so a patient-level defect appears in every
 * row copied from that patient (the report lists them all).
 *
 * Order: glucose units → MCAR → MNAR (HbA1c) → impossible values → near duplicates → exact duplicates
 * → shuffle. Near duplicates change one demographic field only (first_name, last_name, zip, visit_date),
 * so a lab defect is identical in a patient's original row and its copies.
 */
import type { Rng } from '../core/index.js';
import { DAY_MS, round1 } from './builders.js';
import { MALE_CODES, FEMALE_CODES, type Baseline } from './patients.js';
import { LAST_NAMES } from './names.js';
import type { DefectRates, DefectReport } from './types.js';

/** Documented default rates (see docs/SYNTH.md). */
export const DEFAULT_DEFECT_RATES: DefectRates = Object.freeze({
  exactDuplicates: 0.02,
  nearDuplicates: 0.01,
  mcar: 0.03,
  hba1cMnar: 0.3,
  impossibleValues: 0.005,
  glucoseMmol: 0.3,
});

/** All rates zero: a clean cohort. */
export const NO_DEFECTS: DefectRates = Object.freeze({
  exactDuplicates: 0,
  nearDuplicates: 0,
  mcar: 0,
  hba1cMnar: 0,
  impossibleValues: 0,
  glucoseMmol: 0,
});

/** mg/dL per mmol/L of glucose (molar mass 180.16 g/mol). */
export const GLUCOSE_MG_PER_MMOL = 18.016;

/** Lab columns of the patients table, in the order MCAR is drawn. */
export const LAB_COLUMNS = [
  'bmi',
  'sbp',
  'dbp',
  'heart_rate',
  'hba1c',
  'glucose',
  'total_chol',
  'hdl',
  'ldl',
  'triglycerides',
  'egfr',
] as const;
export type LabColumn = (typeof LAB_COLUMNS)[number];

/** Impossible values and the columns they go into. */
const IMPOSSIBLE: ReadonlyArray<{ column: LabColumn; values: readonly number[] }> = [
  { column: 'sbp', values: [0, 400] },
  { column: 'bmi', values: [250] },
  { column: 'heart_rate', values: [-5] },
  { column: 'hba1c', values: [45] },
];

export const NEAR_DUPLICATE_FIELDS = ['first_name', 'last_name', 'zip', 'visit_date'] as const;
export type NearDuplicateField = (typeof NEAR_DUPLICATE_FIELDS)[number];

export const MNAR_RULE =
  'HbA1c missing with probability hba1cMnar when age < 40, BMI < 27 and true HbA1c < 5.7 %, else hba1cMnar / 10';

/** Patient-level values after the cell defects (labs may be NaN; glucose in the row's unit). */
export interface DefectedBaseline {
  readonly labs: Record<LabColumn, Float64Array>;
  /** 0 = mg/dL, 1 = mmol/L, −1 = missing (glucose missing). */
  readonly glucoseUnit: Int32Array;
  /** Per patient: 1 when the patient's site reports glucose in mmol/L (observations follow it too). */
  readonly mmolSite: Uint8Array;
}

/** Where every row of the final patients table comes from. */
export interface RowPlan {
  readonly nRows: number;
  /** Patient index of each final row. */
  readonly source: Int32Array;
  /** −1 for an unchanged row, else the index into NEAR_DUPLICATE_FIELDS that differs. */
  readonly changedField: Int32Array;
  /** For a near duplicate: the new value (a name code, a zip suffix, or a visit date in ms). */
  readonly newValue: Float64Array;
}

function labArrays(b: Baseline): Record<LabColumn, Float64Array> {
  return {
    bmi: b.bmi.slice(),
    sbp: b.sbp.slice(),
    dbp: b.dbp.slice(),
    heart_rate: b.heartRate.slice(),
    hba1c: b.hba1c.slice(),
    glucose: b.glucose.slice(),
    total_chol: b.totalChol.slice(),
    hdl: b.hdl.slice(),
    ldl: b.ldl.slice(),
    triglycerides: b.triglycerides.slice(),
    egfr: b.egfr.slice(),
  };
}

/** Applies the defects; returns the defected values, the row plan and the report. */
export function injectDefects(
  b: Baseline,
  rates: DefectRates,
  ids: readonly string[],
  rng: Rng,
): { values: DefectedBaseline; plan: RowPlan; report: DefectReport } {
  const n = b.n;
  const labs = labArrays(b);
  // 1. Units: a patient's site reports glucose in mmol/L.
  const mmolSite = new Uint8Array(n);
  for (let i = 0; i < n; i++) mmolSite[i] = rng.uniform() < rates.glucoseMmol ? 1 : 0;
  // 2. MCAR, column by column.
  const mcarPatients: Record<string, number[]> = {};
  for (const col of LAB_COLUMNS) {
    const v = labs[col];
    const hit: number[] = [];
    for (let i = 0; i < n; i++) {
      if (rng.uniform() < rates.mcar) {
        v[i] = Number.NaN;
        hit.push(i);
      }
    }
    mcarPatients[col] = hit;
  }
  // 3. MNAR: HbA1c is not ordered for young, healthy-looking patients.
  const mnarPatients: number[] = [];
  for (let i = 0; i < n; i++) {
    const youngHealthy = b.age[i] < 40 && b.bmi[i] < 27 && b.hba1c[i] < 5.7;
    const p = youngHealthy ? rates.hba1cMnar : rates.hba1cMnar / 10;
    if (rng.uniform() < p && !Number.isNaN(labs.hba1c[i])) {
      labs.hba1c[i] = Number.NaN;
      mnarPatients.push(i);
    }
  }
  // 4. Impossible values on present cells of distinct patients.
  const nImpossible = Math.round(rates.impossibleValues * n);
  const impossiblePatients: Array<{ i: number; column: LabColumn; value: number; trueValue: number }> = [];
  if (nImpossible > 0) {
    const order = rng.permutation(n);
    for (let k = 0; k < n && impossiblePatients.length < nImpossible; k++) {
      const i = order[k];
      const start = rng.int(IMPOSSIBLE.length);
      for (let t = 0; t < IMPOSSIBLE.length; t++) {
        const spec = IMPOSSIBLE[(start + t) % IMPOSSIBLE.length];
        const col = labs[spec.column];
        if (Number.isNaN(col[i])) continue;
        const value = spec.values[rng.int(spec.values.length)];
        impossiblePatients.push({ i, column: spec.column, value, trueValue: col[i] });
        col[i] = value;
        break;
      }
    }
  }
  // Glucose in the row's unit (after missingness: no unit without a value).
  const glucoseUnit = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(labs.glucose[i])) glucoseUnit[i] = -1;
    else if (mmolSite[i]) {
      glucoseUnit[i] = 1;
      labs.glucose[i] = round1(labs.glucose[i] / GLUCOSE_MG_PER_MMOL);
    }
  }

  // 5–6. Extra rows.
  const nNear = Math.round(rates.nearDuplicates * n);
  const nExact = Math.round(rates.exactDuplicates * n);
  const m = n + nNear + nExact;
  const specSource = new Int32Array(m);
  const specField = new Int32Array(m).fill(-1);
  const specValue = new Float64Array(m).fill(Number.NaN);
  for (let i = 0; i < n; i++) specSource[i] = i;
  const nearOrder = nNear > 0 ? rng.permutation(n) : new Int32Array(0);
  for (let k = 0; k < nNear; k++) {
    const s = n + k;
    const i = nearOrder[k];
    specSource[s] = i;
    const f = rng.int(NEAR_DUPLICATE_FIELDS.length);
    specField[s] = f;
    const field = NEAR_DUPLICATE_FIELDS[f];
    if (field === 'first_name') {
      const pool = b.sex[i] === 0 ? FEMALE_CODES : MALE_CODES;
      let c = pool[rng.int(pool.length)];
      if (c === b.firstName[i]) c = pool[(pool.indexOf(c) + 1) % pool.length];
      specValue[s] = c;
    } else if (field === 'last_name') {
      specValue[s] = (b.lastName[i] + 1 + rng.int(LAST_NAMES.length - 1)) % LAST_NAMES.length;
    } else if (field === 'zip') {
      specValue[s] = (b.zipSuffix[i] + 1 + rng.int(99)) % 100;
    } else {
      specValue[s] = b.visitDate[i] + (rng.bernoulli(0.5) ? 1 : -1) * DAY_MS;
    }
  }
  const exactOrder = nExact > 0 ? rng.permutation(n) : new Int32Array(0);
  for (let k = 0; k < nExact; k++) specSource[n + nNear + k] = exactOrder[k];
  // 7. Shuffle (only when rows were added, so a clean cohort keeps patient order).
  const perm = m > n ? rng.permutation(m) : Int32Array.from({ length: m }, (_, i) => i);
  const finalOf = new Int32Array(m); // spec → final row
  const source = new Int32Array(m);
  const changedField = new Int32Array(m);
  const newValue = new Float64Array(m);
  for (let r = 0; r < m; r++) {
    const s = perm[r];
    finalOf[s] = r;
    source[r] = specSource[s];
    changedField[r] = specField[s];
    newValue[r] = specValue[s];
  }
  const plan: RowPlan = { nRows: m, source, changedField, newValue };

  // Rows of each patient (original + copies), for cell-defect reporting.
  const start = new Int32Array(n + 1);
  for (let r = 0; r < m; r++) start[source[r] + 1]++;
  for (let i = 0; i < n; i++) start[i + 1] += start[i];
  const fill = start.slice(0, n);
  const rowsByPatient = new Int32Array(m);
  for (let r = 0; r < m; r++) rowsByPatient[fill[source[r]]++] = r;
  const rowsOf = (patients: readonly number[]): number[] => {
    const out: number[] = [];
    for (const i of patients) for (let k = start[i]; k < start[i + 1]; k++) out.push(rowsByPatient[k]);
    return out.sort((x, y) => x - y);
  };

  const byColumn: Record<string, number[]> = {};
  let mcarCount = 0;
  for (const col of LAB_COLUMNS) {
    byColumn[col] = rowsOf(mcarPatients[col]);
    mcarCount += byColumn[col].length;
  }
  const mnarRows = rowsOf(mnarPatients);
  const cells: DefectReport['impossibleValues']['cells'] = [];
  for (const d of impossiblePatients) {
    for (const row of rowsOf([d.i])) {
      cells.push({ row, patientId: ids[d.i], column: d.column, value: d.value, trueValue: d.trueValue });
    }
  }
  cells.sort((x, y) => x.row - y.row);
  const mmolPatients: number[] = [];
  for (let i = 0; i < n; i++) if (glucoseUnit[i] === 1) mmolPatients.push(i);
  const mmolRows = rowsOf(mmolPatients);

  const nearRows: number[] = [];
  const nearSources: number[] = [];
  const nearFields: string[] = [];
  for (let k = 0; k < nNear; k++) {
    nearRows.push(finalOf[n + k]);
    nearSources.push(finalOf[nearOrder[k]]);
    nearFields.push(NEAR_DUPLICATE_FIELDS[specField[n + k]]);
  }
  const exactRows: number[] = [];
  const exactSources: number[] = [];
  for (let k = 0; k < nExact; k++) {
    exactRows.push(finalOf[n + nNear + k]);
    exactSources.push(finalOf[exactOrder[k]]);
  }

  const report: DefectReport = {
    rates: { ...rates },
    exactDuplicates: { count: nExact, rows: exactRows, sourceRows: exactSources },
    nearDuplicates: { count: nNear, rows: nearRows, sourceRows: nearSources, fields: nearFields },
    mcar: { count: mcarCount, byColumn },
    mnar: { count: mnarRows.length, column: 'hba1c', rule: MNAR_RULE, rows: mnarRows },
    impossibleValues: { count: cells.length, cells },
    mixedUnits: {
      count: mmolRows.length,
      column: 'glucose',
      unit: 'mmol/L',
      factor: GLUCOSE_MG_PER_MMOL,
      rows: mmolRows,
      observationRows: 0,
    },
  };
  return { values: { labs, glucoseUnit, mmolSite }, plan, report };
}
