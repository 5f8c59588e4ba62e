/**
 * Clinical classification and regression metrics, defined as scikit-learn defines them (each is
 * checked against scikit-learn on the same vectors in metrics.test.ts).
 *
 * Binary inputs: `yTrue` holds 0/1 (1 = positive class), `score` the positive-class probability.
 * Multiclass: `proba` is row-major n × K. Zero divisions give 0, as scikit-learn's default.
 */
import { createError } from '../core/index.js';
import type { Task } from '../learn/index.js';
import './errors.js';

/** K × K counts, row = true class, column = predicted class. */
export function confusionMatrix(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, K = 2): number[][] {
  const m = Array.from({ length: K }, () => new Array<number>(K).fill(0));
  for (let i = 0; i < yTrue.length; i++) m[yTrue[i]][yPred[i]]++;
  return m;
}

const div = (a: number, b: number) => (b === 0 ? 0 : a / b);

export interface BinaryCounts {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

export function binaryCounts(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): BinaryCounts {
  const c = { tp: 0, fp: 0, tn: 0, fn: 0 };
  for (let i = 0; i < yTrue.length; i++) {
    if (yTrue[i] === 1) yPred[i] === 1 ? c.tp++ : c.fn++;
    else yPred[i] === 1 ? c.fp++ : c.tn++;
  }
  return c;
}

export function accuracy(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  let k = 0;
  for (let i = 0; i < yTrue.length; i++) if (yTrue[i] === yPred[i]) k++;
  return div(k, yTrue.length);
}

/** Mean per-class recall (scikit-learn `balanced_accuracy_score`, classes present in yTrue). */
export function balancedAccuracy(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  const hit = new Map<number, [number, number]>();
  for (let i = 0; i < yTrue.length; i++) {
    const e = hit.get(yTrue[i]) ?? [0, 0];
    e[1]++;
    if (yPred[i] === yTrue[i]) e[0]++;
    hit.set(yTrue[i], e);
  }
  let s = 0;
  for (const [h, n] of hit.values()) s += h / n;
  return div(s, hit.size);
}

export const sensitivity = (c: BinaryCounts) => div(c.tp, c.tp + c.fn);
export const specificity = (c: BinaryCounts) => div(c.tn, c.tn + c.fp);
export const ppv = (c: BinaryCounts) => div(c.tp, c.tp + c.fp);
export const npv = (c: BinaryCounts) => div(c.tn, c.tn + c.fn);
export const f1 = (c: BinaryCounts) => div(2 * c.tp, 2 * c.tp + c.fp + c.fn);

/** Macro-averaged F1 over classes 0..K−1. */
export function f1Macro(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, K: number): number {
  let s = 0;
  for (let k = 0; k < K; k++) {
    const t = Array.from(yTrue, (v) => (v === k ? 1 : 0));
    const p = Array.from(yPred, (v) => (v === k ? 1 : 0));
    s += f1(binaryCounts(t, p));
  }
  return s / K;
}

/** Indices sorted by descending score (stable). */
function descending(score: ArrayLike<number>): Int32Array {
  const idx = Int32Array.from({ length: score.length }, (_, i) => i);
  idx.sort((a, b) => score[b] - score[a] || a - b);
  return idx;
}

/**
 * Cumulative weighted true/false positives at each distinct threshold (scikit-learn
 * `_binary_clf_curve`): ties in score form one step.
 */
function clfCurve(
  yTrue: ArrayLike<number>,
  score: ArrayLike<number>,
  weight?: ArrayLike<number>,
): { tps: number[]; fps: number[] } {
  const idx = descending(score);
  const tps: number[] = [];
  const fps: number[] = [];
  let tp = 0;
  let fp = 0;
  for (let r = 0; r < idx.length; r++) {
    const i = idx[r];
    const w = weight ? weight[i] : 1;
    if (yTrue[i] === 1) tp += w;
    else fp += w;
    if (r === idx.length - 1 || score[idx[r + 1]] !== score[i]) {
      tps.push(tp);
      fps.push(fp);
    }
  }
  return { tps, fps };
}

function checkBinary(yTrue: ArrayLike<number>, what: string): void {
  let pos = 0;
  let neg = 0;
  for (let i = 0; i < yTrue.length; i++) yTrue[i] === 1 ? pos++ : neg++;
  if (pos === 0 || neg === 0) {
    throw createError('AEGLE_EVALUATE_ONE_CLASS', { metric: what, n: yTrue.length });
  }
}

/** Area under the ROC curve (trapezoids over distinct thresholds, so ties count half). */
export function auroc(
  yTrue: ArrayLike<number>,
  score: ArrayLike<number>,
  weight?: ArrayLike<number>,
): number {
  checkBinary(yTrue, 'AUROC');
  const { tps, fps } = clfCurve(yTrue, score, weight);
  const P = tps[tps.length - 1];
  const N = fps[fps.length - 1];
  let area = 0;
  let px = 0;
  let py = 0;
  for (let k = 0; k < tps.length; k++) {
    const x = fps[k] / N;
    const y = tps[k] / P;
    area += ((x - px) * (y + py)) / 2;
    px = x;
    py = y;
  }
  return area;
}

/** Average precision, Σ (Rₙ − Rₙ₋₁)·Pₙ over distinct thresholds (scikit-learn's step definition; the AUPRC reported). */
export function averagePrecision(
  yTrue: ArrayLike<number>,
  score: ArrayLike<number>,
  weight?: ArrayLike<number>,
): number {
  checkBinary(yTrue, 'average precision');
  const { tps, fps } = clfCurve(yTrue, score, weight);
  const P = tps[tps.length - 1];
  let ap = 0;
  let prevR = 0;
  for (let k = 0; k < tps.length; k++) {
    const r = tps[k] / P;
    const prec = tps[k] + fps[k] > 0 ? tps[k] / (tps[k] + fps[k]) : 1;
    ap += (r - prevR) * prec;
    prevR = r;
  }
  return ap;
}

const EPS = 2.220446049250313e-16;

/** Mean negative log-likelihood; `proba` is n × K row-major (rows renormalised, clipped to [eps, 1−eps]). */
export function logLoss(yTrue: ArrayLike<number>, proba: ArrayLike<number>, K: number): number {
  const n = yTrue.length;
  let s = 0;
  for (let i = 0; i < n; i++) {
    let tot = 0;
    for (let k = 0; k < K; k++) tot += Math.min(1 - EPS, Math.max(EPS, proba[i * K + k]));
    const p = Math.min(1 - EPS, Math.max(EPS, proba[i * K + yTrue[i]])) / tot;
    s -= Math.log(p);
  }
  return s / n;
}

/** Log loss of binary positive-class probabilities. */
export function binaryLogLoss(yTrue: ArrayLike<number>, score: ArrayLike<number>): number {
  const proba = new Float64Array(2 * yTrue.length);
  for (let i = 0; i < yTrue.length; i++) {
    proba[2 * i] = 1 - score[i];
    proba[2 * i + 1] = score[i];
  }
  return logLoss(yTrue, proba, 2);
}

/** Brier score: mean squared difference between the positive-class probability and the outcome. */
export function brier(yTrue: ArrayLike<number>, score: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < yTrue.length; i++) s += (score[i] - yTrue[i]) ** 2;
  return s / yTrue.length;
}

