/**
 * The true baseline of each patient: demographics, risk factors, labs, the outcome and follow-up.
 * Everything here is pre-defect ("clean"); `defects.ts` corrupts a copy.
 *
 * Distributions (adults seen in US primary care, 2015–2020; loosely after NHANES 2015–2018):
 * - sex 52 % female; age ~ Normal(50, 17) truncated to [18, 90], whole years at the visit;
 * - race/ethnicity: White 60 %, Hispanic 18 %, Black 12 %, Asian 6 %, Other 4 %;
 * - smoking: current 14 % (18 % under 40), former 22 % (32 % from 60), otherwise never;
 * - physical activity: low / moderate / high ≈ 40 / 40 / 20 %, more often low with age;
 * - family history of diabetes 25 %;
 * - BMI log-normal (median ≈ 27.5 kg/m², higher with low activity), clamped to [15, 65];
 * - HbA1c = 4.9 + 0.009·(age−18) + 0.03·(BMI−25) + 0.15·FH + N(0, 0.3) (+ Exp(0.5) in 12 %), [4, 11] %;
 * - fasting glucose ≈ 14 + 14·HbA1c + 0.4·(BMI−27) + N(0, 8) mg/dL, [60, 300];
 * - SBP ≈ 108 + 0.5·(age−18) + 0.6·(BMI−27) + 3·current smoker + N(0, 13), DBP ≈ 25 + 0.4·SBP + …;
 * - lipids: total cholesterol ≈ 175 + 0.6·(age−18) + N(0, 35); HDL higher in women, lower with BMI
 *   and smoking; triglycerides log-normal (median ≈ 115 mg/dL); LDL by Friedewald (TC − HDL − TG/5);
 * - eGFR ≈ 125 − 0.85·(age−18) + N(0, 11) mL/min/1.73 m².
 * The outcome is drawn from the true risk model (risk.ts); the event time is exponential with the rate
 * that gives the patient's five-year probability, and follow-up ends at loss to follow-up (3 % a year)
 * or administratively at five years (1826 days).
 */
import type { Rng } from '../core/index.js';
import { clamp, DAY_MS, round0, round1 } from './builders.js';
import { FEMALE_NAMES, LAST_NAMES, MALE_NAMES, ZIP_PREFIXES } from './names.js';
import { sigmoid, trueLogitRaw } from './risk.js';

export const FOLLOW_UP_DAYS = 1826;
export const SEX_LEVELS = ['F', 'M'] as const;
export const RACE_LEVELS = ['Asian', 'Black', 'Hispanic', 'Other', 'White'] as const;
const RACE_WEIGHTS = [0.06, 0.12, 0.18, 0.04, 0.6];
/** All given names, sorted: the dictionary of `first_name`. */
export const FIRST_NAMES: readonly string[] = [...new Set([...FEMALE_NAMES, ...MALE_NAMES])].sort();
const FIRST_INDEX = new Map(FIRST_NAMES.map((n, i) => [n, i]));
export const FEMALE_CODES = Int32Array.from(FEMALE_NAMES, (n) => FIRST_INDEX.get(n)!);
export const MALE_CODES = Int32Array.from(MALE_NAMES, (n) => FIRST_INDEX.get(n)!);
const ZIP_WEIGHTS = ZIP_PREFIXES.map((z) => z.weight);
const VISIT_START = Date.UTC(2015, 0, 1);
const VISIT_DAYS = (Date.UTC(2021, 0, 1) - VISIT_START) / DAY_MS;
/** Annual loss to follow-up. */
const LOSS_PER_YEAR = 0.03;

