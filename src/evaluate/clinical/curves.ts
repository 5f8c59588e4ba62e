/**
 * ROC and precision–recall curve points for plotting (one point per distinct score, as scikit-learn's
 * `roc_curve(drop_intermediate=False)` / `precision_recall_curve`). The areas themselves come from
 * `auroc` / `averagePrecision` in ../metrics.ts.
 */
import { allOperatingPoints } from './thresholds.js';

export interface CurvePoint {
  readonly x: number;
  readonly y: number;
  readonly threshold: number;
}

/** ROC points (FPR, TPR) from (0, 0) to (1, 1). */
export function rocCurve(y: ArrayLike<number>, p: ArrayLike<number>): CurvePoint[] {
  const pts = allOperatingPoints(y, p).reverse();
  const out: CurvePoint[] = [{ x: 0, y: 0, threshold: Number.POSITIVE_INFINITY }];
  for (const q of pts) out.push({ x: 1 - q.specificity, y: q.sensitivity, threshold: q.threshold });
  return out;
}

/** Precision–recall points (recall, precision), highest threshold first. */
export function prCurve(y: ArrayLike<number>, p: ArrayLike<number>): CurvePoint[] {
  const pts = allOperatingPoints(y, p).reverse();
  const out: CurvePoint[] = [];
  for (const q of pts) if (q.tp + q.fp > 0) out.push({ x: q.sensitivity, y: q.ppv, threshold: q.threshold });
  return out;
}
