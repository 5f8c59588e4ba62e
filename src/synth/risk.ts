/**
 * The ground-truth risk model of the synthetic cohort: the probability that a patient develops type 2
 * diabetes within five years of the baseline visit, as a function of the patient's TRUE (pre-defect)
 * baseline values. It is deliberately nonlinear — hinges, a quadratic tail, thresholds and interactions —
 * so that flexible learners (tree ensembles) can beat a main-effects logistic regression, and so that a
 * model's AUROC can be judged against the best achievable one (`bestAuroc`).
 *
 * The shape follows the known epidemiology (ADA Standards of Care, Diabetes Prevention Program): risk
 * rises with age, BMI (steeply beyond 30), HbA1c (prediabetes 5.7–6.4 %, diabetes range ≥ 6.5 %) and
 * fasting glucose, more so in the obese; a family history weighs more in the young; physical activity is
 * protective; smoking and atherogenic dyslipidaemia add risk. The coefficients are invented.
 */

export type Smoking = 'never' | 'former' | 'current';
export type Activity = 'low' | 'moderate' | 'high';

/** One patient's true baseline values, in the units of the clean cohort (glucose in mg/dL). */
export interface RiskInputs {
  readonly age: number;
  readonly bmi: number;
  /** HbA1c in % (NGSP). */
  readonly hba1c: number;
  /** Fasting plasma glucose in mg/dL. */
  readonly glucose: number;
  readonly familyHistory: 0 | 1;
  readonly activity: Activity;
  readonly smoking: Smoking;
  readonly sbp: number;
  readonly hdl: number;
  readonly triglycerides: number;
}

/** Coefficients of the true logit (see `RISK_FORMULA`). */
export const RISK_COEFFICIENTS = {
  intercept: -2.8,
  age: 0.055,
  ageOver65: -0.04,
  bmi: 0.06,
  bmiOver30Squared: 0.02,
  hba1cOver57: 3.0,
  hba1cOver65: 1.5,
  glucoseBmi: 0.4,
  familyHistory: 0.5,
  familyHistoryYoung: 0.03,
  activityModerate: -0.3,
  activityHigh: -0.7,
  smokingFormer: 0.2,
  smokingCurrent: 0.45,
  dyslipidaemia: 0.4,
  hypertension: 0.25,
} as const;

/** The true model as text (also written to ground_truth.json and docs/SYNTH.md). */
export const RISK_FORMULA = [
  'logit = -2.8',
  '  + 0.055 * (age - 50) - 0.04 * max(0, age - 65)',
  '  + 0.06 * (bmi - 27) + 0.02 * max(0, bmi - 30)^2',
  '  + 3.0 * max(0, hba1c - 5.7) + 1.5 * max(0, hba1c - 6.5)',
  '  + 0.4 * max(0, glucose_mg_dl - 100) / 18 * max(0, bmi - 25) / 5',
  '  + family_history_diabetes * (0.5 + 0.03 * max(0, 60 - age))',
  "  - 0.3 * [physical_activity = 'moderate'] - 0.7 * [physical_activity = 'high']",
  "  + 0.2 * [smoking = 'former'] + 0.45 * [smoking = 'current']",
  '  + 0.4 * [triglycerides >= 150 and hdl < 40]',
  '  + 0.25 * [sbp >= 140]',
  'p(diabetes within 5 years) = 1 / (1 + exp(-logit))',
].join('\n');

/** Activity / smoking as indices (the order of the categorical dictionaries in the patients table). */
export const ACTIVITY_LEVELS: readonly Activity[] = ['high', 'low', 'moderate'];
export const SMOKING_LEVELS: readonly Smoking[] = ['current', 'former', 'never'];

/**
 * The true logit from raw numbers; `activity` and `smoking` are indices into ACTIVITY_LEVELS and
 * SMOKING_LEVELS. This is the hot-path form; `trueRisk` wraps it for readable calls.
 */
export function trueLogitRaw(
  age: number,
  bmi: number,
  hba1c: number,
  glucose: number,
  familyHistory: number,
  activity: number,
  smoking: number,
  sbp: number,
  hdl: number,
  triglycerides: number,
): number {
  const c = RISK_COEFFICIENTS;
  const bmiOver30 = Math.max(0, bmi - 30);
  let z = c.intercept;
  z += c.age * (age - 50) + c.ageOver65 * Math.max(0, age - 65);
  z += c.bmi * (bmi - 27) + c.bmiOver30Squared * bmiOver30 * bmiOver30;
  z += c.hba1cOver57 * Math.max(0, hba1c - 5.7) + c.hba1cOver65 * Math.max(0, hba1c - 6.5);
  z += ((c.glucoseBmi * Math.max(0, glucose - 100)) / 18) * (Math.max(0, bmi - 25) / 5);
  if (familyHistory === 1) z += c.familyHistory + c.familyHistoryYoung * Math.max(0, 60 - age);
  if (activity === 2) z += c.activityModerate;
  else if (activity === 0) z += c.activityHigh;
  if (smoking === 1) z += c.smokingFormer;
  else if (smoking === 0) z += c.smokingCurrent;
  if (triglycerides >= 150 && hdl < 40) z += c.dyslipidaemia;
  if (sbp >= 140) z += c.hypertension;
  return z;
}

/** The logistic function. */
export function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

/** One patient's true logit and five-year diabetes probability. */
export function trueRisk(x: RiskInputs): { logit: number; probability: number } {
  const logit = trueLogitRaw(
    x.age,
    x.bmi,
    x.hba1c,
    x.glucose,
    x.familyHistory,
    ACTIVITY_LEVELS.indexOf(x.activity),
    SMOKING_LEVELS.indexOf(x.smoking),
    x.sbp,
    x.hdl,
    x.triglycerides,
  );
  return { logit, probability: sigmoid(logit) };
}

/**
 * Area under the ROC curve by the Mann–Whitney U statistic, with tied scores given mid-ranks (so a tie
 * between a positive and a negative counts one half). Labels are 1 (positive) or 0; NaN scores are not
 * allowed. Returns NaN when either class is empty.
 */
export function auroc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const n = scores.length;
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => scores[a] - scores[b]);
  let nPos = 0;
  let rankSumPos = 0;
  let i = 0;
  while (i < n) {
    let j = i + 1;
    while (j < n && scores[order[j]] === scores[order[i]]) j++;
    const midRank = (i + 1 + j) / 2; // ranks i+1 … j share their mean
    for (let k = i; k < j; k++) {
      if (labels[order[k]] === 1) {
        nPos++;
        rankSumPos += midRank;
      }
    }
    i = j;
  }
  const nNeg = n - nPos;
  if (nPos === 0 || nNeg === 0) return Number.NaN;
  return (rankSumPos - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}
