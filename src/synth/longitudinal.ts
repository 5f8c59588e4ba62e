/**
 * Long-form tables derived from the clean baseline: lab observations over follow-up (LOINC + UCUM),
 * coded conditions (ICD-10-CM) consistent with the risk factors, and bedside-device vital-sign series.
 */
import type { Frame, Rng } from '../core/index.js';
import { makeFrame } from '../core/index.js';
import { clamp, DAY_MS, dictionary, F64Builder, HOUR_MS, I32Builder, round0, round1 } from './builders.js';
import { GLUCOSE_MG_PER_MMOL } from './defects.js';
import type { Baseline } from './patients.js';

/** LOINC codes and UCUM units of the observations table. */
export const OBSERVATION_CODES = [
  { key: 'hba1c', loinc: '4548-4', unit: '%', display: 'Hemoglobin A1c/Hemoglobin.total in Blood' },
  { key: 'glucose', loinc: '2345-7', unit: 'mg/dL', display: 'Glucose [Mass/volume] in Serum or Plasma' },
  {
    key: 'glucoseMmol',
    loinc: '14749-6',
    unit: 'mmol/L',
    display: 'Glucose [Moles/volume] in Serum or Plasma',
  },
  { key: 'bmi', loinc: '39156-5', unit: 'kg/m2', display: 'Body mass index (BMI) [Ratio]' },
  { key: 'sbp', loinc: '8480-6', unit: 'mm[Hg]', display: 'Systolic blood pressure' },
  { key: 'dbp', loinc: '8462-4', unit: 'mm[Hg]', display: 'Diastolic blood pressure' },
  {
    key: 'totalChol',
    loinc: '2093-3',
    unit: 'mg/dL',
    display: 'Cholesterol [Mass/volume] in Serum or Plasma',
  },
  {
    key: 'hdl',
    loinc: '2085-9',
    unit: 'mg/dL',
    display: 'Cholesterol in HDL [Mass/volume] in Serum or Plasma',
  },
  { key: 'ldl', loinc: '13457-7', unit: 'mg/dL', display: 'Cholesterol in LDL [Mass/volume] by calculation' },
  { key: 'tg', loinc: '2571-8', unit: 'mg/dL', display: 'Triglyceride [Mass/volume] in Serum or Plasma' },
  { key: 'egfr', loinc: '33914-3', unit: 'mL/min/{1.73_m2}', display: 'eGFR (MDRD) per 1.73 m2' },
  { key: 'hr', loinc: '8867-4', unit: '/min', display: 'Heart rate' },
] as const;
type ObsKey = (typeof OBSERVATION_CODES)[number]['key'];

const LOINC = dictionary(OBSERVATION_CODES.map((c) => c.loinc));
const UNITS = dictionary(OBSERVATION_CODES.map((c) => c.unit));
const CODE_OF = {} as Record<ObsKey, { loinc: number; unit: number }>;
for (const c of OBSERVATION_CODES) {
  CODE_OF[c.key] = { loinc: LOINC.index.get(c.loinc)!, unit: UNITS.index.get(c.unit)! };
}

/**
 * Observations: the baseline visit (day 0) repeats the patient's true values exactly; follow-up visits
 * come every 6–18 months until follow-up ends (at most 6 visits). HbA1c climbs towards ≥ 6.6 % by the
 * onset day in patients who develop diabetes, else drifts +0.03 %/year; glucose follows HbA1c; BMI drifts
 * per patient; vitals are re-measured with noise; lipids and eGFR are re-drawn at 35 % of follow-ups.
 * Patients whose site reports mmol/L get glucose as LOINC 14749-6 in mmol/L.
 */
