/**
 * Decision curve analysis (Vickers & Elkin, Med Decis Making 2006; Vickers, van Calster & Steyerberg,
 * BMJ 2016). At a threshold probability pt — the risk at which a clinician is indifferent between
 * treating and not — treating everyone with risk ≥ pt has
 *   net benefit = TP/n − FP/n · pt/(1 − pt),
 * compared with treating everyone (prevalence − (1 − prevalence) · pt/(1 − pt)) and no one (0). Net
 * interventions avoided per 100 patients = (NB_model − NB_all) / (pt/(1 − pt)) · 100.
 */
import { countsAt } from './thresholds.js';
import { checkYP } from './stats-util.js';

export interface DecisionCurvePoint {
  readonly threshold: number;
  readonly netBenefitModel: number;
  readonly netBenefitAll: number;
  readonly netBenefitNone: number;
  /** Net interventions avoided per 100 patients, against treating all. */
  readonly interventionsAvoidedPer100: number;
}

/** Net benefit of the model, treat-all and treat-none at each threshold (default 0.01 … 0.99 by 0.01). */
export function decisionCurve(
  y: ArrayLike<number>,
  p: ArrayLike<number>,
  thresholds?: readonly number[],
): DecisionCurvePoint[] {
  checkYP(y, p, 'decisionCurve');
  const n = y.length;
  let prev = 0;
  for (let i = 0; i < n; i++) prev += y[i];
  prev /= n;
  const ts = thresholds ?? Array.from({ length: 99 }, (_, k) => (k + 1) / 100);
  return ts.map((pt) => {
    const odds = pt / (1 - pt);
    const c = countsAt(y, p, pt);
    const model = c.tp / n - (c.fp / n) * odds;
    const all = prev - (1 - prev) * odds;
    return {
      threshold: pt,
      netBenefitModel: model,
      netBenefitAll: all,
      netBenefitNone: 0,
      interventionsAvoidedPer100: odds > 0 ? ((model - all) / odds) * 100 : 0,
    };
  });
}
