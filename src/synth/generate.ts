/**
 * generateCohort: a seeded synthetic adult primary-care cohort for incident type 2 diabetes, with its
 * ground truth. See docs/SYNTH.md for every distribution, the true risk model and the defect rates.
 *
 * Random streams: one Rng(seed) is forked, in a fixed order, into independent streams for the baseline,
 * the defects, observations, conditions, vitals and notes, so that changing the defect rates never
 * changes the clean cohort, and the same seed always gives the same tables.
 */
import { type Column, type Frame, makeFrame, Rng } from '../core/index.js';
import { createError } from '../core/index.js';
import {
  DEFAULT_DEFECT_RATES,
  injectDefects,
  LAB_COLUMNS,
  type LabColumn,
  NEAR_DUPLICATE_FIELDS,
} from './defects.js';
import { buildConditions, buildObservations, buildVitals } from './longitudinal.js';
import { LAST_NAMES, ZIP_PREFIXES } from './names.js';
import { buildNotes } from './notes.js';
import { type Baseline, drawBaseline, FIRST_NAMES, patientIds, RACE_LEVELS, SEX_LEVELS } from './patients.js';
import { ACTIVITY_LEVELS, auroc, RISK_COEFFICIENTS, RISK_FORMULA, SMOKING_LEVELS } from './risk.js';
import './errors.js';
import type { Cohort, DefectRates, GenerateOptions, TableName } from './types.js';

export const MAX_PATIENTS = 10_000_000;

/** Structured PHI columns (HIPAA Safe Harbor identifiers) per table. */
export const PHI_COLUMNS: Readonly<Record<TableName, readonly string[]>> = {
  patients: ['patient_id', 'mrn', 'first_name', 'last_name', 'birth_date', 'age', 'zip', 'visit_date'],
  observations: ['patient_id', 'date'],
  conditions: ['patient_id', 'onset_date'],
  vitals: ['patient_id', 'timestamp'],
  notes: ['note_id', 'patient_id', 'date', 'text'],
};

function invalid(param: string, expected: string, got: unknown): Error {
  return createError('AEGLE_SYNTH_INVALID_PARAM', {
    param,
    owner: 'generateCohort',
    expected,
    got: String(got),
  });
}

/** Validates and completes the defect rates. */
export function resolveDefectRates(partial: Partial<DefectRates> = {}): DefectRates {
  const out: Record<string, number> = { ...DEFAULT_DEFECT_RATES };
  for (const [key, v] of Object.entries(partial)) {
    if (!(key in DEFAULT_DEFECT_RATES)) {
      throw invalid(`defects.${key}`, `one of ${Object.keys(DEFAULT_DEFECT_RATES).join(', ')}`, key);
    }
    if (v === undefined) continue;
    if (typeof v !== 'number' || !(v >= 0 && v <= 1))
      throw invalid(`defects.${key}`, 'a number in [0, 1]', v);
    out[key] = v;
  }
  return out as unknown as DefectRates;
}

/** Generates the cohort. 10,000 patients take well under a second. */
export function generateCohort(opts: GenerateOptions): Cohort {
  const { patients: n, seed } = opts;
  if (!Number.isInteger(n) || n < 1 || n > MAX_PATIENTS) {
    throw invalid('patients', `an integer in [1, ${MAX_PATIENTS}]`, n);
  }
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff)
    throw invalid('seed', 'an integer in [0, 4294967295]', seed);
  const rates = resolveDefectRates(opts.defects);
  const root = new Rng(seed);
  const streams = {
    baseline: root.fork(),
    defects: root.fork(),
    observations: root.fork(),
    conditions: root.fork(),
    vitals: root.fork(),
    notes: root.fork(),
  };
  const b = drawBaseline(n, streams.baseline);
  const ids = patientIds(n);
  const { values, plan, report } = injectDefects(b, rates, ids, streams.defects);
  const identity = Int32Array.from({ length: n }, (_, i) => i);
  const clean = patientsFrame(b, ids, {
    source: identity,
    changedField: new Int32Array(n).fill(-1),
    newValue: new Float64Array(n),
    labs: cleanLabs(b),
    glucoseUnit: new Int32Array(n),
  });
  const patients = patientsFrame(b, ids, { ...plan, labs: values.labs, glucoseUnit: values.glucoseUnit });
  const obs = buildObservations(b, values.mmolSite, ids, streams.observations);
  const conditions = buildConditions(b, ids, streams.conditions);
  const vitals = buildVitals(b, ids, streams.vitals);
  const notes = buildNotes(b, ids, ids, streams.notes);
  let cases = 0;
  let sumP = 0;
  for (let i = 0; i < n; i++) {
    cases += b.outcome[i];
    sumP += b.probability[i];
  }
  return {
    tables: { patients, observations: obs.frame, conditions, vitals, notes: notes.frame },
    truth: {
      seed,
      patients: n,
      formula: RISK_FORMULA,
      coefficients: { ...RISK_COEFFICIENTS },
      logit: b.logit,
      probability: b.probability,
      outcome: b.outcome,
      prevalence: cases / n,
      meanProbability: sumP / n,
      bestAuroc: auroc(b.probability, b.outcome),
      clean,
      defects: { ...report, mixedUnits: { ...report.mixedUnits, observationRows: obs.mmolRows } },
      phi: notes.phi,
      phiColumns: PHI_COLUMNS,
    },
  };
}