export function buildObservations(
  b: Baseline,
  mmolSite: Uint8Array,
  idDict: readonly string[],
  rng: Rng,
): { frame: Frame; mmolRows: number } {
  const cap = b.n * 30;
  const pid = new I32Builder(cap);
  const date = new F64Builder(cap);
  const loinc = new I32Builder(cap);
  const value = new F64Builder(cap);
  const unit = new I32Builder(cap);
  let mmolRows = 0;
  const push = (i: number, day: number, key: ObsKey, v: number) => {
    const c = CODE_OF[key];
    pid.push(i);
    date.push(b.visitDate[i] + day * DAY_MS);
    loinc.push(c.loinc);
    value.push(v);
    unit.push(c.unit);
  };
  for (let i = 0; i < b.n; i++) {
    const bmiDrift = rng.normal(0.2, 0.4);
    const end = b.timeToEvent[i];
    const onset = b.eventDay[i];
    let day = 0;
    for (let visit = 0; visit < 6; visit++) {
      if (visit > 0) {
        day += 180 + rng.int(361);
        if (day > end) break;
      }
      const years = day / 365.25;
      const first = visit === 0;
      let a1c = b.hba1c[i];
      if (!first) {
        if (b.outcome[i]) {
          const target = Math.max(6.6, a1c + 0.3);
          a1c += (target - a1c) * Math.min(1, day / onset) + Math.max(0, day - onset) * 0.0003;
        } else a1c += 0.03 * years;
        a1c = round1(clamp(a1c + rng.normal(0, 0.1), 4, 14));
      }
      push(i, day, 'hba1c', a1c);
      const glu = first
        ? b.glucose[i]
        : round0(clamp(b.glucose[i] + 14 * (a1c - b.hba1c[i]) + rng.normal(0, 6), 55, 400));
      if (mmolSite[i]) {
        push(i, day, 'glucoseMmol', round1(glu / GLUCOSE_MG_PER_MMOL));
        mmolRows++;
      } else push(i, day, 'glucose', glu);
      push(
        i,
        day,
        'bmi',
        first ? b.bmi[i] : round1(clamp(b.bmi[i] + bmiDrift * years + rng.normal(0, 0.3), 14, 70)),
      );
      const sbp = first ? b.sbp[i] : round0(clamp(b.sbp[i] + rng.normal(0, 6), 80, 230));
      push(i, day, 'sbp', sbp);
      push(i, day, 'dbp', first ? b.dbp[i] : round0(clamp(b.dbp[i] + rng.normal(0, 4), 40, sbp - 10)));
      push(i, day, 'hr', first ? b.heartRate[i] : round0(clamp(b.heartRate[i] + rng.normal(0, 5), 40, 140)));
      if (first || rng.bernoulli(0.35)) {
        const f = first ? 1 : 1 + rng.normal(0, 0.08);
        const tc = round0(b.totalChol[i] * f);
        const hdl = round0(b.hdl[i] * (first ? 1 : 1 + rng.normal(0, 0.05)));
        const tg = round0(b.triglycerides[i] * (first ? 1 : 1 + rng.normal(0, 0.15)));
        push(i, day, 'totalChol', tc);
        push(i, day, 'hdl', hdl);
        push(i, day, 'ldl', first ? b.ldl[i] : Math.max(30, round0(tc - hdl - tg / 5)));
        push(i, day, 'tg', tg);
        push(
          i,
          day,
          'egfr',
          first ? b.egfr[i] : round0(clamp(b.egfr[i] - 1 * years + rng.normal(0, 4), 5, 150)),
        );
      }
    }
  }
  const frame = makeFrame(
    [
      { kind: 'categorical', name: 'patient_id', codes: pid.finish(), dictionary: idDict },
      { kind: 'datetime', name: 'date', values: date.finish() },
      { kind: 'categorical', name: 'loinc', codes: loinc.finish(), dictionary: LOINC.dict },
      { kind: 'numeric', name: 'value', values: value.finish() },
      { kind: 'categorical', name: 'unit', codes: unit.finish(), dictionary: UNITS.dict },
    ],
    { patient_id: 'id', date: 'time' },
  );
  return { frame, mmolRows };
}