/** The clean baseline of every patient, column-major. Index i is patient `P{i+1}`. */
export interface Baseline {
  readonly n: number;
  readonly mrn: Int32Array;
  readonly firstName: Int32Array;
  readonly lastName: Int32Array;
  readonly sex: Int32Array;
  readonly birthDate: Float64Array;
  readonly age: Float64Array;
  /** Index into ZIP_PREFIXES, and the last two digits. */
  readonly zipPrefix: Int32Array;
  readonly zipSuffix: Int32Array;
  readonly race: Int32Array;
  readonly visitDate: Float64Array;
  readonly bmi: Float64Array;
  readonly sbp: Float64Array;
  readonly dbp: Float64Array;
  readonly heartRate: Float64Array;
  readonly hba1c: Float64Array;
  /** mg/dL. */
  readonly glucose: Float64Array;
  readonly totalChol: Float64Array;
  readonly hdl: Float64Array;
  readonly ldl: Float64Array;
  readonly triglycerides: Float64Array;
  readonly egfr: Float64Array;
  /** Index into SMOKING_LEVELS / ACTIVITY_LEVELS. */
  readonly smoking: Int32Array;
  readonly familyHistory: Float64Array;
  readonly activity: Int32Array;
  readonly logit: Float64Array;
  readonly probability: Float64Array;
  readonly outcome: Uint8Array;
  /** Day of the (true) diabetes onset after the visit for patients with the outcome, else NaN. */
  readonly eventDay: Float64Array;
  /** Observed follow-up in days and whether it ended in diabetes (1) or censoring (0). */
  readonly timeToEvent: Float64Array;
  readonly event: Float64Array;
}

/** Zero-padded patient ids: P000001 … (wider when there are more than 999,999 patients). */
export function patientIds(n: number): string[] {
  const width = Math.max(6, String(n).length);
  const ids = new Array<string>(n);
  for (let i = 0; i < n; i++) ids[i] = `P${String(i + 1).padStart(width, '0')}`;
  return ids;
}

