/**
 * Exports a model together with its fitted preprocessing pipeline (what an Aegle artifact stores), so
 * the ONNX graph takes the same raw columns the REST API takes:
 *
 * - input `X`: double [N, p] — the artifact's numeric (and datetime, as epoch ms) input features, in
 *   input-schema order, NaN for missing;
 * - one input per categorical feature, string [N, 1], named as the feature ('' for missing).
 *
 * Steps are translated column by column, each column a [N, 1] double value: SimpleImputer
 * (Where(IsNaN), plus `<col>_missing` indicators), Scaler (standard/robust: (x − centre) / scale;
 * minmax: x · scale + offset), OneHotEncoder (ai.onnx.ml OneHotEncoder; unknown categories read all
 * zeros as `handleUnknown: 'ignore'` does; `drop: 'first'`; the `<col>_nan` column for missing), nested
 * pipelines. The model's features are then concatenated in its own order and the model head follows.
 * Anything else is refused with AEGLE_LEARN_UNSUPPORTED naming the step.
 */
import { createError } from '../../core/index.js';
import {
  FittedImputer,
  FittedOneHot,
  FittedPipeline,
  FittedScaler,
  type FittedTransformer,
  fittedFromJSON,
} from '../../transform/index.js';
import type { SerializedModel } from '../estimator.js';
import { modelHead } from './export.js';
import { GraphBuilder } from './graph.js';

export interface ExportFeature {
  readonly name: string;
  readonly type: 'numeric' | 'categorical' | 'datetime' | string;
}

function unsupported(what: string): Error {
  return createError('AEGLE_LEARN_UNSUPPORTED', { what, owner: 'ONNX export' });
}

/**
 * ONNX bytes for a model preceded by its fitted pipeline (`pipeline`: the artifact's `FittedJSON`, or
 * null). `features`: the artifact's input schema features.
 */
export function exportPipelineToOnnx(
  model: SerializedModel,
  pipeline: unknown,
  features: readonly ExportFeature[],
  opts: { name?: string } = {},
): Uint8Array {
  const g = new GraphBuilder();
  const numeric = features.filter((f) => f.type !== 'categorical');
  const cols = new Map<string, { value: string; kind: 'number' | 'string' }>();
  if (numeric.length) {
    const X = g.input('X', 'double', ['N', numeric.length]);
    numeric.forEach((f, j) => {
      const v = g.node('Slice', [
        X,
        g.constant([j], [1], 'int64'),
        g.constant([j + 1], [1], 'int64'),
        g.constant([1], [1], 'int64'),
      ]);
      cols.set(f.name, { value: v, kind: 'number' });
    });
  }
  for (const f of features)
    if (f.type === 'categorical')
      cols.set(f.name, { value: g.input(f.name, 'string', ['N', 1]), kind: 'string' });
  if (pipeline) applyStep(g, fittedFromJSON(pipeline), cols);
  const parts = model.featureNames.map((name) => {
    const c = cols.get(name);
    if (!c) throw unsupported(`model feature '${name}', which the pipeline does not produce`);
    if (c.kind !== 'number') throw unsupported(`model feature '${name}', still text after preprocessing`);
    return c.value;
  });
  const x = parts.length === 1 ? parts[0] : g.node('Concat', parts, { axis: 1 });
  modelHead(g, x, model);
  return g.build(
    opts.name ?? model.kind,
    `Aegle ${model.kind} (${model.task}) with its fitted preprocessing; inputs: X [${numeric.map((f) => f.name).join(', ')}]${features
      .filter((f) => f.type === 'categorical')
      .map((f) => `, ${f.name}`)
      .join('')}`,
  );
}

type Cols = Map<string, { value: string; kind: 'number' | 'string' }>;

function numberCol(cols: Cols, name: string, owner: string): string {
  const c = cols.get(name);
  if (!c) throw unsupported(`${owner} on column '${name}', which is not an input`);
  if (c.kind !== 'number') throw unsupported(`${owner} on text column '${name}'`);
  return c.value;
}

function applyStep(g: GraphBuilder, f: FittedTransformer, cols: Cols): void {
  if (f instanceof FittedPipeline) {
    for (const [, step] of f.steps) applyStep(g, step, cols);
    return;
  }
  if (f instanceof FittedImputer) {
    const indicators = new Set(f.indicators);
    const masks: Array<[string, string]> = [];
    f.columns.forEach((name, j) => {
      const fill = f.fills[j];
      const c = cols.get(name);
      if (c?.kind === 'string') {
        // a missing category arrives as '': replace it with the fill level
        const isEmpty = g.node('Equal', [c.value, g.stringConstant([''], [1, 1])]);
        if (indicators.has(name)) masks.push([name, g.node('Cast', [isEmpty], { to: 11 })]);
        cols.set(name, {
          value: g.node('Where', [isEmpty, g.stringConstant([String(fill)], [1, 1]), c.value]),
          kind: 'string',
        });
        return;
      }
      const x = numberCol(cols, name, 'SimpleImputer');
      const nan = g.node('IsNaN', [x]);
      if (indicators.has(name)) masks.push([name, g.node('Cast', [nan], { to: 11 })]);
      cols.set(name, {
        value: g.node('Where', [nan, g.constant([Number(fill)], [1, 1]), x]),
        kind: 'number',
      });
    });
    for (const [name, m] of masks) cols.set(`${name}_missing`, { value: m, kind: 'number' });
    return;
  }
  if (f instanceof FittedScaler) {
    const minmax = f.params.method === 'minmax';
    f.columns.forEach((name, j) => {
      const x = numberCol(cols, name, 'Scaler');
      const a = g.constant([f.offset[j]], [1, 1]);
      const s = g.constant([f.scale[j]], [1, 1]);
      const v = minmax
        ? g.node('Add', [g.node('Mul', [x, s]), a])
        : g.node('Div', [g.node('Sub', [x, a]), s]);
      cols.set(name, { value: v, kind: 'number' });
    });
    return;
  }
  if (f instanceof FittedOneHot) {
    const st = f.state_;
    const names = f.featureNames();
    const dropFirst = f.params.drop === 'first' ? 1 : 0;
    st.columns.forEach((name, j) => {
      const c = cols.get(name);
      if (c?.kind !== 'string')
        throw unsupported(`OneHotEncoder on column '${name}', which is not a text input`);
      const cats = [...st.categories[j], ...(st.nanColumn[j] ? [''] : [])];
      // [N, 1] strings → [N, 1, C] float; unknown strings give all zeros (zeros = 1)
      const oh = g.node(
        'OneHotEncoder',
        [c.value],
        { cats_strings: cats, zeros: 1 },
        { domain: 'ai.onnx.ml' },
      );
      const flat = g.node('Cast', [g.node('Reshape', [oh, g.constant([-1, cats.length], [2], 'int64')])], {
        to: 11,
      });
      names[j].forEach((outName, k) => {
        const idx = k + dropFirst;
        const v = g.node('Slice', [
          flat,
          g.constant([idx], [1], 'int64'),
          g.constant([idx + 1], [1], 'int64'),
          g.constant([1], [1], 'int64'),
        ]);
        cols.set(outName, { value: v, kind: 'number' });
      });
      cols.delete(name);
    });
    return;
  }
  throw unsupported(`the fitted '${f.kind}' step (export supports impute, scale, one-hot and pipelines)`);
}