/** ICD-10-CM codes used in the conditions table. */
export const CONDITION_CODES: Readonly<Record<string, string>> = {
  'E03.9': 'Hypothyroidism, unspecified',
  'E11.9': 'Type 2 diabetes mellitus without complications',
  'E66.9': 'Obesity, unspecified',
  'E78.5': 'Hyperlipidemia, unspecified',
  'F17.210': 'Nicotine dependence, cigarettes, uncomplicated',
  'F32.9': 'Major depressive disorder, single episode, unspecified',
  I10: 'Essential (primary) hypertension',
  'J45.909': 'Unspecified asthma, uncomplicated',
  'K21.9': 'Gastro-esophageal reflux disease without esophagitis',
  'N18.3': 'Chronic kidney disease, stage 3 (moderate)',
  'N18.4': 'Chronic kidney disease, stage 4 (severe)',
  'R73.03': 'Prediabetes',
  'Z87.891': 'Personal history of nicotine dependence',
};
const ICD = dictionary(Object.keys(CONDITION_CODES));
const ICD_DESC = dictionary(Object.values(CONDITION_CODES));

/**
 * Conditions consistent with the baseline: hypertension (SBP ≥ 140 or DBP ≥ 90: 80 %; SBP 130–139:
 * 25 %), obesity (BMI ≥ 30: 65 %), hyperlipidaemia (LDL ≥ 160 or TC ≥ 240: 70 %, else 5 %), prediabetes
 * (HbA1c 5.7–6.4: 55 %, onset at the visit), CKD 3 (eGFR 30–59: 70 %) or 4 (< 30: 80 %), nicotine
 * dependence (current smokers 85 %) or its history (former 50 %), and background asthma 8 %, depression
 * 8 %, GERD 10 %, hypothyroidism 4 % in men and 8 % in women. Type 2 diabetes (E11.9) is coded at the observed
 * onset (diabetes_event = 1). Pre-existing conditions get an onset up to 10 years before the visit.
 */
export function buildConditions(b: Baseline, idDict: readonly string[], rng: Rng): Frame {
  const cap = b.n * 3;
  const pid = new I32Builder(cap);
  const code = new I32Builder(cap);
  const desc = new I32Builder(cap);
  const onset = new F64Builder(cap);
  const add = (i: number, icd: string, when: number) => {
    pid.push(i);
    code.push(ICD.index.get(icd)!);
    desc.push(ICD_DESC.index.get(CONDITION_CODES[icd])!);
    onset.push(when);
  };
  const past = (i: number) => b.visitDate[i] - (30 + rng.int(Math.min(3650, (b.age[i] - 17) * 365))) * DAY_MS;
  for (let i = 0; i < b.n; i++) {
    const sbp = b.sbp[i];
    const pHtn = sbp >= 140 || b.dbp[i] >= 90 ? 0.8 : sbp >= 130 ? 0.25 : 0;
    if (rng.uniform() < pHtn) add(i, 'I10', past(i));
    if (b.bmi[i] >= 30 && rng.uniform() < 0.65) add(i, 'E66.9', past(i));
    if (rng.uniform() < (b.ldl[i] >= 160 || b.totalChol[i] >= 240 ? 0.7 : 0.05)) add(i, 'E78.5', past(i));
    if (b.hba1c[i] >= 5.7 && b.hba1c[i] < 6.5 && rng.uniform() < 0.55) add(i, 'R73.03', b.visitDate[i]);
    const egfr = b.egfr[i];
    if (egfr >= 30 && egfr < 60 && rng.uniform() < 0.7) add(i, 'N18.3', past(i));
    else if (egfr < 30 && rng.uniform() < 0.8) add(i, 'N18.4', past(i));
    if (b.smoking[i] === 0 && rng.uniform() < 0.85) add(i, 'F17.210', past(i));
    else if (b.smoking[i] === 1 && rng.uniform() < 0.5) add(i, 'Z87.891', past(i));
    if (rng.uniform() < 0.08) add(i, 'J45.909', past(i));
    if (rng.uniform() < 0.08) add(i, 'F32.9', past(i));
    if (rng.uniform() < 0.1) add(i, 'K21.9', past(i));
    if (rng.uniform() < (b.sex[i] === 0 ? 0.08 : 0.04)) add(i, 'E03.9', past(i));
    if (b.event[i] === 1) add(i, 'E11.9', b.visitDate[i] + b.timeToEvent[i] * DAY_MS);
  }
  return makeFrame(
    [
      { kind: 'categorical', name: 'patient_id', codes: pid.finish(), dictionary: idDict },
      { kind: 'categorical', name: 'icd10', codes: code.finish(), dictionary: ICD.dict },
      { kind: 'categorical', name: 'description', codes: desc.finish(), dictionary: ICD_DESC.dict },
      { kind: 'datetime', name: 'onset_date', values: onset.finish() },
    ],
    { patient_id: 'id', onset_date: 'time' },
  );
}