/** Draws the clean baseline of `n` patients. */
export function drawBaseline(n: number, rng: Rng): Baseline {
  const f64 = () => new Float64Array(n);
  const i32 = () => new Int32Array(n);
  const b = {
    n,
    mrn: i32(),
    firstName: i32(),
    lastName: i32(),
    sex: i32(),
    birthDate: f64(),
    age: f64(),
    zipPrefix: i32(),
    zipSuffix: i32(),
    race: i32(),
    visitDate: f64(),
    bmi: f64(),
    sbp: f64(),
    dbp: f64(),
    heartRate: f64(),
    hba1c: f64(),
    glucose: f64(),
    totalChol: f64(),
    hdl: f64(),
    ldl: f64(),
    triglycerides: f64(),
    egfr: f64(),
    smoking: i32(),
    familyHistory: f64(),
    activity: i32(),
    logit: f64(),
    probability: f64(),
    outcome: new Uint8Array(n),
    eventDay: f64(),
    timeToEvent: f64(),
    event: f64(),
  };
  // MRNs: an affine bijection of 0 … 9e7−1 onto 8-digit numbers, so they are unique without a set.
  const MRN_SPACE = 90_000_000;
  let mrnMul = 1 + 2 * rng.int(MRN_SPACE / 2);
  while (mrnMul % 3 === 0 || mrnMul % 5 === 0) mrnMul += 2;
  const mrnAdd = rng.int(MRN_SPACE);
  const lossRate = -Math.log(1 - LOSS_PER_YEAR) / 365.25;

  for (let i = 0; i < n; i++) {
    b.mrn[i] = 10_000_000 + ((i * mrnMul + mrnAdd) % MRN_SPACE);
    const female = rng.bernoulli(0.52);
    b.sex[i] = female ? 0 : 1;
    let a: number;
    do a = rng.normal(50, 17);
    while (a < 18 || a >= 91);
    const age = Math.floor(a);
    b.age[i] = age;
    const visit = VISIT_START + rng.int(VISIT_DAYS) * DAY_MS;
    b.visitDate[i] = visit;
    // Birth date so that the age at the visit is exactly `age` (the day is capped at 28: leap years).
    const v = new Date(visit);
    const anniversary = Date.UTC(v.getUTCFullYear() - age, v.getUTCMonth(), Math.min(28, v.getUTCDate()));
    b.birthDate[i] = anniversary - rng.int(361) * DAY_MS;
    b.race[i] = rng.choiceIndex(RACE_WEIGHTS);
    b.firstName[i] = female
      ? FEMALE_CODES[rng.int(FEMALE_CODES.length)]
      : MALE_CODES[rng.int(MALE_CODES.length)];
    b.lastName[i] = rng.int(LAST_NAMES.length);
    b.zipPrefix[i] = rng.choiceIndex(ZIP_WEIGHTS);
    b.zipSuffix[i] = rng.int(100);

    const pCurrent = age < 40 ? 0.18 : 0.14;
    const pFormer = age >= 60 ? 0.32 : 0.22;
    const us = rng.uniform();
    const smoking = us < pCurrent ? 0 : us < pCurrent + pFormer ? 1 : 2; // current, former, never
    b.smoking[i] = smoking;
    const pLow = 0.3 + 0.004 * (age - 18);
    const ua = rng.uniform();
    const activity = ua < pLow ? 1 : ua < pLow + 0.4 ? 2 : 0; // low, moderate, high
    b.activity[i] = activity;
    const fh = rng.bernoulli(0.25) ? 1 : 0;
    b.familyHistory[i] = fh;

    const actShift = activity === 1 ? 0.04 : activity === 0 ? -0.05 : 0;
    const bmi = round1(clamp(Math.exp(rng.normal(Math.log(27.5) + actShift, 0.18)), 15, 65));
    b.bmi[i] = bmi;
    let a1c = 4.9 + 0.009 * (age - 18) + 0.03 * (bmi - 25) + 0.15 * fh + rng.normal(0, 0.3);
    if (rng.bernoulli(0.12)) a1c += -0.5 * Math.log(1 - rng.uniform());
    const hba1c = round1(clamp(a1c, 4, 11));
    b.hba1c[i] = hba1c;
    b.glucose[i] = round0(clamp(14 + 14 * hba1c + 0.4 * (bmi - 27) + rng.normal(0, 8), 60, 300));
    const current = smoking === 0 ? 1 : 0;
    const sbp = round0(
      clamp(108 + 0.5 * (age - 18) + 0.6 * (bmi - 27) + 3 * current + rng.normal(0, 13), 85, 220),
    );
    b.sbp[i] = sbp;
    b.dbp[i] = round0(
      clamp(25 + 0.4 * sbp + 0.2 * (bmi - 27) + rng.normal(0, 7), 45, Math.min(130, sbp - 15)),
    );
    b.heartRate[i] = round0(
      clamp(72 + 4 * current + (activity === 0 ? -5 : activity === 1 ? 2 : 0) + rng.normal(0, 9), 42, 130),
    );
    const tc = round0(clamp(175 + 0.6 * (age - 18) + rng.normal(0, 35), 110, 350));
    const hdl = round0(
      clamp(
        50 +
          (female ? 10 : 0) -
          0.5 * (bmi - 27) +
          (activity === 0 ? 4 : 0) -
          4 * current +
          rng.normal(0, 11),
        20,
        110,
      ),
    );
    const tg = round0(
      clamp(Math.exp(rng.normal(Math.log(115) + 0.02 * (bmi - 27) + 0.1 * current, 0.45)), 35, 1000),
    );
    b.totalChol[i] = tc;
    b.hdl[i] = hdl;
    b.triglycerides[i] = tg;
    b.ldl[i] = Math.max(30, round0(tc - hdl - tg / 5));
    b.egfr[i] = round0(clamp(125 - 0.85 * (age - 18) - (female ? 2 : 0) + rng.normal(0, 11), 10, 140));

    const z = trueLogitRaw(age, bmi, hba1c, b.glucose[i], fh, activity, smoking, sbp, hdl, tg);
    const p = sigmoid(z);
    b.logit[i] = z;
    b.probability[i] = p;
    const y = rng.uniform() < p ? 1 : 0;
    b.outcome[i] = y;
    // Event time T ~ Exponential(λ) with P(T ≤ 5 y) = p; for a case, T is drawn given T ≤ 5 y.
    const lambda = -Math.log(1 - Math.min(p, 1 - 1e-12)) / FOLLOW_UP_DAYS;
    const ut = rng.uniform();
    const eventDay = y ? clamp(Math.ceil(-Math.log(1 - ut * p) / lambda), 1, FOLLOW_UP_DAYS) : Number.NaN;
    b.eventDay[i] = eventDay;
    const censor = Math.max(1, Math.ceil(-Math.log(1 - rng.uniform()) / lossRate));
    if (y && eventDay <= censor) {
      b.timeToEvent[i] = eventDay;
      b.event[i] = 1;
    } else {
      b.timeToEvent[i] = Math.min(censor, FOLLOW_UP_DAYS);
      b.event[i] = 0;
    }
  }
  return b;
}