/** One-vs-rest AUROC averaged over classes: `macro` (plain mean) or `weighted` (by prevalence). */
export function aurocOvr(
  yTrue: ArrayLike<number>,
  proba: ArrayLike<number>,
  K: number,
  average: 'macro' | 'weighted' = 'macro',
): number {
  let s = 0;
  let wsum = 0;
  const n = yTrue.length;
  for (let k = 0; k < K; k++) {
    const t = new Float64Array(n);
    const sc = new Float64Array(n);
    let count = 0;
    for (let i = 0; i < n; i++) {
      t[i] = yTrue[i] === k ? 1 : 0;
      count += t[i];
      sc[i] = proba[i * K + k];
    }
    const w = average === 'weighted' ? count : 1;
    s += w * auroc(t, sc);
    wsum += w;
  }
  return s / wsum;
}

export function mae(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < yTrue.length; i++) s += Math.abs(yTrue[i] - yPred[i]);
  return s / yTrue.length;
}

export function rmse(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < yTrue.length; i++) s += (yTrue[i] - yPred[i]) ** 2;
  return Math.sqrt(s / yTrue.length);
}

export function r2(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < yTrue.length; i++) m += yTrue[i];
  m /= yTrue.length;
  let ss = 0;
  let st = 0;
  for (let i = 0; i < yTrue.length; i++) {
    ss += (yTrue[i] - yPred[i]) ** 2;
    st += (yTrue[i] - m) ** 2;
  }
  return st === 0 ? (ss === 0 ? 1 : 0) : 1 - ss / st;
}