/** Share of patients with a bedside-monitor series. */
export const VITALS_FRACTION = 0.1;

/**
 * Vitals: for ~10 % of patients, ~hourly monitor readings (± 5 min jitter) for 1–3 days from the visit
 * day: heart rate, blood pressure, SpO2, respiratory rate and temperature, each = patient baseline +
 * circadian swing + a per-patient linear trend + AR(1) noise; 5 % of series run a fever bump; each reading
 * drops out (NaN) with probability 1 %.
 */
export function buildVitals(b: Baseline, idDict: readonly string[], rng: Rng): Frame {
  const cap = Math.ceil(b.n * VITALS_FRACTION * 50);
  const pid = new I32Builder(cap);
  const ts = new F64Builder(cap);
  const hr = new F64Builder(cap);
  const sbpB = new F64Builder(cap);
  const dbpB = new F64Builder(cap);
  const spo2 = new F64Builder(cap);
  const rr = new F64Builder(cap);
  const temp = new F64Builder(cap);
  const drop = (v: number) => (rng.uniform() < 0.01 ? Number.NaN : v);
  for (let i = 0; i < b.n; i++) {
    if (rng.uniform() >= VITALS_FRACTION) continue;
    const hours = 24 * (1 + rng.int(3));
    const start = b.visitDate[i] + (8 + rng.int(12)) * HOUR_MS;
    const hrTrend = rng.normal(0, 0.08);
    const bpTrend = rng.normal(0, 0.1);
    const fever = rng.bernoulli(0.05) ? rng.int(hours) : -1;
    let arHr = 0;
    let arBp = 0;
    let arT = 0;
    for (let h = 0; h < hours; h++) {
      const t = start + h * HOUR_MS + (rng.int(601) - 300) * 1000;
      const hod = new Date(t).getUTCHours();
      const circ = Math.sin((2 * Math.PI * (hod - 10)) / 24);
      arHr = 0.7 * arHr + rng.normal(0, 3);
      arBp = 0.7 * arBp + rng.normal(0, 4);
      arT = 0.6 * arT + rng.normal(0, 0.1);
      const bump = fever >= 0 ? 1.3 * Math.exp(-((h - fever) ** 2) / 50) : 0;
      pid.push(i);
      ts.push(t);
      hr.push(drop(round0(clamp(b.heartRate[i] + 5 * circ + hrTrend * h + arHr + 10 * bump, 35, 180))));
      const s = clamp(b.sbp[i] + 6 * circ + bpTrend * h + arBp, 70, 240);
      sbpB.push(drop(round0(s)));
      dbpB.push(drop(round0(clamp(b.dbp[i] + 3 * circ + 0.5 * bpTrend * h + 0.5 * arBp, 35, s - 10))));
      spo2.push(drop(round0(clamp(97.5 - 0.02 * (b.age[i] - 50) + rng.normal(0, 1) - bump, 82, 100))));
      rr.push(drop(round0(clamp(15 + rng.normal(0, 1.5) + 3 * bump, 8, 40))));
      temp.push(drop(round1(36.8 + 0.25 * circ + arT + bump)));
    }
  }
  return makeFrame(
    [
      { kind: 'categorical', name: 'patient_id', codes: pid.finish(), dictionary: idDict },
      { kind: 'datetime', name: 'timestamp', values: ts.finish() },
      { kind: 'numeric', name: 'heart_rate', values: hr.finish() },
      { kind: 'numeric', name: 'sbp', values: sbpB.finish() },
      { kind: 'numeric', name: 'dbp', values: dbpB.finish() },
      { kind: 'numeric', name: 'spo2', values: spo2.finish() },
      { kind: 'numeric', name: 'resp_rate', values: rr.finish() },
      { kind: 'numeric', name: 'temperature', values: temp.finish() },
    ],
    { patient_id: 'id', timestamp: 'time' },
  );
}
