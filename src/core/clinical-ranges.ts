/**
 * Plausible ranges of common clinical measurements, used by profiling (to warn) and by the outlier
 * transformer (to clip or blank). These are physiological plausibility limits — values outside are
 * almost surely errors (a typo, a wrong unit, a device fault) — not reference (normal) ranges.
 * Sources: common EHR data-quality rules (e.g. OHDSI Data Quality Dashboard plausibility checks) and
 * textbook physiology; each range is deliberately wide.
 */
export interface ClinicalRange {
  /** Canonical key, e.g. `sbp`. */
  readonly key: string;
  /** Human label. */
  readonly label: string;
  /** UCUM unit the range is expressed in. */
  readonly unit: string;
  readonly min: number;
  readonly max: number;
  /** Column-name patterns (lower-cased, tested against the whole name) that mean this measurement. */
  readonly patterns: readonly RegExp[];
  /** Another unit the measurement is often recorded in, with its plausible range (mixed-unit check). */
  readonly altUnit?: { readonly unit: string; readonly min: number; readonly max: number };
}

export const CLINICAL_RANGES: readonly ClinicalRange[] = [
  { key: 'age', label: 'Age', unit: 'a', min: 0, max: 120, patterns: [/^age(_years|_at_.*)?$/] },
  {
    key: 'sbp',
    label: 'Systolic blood pressure',
    unit: 'mm[Hg]',
    min: 50,
    max: 300,
    patterns: [/^(sbp|systolic.*|sys_?bp|trestbps|bp_sys.*)$/],
  },
  {
    key: 'dbp',
    label: 'Diastolic blood pressure',
    unit: 'mm[Hg]',
    min: 20,
    max: 200,
    patterns: [/^(dbp|diastolic.*|dia_?bp|bp_dia.*)$/],
  },
  {
    key: 'heart_rate',
    label: 'Heart rate',
    unit: '/min',
    min: 20,
    max: 300,
    patterns: [/^(heart_?rate|hr|pulse(_rate)?|thalach)$/],
  },
  {
    key: 'resp_rate',
    label: 'Respiratory rate',
    unit: '/min',
    min: 4,
    max: 80,
    patterns: [/^(resp(iratory)?_?rate|rr)$/],
  },
  {
    key: 'spo2',
    label: 'Oxygen saturation',
    unit: '%',
    min: 50,
    max: 100,
    patterns: [/^(spo2|sao2|o2_?sat.*|oxygen_saturation)$/],
  },
  {
    key: 'temperature',
    label: 'Body temperature',
    unit: 'Cel',
    min: 30,
    max: 45,
    patterns: [/^(temp|temperature|body_temp.*)$/],
    altUnit: { unit: '[degF]', min: 86, max: 113 },
  },
  { key: 'bmi', label: 'Body-mass index', unit: 'kg/m2', min: 10, max: 100, patterns: [/^bmi$/] },
  {
    key: 'weight',
    label: 'Body weight',
    unit: 'kg',
    min: 0.3,
    max: 400,
    patterns: [/^(weight|weight_kg|body_weight)$/],
    altUnit: { unit: '[lb_av]', min: 0.7, max: 880 },
  },
  {
    key: 'height',
    label: 'Body height',
    unit: 'cm',
    min: 30,
    max: 250,
    patterns: [/^(height|height_cm|body_height)$/],
  },
  {
    key: 'hba1c',
    label: 'Haemoglobin A1c',
    unit: '%',
    min: 3,
    max: 20,
    patterns: [/^(hba1c|a1c|hb_?a1c|glycated_h(a)?emoglobin)$/],
    altUnit: { unit: 'mmol/mol', min: 9, max: 195 },
  },
  {
    key: 'glucose',
    label: 'Glucose',
    unit: 'mg/dL',
    min: 20,
    max: 1000,
    patterns: [/^(glucose|fasting_glucose|blood_glucose|fbs_value|glu)$/],
    altUnit: { unit: 'mmol/L', min: 1.1, max: 55 },
  },
  {
    key: 'total_chol',
    label: 'Total cholesterol',
    unit: 'mg/dL',
    min: 50,
    max: 1000,
    patterns: [/^(total_?chol(esterol)?|chol)$/],
    altUnit: { unit: 'mmol/L', min: 1.3, max: 26 },
  },
  {
    key: 'hdl',
    label: 'HDL cholesterol',
    unit: 'mg/dL',
    min: 5,
    max: 200,
    patterns: [/^(hdl|hdl_c|hdl_chol.*)$/],
  },
  {
    key: 'ldl',
    label: 'LDL cholesterol',
    unit: 'mg/dL',
    min: 5,
    max: 700,
    patterns: [/^(ldl|ldl_c|ldl_chol.*)$/],
  },
  {
    key: 'triglycerides',
    label: 'Triglycerides',
    unit: 'mg/dL',
    min: 10,
    max: 10000,
    patterns: [/^(triglycerides?|tg|trig)$/],
  },
  { key: 'egfr', label: 'eGFR', unit: 'mL/min/{1.73_m2}', min: 1, max: 200, patterns: [/^e?gfr$/] },
  {
    key: 'creatinine',
    label: 'Serum creatinine',
    unit: 'mg/dL',
    min: 0.1,
    max: 30,
    patterns: [/^(serum_)?creatinine$/],
    altUnit: { unit: 'umol/L', min: 9, max: 2650 },
  },
  {
    key: 'sodium',
    label: 'Serum sodium',
    unit: 'mmol/L',
    min: 90,
    max: 200,
    patterns: [/^(serum_)?sodium$/],
  },
  {
    key: 'potassium',
    label: 'Serum potassium',
    unit: 'mmol/L',
    min: 1,
    max: 10,
    patterns: [/^(serum_)?potassium$/],
  },
  {
    key: 'ejection_fraction',
    label: 'Ejection fraction',
    unit: '%',
    min: 5,
    max: 90,
    patterns: [/^(ejection_fraction|lvef|ef)$/],
  },
  {
    key: 'platelets',
    label: 'Platelets',
    unit: '/uL',
    min: 1000,
    max: 2_000_000,
    patterns: [/^platelets?$/],
  },
];

/** The clinical range that a column name refers to, if any (name matching is case-insensitive). */
export function clinicalRangeFor(columnName: string): ClinicalRange | undefined {
  const n = columnName.toLowerCase().replace(/[^a-z0-9_]/g, '');
  return CLINICAL_RANGES.find((r) => r.patterns.some((p) => p.test(n)));
}