/** Metric names by task, and whether larger is better. */
export const METRICS: Readonly<
  Record<string, { tasks: readonly Task[]; greaterIsBetter: boolean; description: string }>
> = {
  accuracy: {
    tasks: ['binary', 'multiclass'],
    greaterIsBetter: true,
    description: 'Share of correct predictions.',
  },
  balanced_accuracy: {
    tasks: ['binary', 'multiclass'],
    greaterIsBetter: true,
    description: 'Mean recall over classes.',
  },
  sensitivity: {
    tasks: ['binary'],
    greaterIsBetter: true,
    description: 'TP / (TP + FN), recall of the positive class.',
  },
  recall: { tasks: ['binary'], greaterIsBetter: true, description: 'Same as sensitivity.' },
  specificity: { tasks: ['binary'], greaterIsBetter: true, description: 'TN / (TN + FP).' },
  ppv: {
    tasks: ['binary'],
    greaterIsBetter: true,
    description: 'Positive predictive value, TP / (TP + FP).',
  },
  precision: { tasks: ['binary'], greaterIsBetter: true, description: 'Same as PPV.' },
  npv: {
    tasks: ['binary'],
    greaterIsBetter: true,
    description: 'Negative predictive value, TN / (TN + FN).',
  },
  f1: {
    tasks: ['binary', 'multiclass'],
    greaterIsBetter: true,
    description: 'F1 (binary: positive class; multiclass: macro average).',
  },
  auroc: {
    tasks: ['binary', 'multiclass'],
    greaterIsBetter: true,
    description: 'Area under the ROC curve (multiclass: one-vs-rest macro).',
  },
  auroc_weighted: {
    tasks: ['multiclass'],
    greaterIsBetter: true,
    description: 'One-vs-rest AUROC weighted by prevalence.',
  },
  auprc: {
    tasks: ['binary'],
    greaterIsBetter: true,
    description: 'Average precision (area under the precision–recall curve, step rule).',
  },
  average_precision: { tasks: ['binary'], greaterIsBetter: true, description: 'Same as auprc.' },
  log_loss: {
    tasks: ['binary', 'multiclass'],
    greaterIsBetter: false,
    description: 'Mean negative log-likelihood.',
  },
  brier: {
    tasks: ['binary'],
    greaterIsBetter: false,
    description: 'Mean squared error of the positive-class probability.',
  },
  mae: { tasks: ['regression'], greaterIsBetter: false, description: 'Mean absolute error.' },
  rmse: { tasks: ['regression'], greaterIsBetter: false, description: 'Root mean squared error.' },
  r2: { tasks: ['regression'], greaterIsBetter: true, description: 'Coefficient of determination.' },
};

