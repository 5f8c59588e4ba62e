/**
 * What `POST /api/v1/models/{name}/predict` returns beside each score:
 * - `factors`: the top-k features that moved that patient's prediction (src/explain `topFactorsFromShap`:
 *   TreeSHAP for GBDT / forest / CART, linear SHAP for linear and binary logistic models; none for kinds
 *   SHAP cannot explain). Computed for the first `maxRows` rows of a request only (default 100), so a
 *   large batch stays as fast as scoring alone;
 * - `warnings`: inputs outside the range seen at training ("hba1c 14.2 is outside the training range
 *   4.1–12.0"). Advisory: the model extrapolates there. Values outside clinical plausibility, wrong
 *   types and missing features are rejected with a 400 before scoring (`NativeModel.toFrame`).
 */
import { type Frame, type Matrix, takeRows } from '../core/index.js';
import {
  type TopFactor,
  columnMeans,
  explainRows,
  isTreeModel,
  leafWeightsFor,
  type ShapValues,
  topFactorsFromShap,
  treeModelView,
} from '../explain/index.js';
import { modelMatrix } from '../registry/index.js';
import type { NativeModel } from '../runtime/index.js';

/** Rows per request that get factors unless the caller asks otherwise (`?factorRows=`). */
export const DEFAULT_FACTOR_ROWS = 100;
/** Factors per row unless the caller asks otherwise (`?factors=`; 0 skips them). */
export const DEFAULT_FACTORS = 5;

/** A factor as the API returns it (`value` null when the input was missing). */
export interface PredictionFactor {
  readonly feature: string;
  readonly value: number | null;
  readonly contribution: number;
  readonly direction: 'increases' | 'decreases';
  readonly text: string;
}

interface ModelExtras {
  /** Linear SHAP background (training means in model space); null for tree models. */
  readonly means: Float64Array | null;
  /** False when SHAP cannot explain the model kind. */
  supported: boolean;
  /** Training [min, max] per input feature (numeric), from the artifact's training profile. */
  readonly trainingRanges: ([number, number] | null)[];
  readonly units: Record<string, string>;
}

const cache = new WeakMap<NativeModel, ModelExtras>();

function extrasOf(model: NativeModel): ModelExtras {
  let e = cache.get(model);
  if (e) return e;
  const m = model.artifact.manifest;
  const trainingRanges = model.features.map((f): [number, number] | null => {
    const p = m.profile?.[f.name];
    if (p && p.type !== 'categorical' && p.edges.length) return [p.edges[0], p.edges[p.edges.length - 1]];
    return f.range && f.rangeSource === 'training' ? [f.range[0], f.range[1]] : null;
  });
  const units: Record<string, string> = {};
  // UCUM 'a' (annum) reads badly in a sentence: "age = 61 years"
  for (const f of model.features) if (f.unit) units[f.name] = f.unit === 'a' ? 'years' : f.unit;
  let means: Float64Array | null = null;
  let supported = true;
  if (!isTreeModel(model.artifact.model)) {
    // linear SHAP's background: the training profile's means (modal level of categoricals) through
    // the pipeline — exact for affine preprocessing, the modal level for one-hot columns
    try {
      const row: Record<string, number | string | null> = {};
      for (const f of model.features) {
        const p = m.profile?.[f.name];
        if (!p) row[f.name] = null;
        else if (p.type === 'categorical')
          row[f.name] = p.levels[p.counts.indexOf(Math.max(...p.counts))] ?? null;
        else row[f.name] = Number.isFinite(p.mean) ? p.mean : null;
      }
      const { frame } = model.toFrame([row], { unknownFields: 'ignore' });
      means = columnMeans(modelMatrix(model.artifact, frame, { validate: false }));
    } catch {
      supported = false;
    }
  }
  if (isTreeModel(model.artifact.model)) {
    // tree models: build the Fast TreeSHAP v2 weight tables once, so each request's rows cost one
    // pass per tree plus a table lookup per leaf (src/explain/leaf-weights.ts)
    try {
      leafWeightsFor(treeModelView(model.artifact.model).trees, Number.MAX_SAFE_INTEGER);
    } catch {
      supported = false;
    }
  }
  e = { means, supported, trainingRanges, units };
  cache.set(model, e);
  return e;
}

/** Prepares what factors and warnings need for `model` (at load, so the first request does not pay). */
export function warmPredictionExtras(model: NativeModel): void {
  extrasOf(model);
}

function shown(v: number): string {
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(3)));
}

/** Per-row warnings for inputs outside the training range; `null` for rows with none. */
export function trainingRangeWarnings(model: NativeModel, frame: Frame): (string[] | null)[] {
  const { trainingRanges, units } = extrasOf(model);
  const out: (string[] | null)[] = new Array(frame.nRows).fill(null);
  model.features.forEach((f, j) => {
    const r = trainingRanges[j];
    // a request's frame holds the features in schema order: look further only if it does not
    const c =
      frame.columns[j]?.name === f.name ? frame.columns[j] : frame.columns.find((x) => x.name === f.name);
    if (!r || !c || c.kind === 'categorical') return;
    const unit = units[f.name] ? ` ${units[f.name]}` : '';
    for (let i = 0; i < frame.nRows; i++) {
      const v = c.values[i];
      if (v < r[0] || v > r[1])
        (out[i] ??= []).push(
          `${f.name} ${shown(v)}${unit} is outside the training range ${shown(r[0])}–${shown(r[1])}${unit}`,
        );
    }
  });
  return out;
}

/**
 * Top-`k` factors of the first `maxRows` rows of `frame` (one SHAP pass over them); rows beyond get
 * none. `classIndex` picks the output to explain per row (multiclass: the predicted class).
 */
export function predictionFactors(
  model: NativeModel,
  frame: Frame,
  opts: { k: number; maxRows: number; classIndex?: (row: number) => number },
): PredictionFactor[][] {
  const n = Math.min(frame.nRows, opts.maxRows);
  const out: PredictionFactor[][] = [];
  const extras = extrasOf(model);
  if (opts.k <= 0 || n <= 0 || !extras.supported) return out;
  const fitted = model.artifact.model;
  let X: Matrix;
  let shap: ShapValues;
  try {
    X = modelMatrix(model.artifact, n === frame.nRows ? frame : takeRows(frame, range(n)), {
      validate: false,
    });
    // tree models: TreeSHAP through the model's cached weight tables; others: linear SHAP
    shap = explainRows(fitted, X, extras.means ?? undefined);
  } catch {
    extras.supported = false; // a model kind SHAP cannot explain: scores stand without factors
    return out;
  }
  for (let i = 0; i < n; i++) {
    const output = shap.nOutputs > 1 ? (opts.classIndex?.(i) ?? 0) : 0;
    out.push(
      topFactorsFromShap(shap, X, i, opts.k, { units: extras.units, output }).map((f: TopFactor) => ({
        feature: f.feature,
        value: Number.isNaN(f.value) ? null : f.value,
        contribution: f.contribution,
        direction: f.direction,
        text: f.sentence,
      })),
    );
  }
  return out;
}

function range(n: number): Int32Array {
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  return a;
}