function cleanLabs(b: Baseline): Record<LabColumn, Float64Array> {
  return {
    bmi: b.bmi,
    sbp: b.sbp,
    dbp: b.dbp,
    heart_rate: b.heartRate,
    hba1c: b.hba1c,
    glucose: b.glucose,
    total_chol: b.totalChol,
    hdl: b.hdl,
    ldl: b.ldl,
    triglycerides: b.triglycerides,
    egfr: b.egfr,
  };
}

interface RowSpec {
  readonly source: Int32Array;
  readonly changedField: Int32Array;
  readonly newValue: Float64Array;
  readonly labs: Record<LabColumn, Float64Array>;
  /** Per patient: 0 mg/dL, 1 mmol/L, −1 missing. */
  readonly glucoseUnit: Int32Array;
}

const F_FIRST = NEAR_DUPLICATE_FIELDS.indexOf('first_name');
const F_LAST = NEAR_DUPLICATE_FIELDS.indexOf('last_name');
const F_ZIP = NEAR_DUPLICATE_FIELDS.indexOf('zip');
const F_VISIT = NEAR_DUPLICATE_FIELDS.indexOf('visit_date');

/** Gathers the patients table from per-patient arrays along a row plan (sources + near-duplicate edits). */
function patientsFrame(b: Baseline, ids: readonly string[], spec: RowSpec): Frame {
  const m = spec.source.length;
  const src = spec.source;
  const gatherI = (a: Int32Array) => {
    const out = new Int32Array(m);
    for (let r = 0; r < m; r++) out[r] = a[src[r]];
    return out;
  };
  const gatherF = (a: ArrayLike<number>) => {
    const out = new Float64Array(m);
    for (let r = 0; r < m; r++) out[r] = a[src[r]];
    return out;
  };
  // MRN dictionary: 8-digit numbers sort numerically = lexically.
  const mrnOrder = Int32Array.from({ length: b.n }, (_, i) => i).sort((x, y) => b.mrn[x] - b.mrn[y]);
  const mrnDict = new Array<string>(b.n);
  const mrnCode = new Int32Array(b.n);
  for (let k = 0; k < b.n; k++) {
    mrnDict[k] = String(b.mrn[mrnOrder[k]]);
    mrnCode[mrnOrder[k]] = k;
  }
  const first = gatherI(b.firstName);
  const last = gatherI(b.lastName);
  const visit = gatherF(b.visitDate);
  const zipStrings = new Array<string>(m);
  for (let r = 0; r < m; r++) {
    const i = src[r];
    const f = spec.changedField[r];
    const suffix = f === F_ZIP ? spec.newValue[r] : b.zipSuffix[i];
    zipStrings[r] = ZIP_PREFIXES[b.zipPrefix[i]].prefix + String(suffix).padStart(2, '0');
    if (f === F_FIRST) first[r] = spec.newValue[r];
    else if (f === F_LAST) last[r] = spec.newValue[r];
    else if (f === F_VISIT) visit[r] = spec.newValue[r];
  }
  const zipDict = [...new Set(zipStrings)].sort();
  const zipIndex = new Map(zipDict.map((z, k) => [z, k]));
  const zipCodes = Int32Array.from(zipStrings, (z) => zipIndex.get(z)!);
  const cat = (name: string, codes: Int32Array, dictionary: readonly string[]): Column => ({
    kind: 'categorical',
    name,
    codes,
    dictionary,
  });
  const num = (name: string, values: Float64Array): Column => ({ kind: 'numeric', name, values });
  const labCols = Object.fromEntries(LAB_COLUMNS.map((c) => [c, num(c, gatherF(spec.labs[c]))])) as Record<
    LabColumn,
    Column
  >;
  return makeFrame(
    [
      cat('patient_id', src.slice(), ids),
      cat('mrn', gatherI(mrnCode), mrnDict),
      cat('first_name', first, FIRST_NAMES),
      cat('last_name', last, LAST_NAMES),
      cat('sex', gatherI(b.sex), SEX_LEVELS),
      { kind: 'datetime', name: 'birth_date', values: gatherF(b.birthDate) },
      num('age', gatherF(b.age)),
      cat('zip', zipCodes, zipDict),
      cat('race_ethnicity', gatherI(b.race), RACE_LEVELS),
      { kind: 'datetime', name: 'visit_date', values: visit },
      labCols.bmi,
      labCols.sbp,
      labCols.dbp,
      labCols.heart_rate,
      labCols.hba1c,
      labCols.glucose,
      cat('glucose_unit', gatherI(spec.glucoseUnit), ['mg/dL', 'mmol/L']),
      labCols.total_chol,
      labCols.hdl,
      labCols.ldl,
      labCols.triglycerides,
      labCols.egfr,
      cat('smoking', gatherI(b.smoking), SMOKING_LEVELS),
      num('family_history_diabetes', gatherF(b.familyHistory)),
      cat('physical_activity', gatherI(b.activity), ACTIVITY_LEVELS),
      num('diabetes_5y', gatherF(b.outcome)),
      num('time_to_diabetes_days', gatherF(b.timeToEvent)),
      num('diabetes_event', gatherF(b.event)),
    ],
    { patient_id: 'id', diabetes_5y: 'target', visit_date: 'time' },
  );
}