export const DEFAULT_METRICS: Readonly<Record<Task, readonly string[]>> = {
  binary: [
    'auroc',
    'auprc',
    'accuracy',
    'balanced_accuracy',
    'sensitivity',
    'specificity',
    'ppv',
    'npv',
    'f1',
    'brier',
    'log_loss',
  ],
  multiclass: ['accuracy', 'balanced_accuracy', 'f1', 'auroc', 'auroc_weighted', 'log_loss'],
  regression: ['mae', 'rmse', 'r2'],
};

/** Checks metric names against a task; throws STYLE rule-5 style messages. */
export function checkMetricNames(names: readonly string[], task: Task, where = 'metrics'): void {
  for (const name of names) {
    const m = METRICS[name];
    if (!m?.tasks.includes(task)) {
      const ok = Object.entries(METRICS)
        .filter(([, d]) => d.tasks.includes(task))
        .map(([n]) => n);
      throw createError('AEGLE_CORE_INVALID_SPEC', {
        path: where,
        expected: `a list of ${task} metrics (${ok.join('|')})`,
        got: `'${name}'`,
      });
    }
  }
}

/**
 * Computes named metrics. Classification: `output` = probabilities n × K (binary: K = 2, column 1
 * positive) and predictions are argmax (binary: probability ≥ threshold). Regression: `output` = values.
 */
export function computeMetrics(
  task: Task,
  yTrue: Float64Array,
  output: Float64Array,
  names: readonly string[] = DEFAULT_METRICS[task],
  opts: { threshold?: number; K?: number } = {},
): Record<string, number> {
  checkMetricNames(names, task);
  const out: Record<string, number> = {};
  const n = yTrue.length;
  if (task === 'regression') {
    for (const name of names)
      out[name] =
        name === 'mae' ? mae(yTrue, output) : name === 'rmse' ? rmse(yTrue, output) : r2(yTrue, output);
    return out;
  }
  const K = task === 'binary' ? 2 : (opts.K ?? Math.round(output.length / n));
  const pred = new Float64Array(n);
  const score = new Float64Array(n);
  const threshold = opts.threshold ?? 0.5;
  for (let i = 0; i < n; i++) {
    if (task === 'binary') {
      score[i] = output[2 * i + 1];
      pred[i] = score[i] >= threshold ? 1 : 0;
    } else {
      let best = 0;
      for (let k = 1; k < K; k++) if (output[i * K + k] > output[i * K + best]) best = k;
      pred[i] = best;
    }
  }
  const c = task === 'binary' ? binaryCounts(yTrue, pred) : null;
  const safe = (f: () => number) => {
    try {
      return f();
    } catch {
      return Number.NaN; // one class only in this fold: undefined, reported as NaN
    }
  };
  for (const name of names) {
    switch (name) {
      case 'accuracy':
        out[name] = accuracy(yTrue, pred);
        break;
      case 'balanced_accuracy':
        out[name] = balancedAccuracy(yTrue, pred);
        break;
      case 'sensitivity':
      case 'recall':
        out[name] = sensitivity(c!);
        break;
      case 'specificity':
        out[name] = specificity(c!);
        break;
      case 'ppv':
      case 'precision':
        out[name] = ppv(c!);
        break;
      case 'npv':
        out[name] = npv(c!);
        break;
      case 'f1':
        out[name] = task === 'binary' ? f1(c!) : f1Macro(yTrue, pred, K);
        break;
      case 'auroc':
        out[name] = safe(() =>
          task === 'binary' ? auroc(yTrue, score) : aurocOvr(yTrue, output, K, 'macro'),
        );
        break;
      case 'auroc_weighted':
        out[name] = safe(() => aurocOvr(yTrue, output, K, 'weighted'));
        break;
      case 'auprc':
      case 'average_precision':
        out[name] = safe(() => averagePrecision(yTrue, score));
        break;
      case 'log_loss':
        out[name] = logLoss(yTrue, output, K);
        break;
      case 'brier':
        out[name] = brier(yTrue, score);
        break;
    }
  }
  return out;
}
