/**
 * Composition by named steps (scikit-learn's `Pipeline` and `ColumnTransformer`). Both follow the
 * single-transformer contract: `fit` → new fitted object; `transform` never mutates; `toJSON` /
 * `fittedFromJSON` round-trip; `withParams({'step.param': v})` clones.
 *
 * Before any work, `fit` validates every step's parameters and column references against the
 * columns each step will see (simulated through the steps), so a typo in step 5 fails before step 1
 * runs, naming the step.
 */
import { type ColumnRole, type Frame, createError } from '../core/index.js';
import {
  type ColumnInfo,
  type DroppedRow,
  type FitOptions,
  type FittedJSON,
  type FittedTransformer,
  FITTED_FORMAT_VERSION,
  type StepReport,
  type StepResult,
  type TransformOptions,
  type Transformer,
  emptyReport,
  rethrowWithPath,
  schemaOf,
  throwIfAborted,
} from './base.js';
import { fittedFromJSON } from './registry.js';
import { resolveParams } from '../core/params.js';

export type NamedStep = readonly [name: string, transformer: Transformer];

/** Report of a whole pipeline run: one entry per step; row indices refer to the input frame. */
export interface PipelineReport {
  rowsIn: number;
  rowsOut: number;
  steps: StepReport[];
}

function checkNames(owner: string, names: readonly string[]): void {
  const seen = new Set<string>();
  for (const n of names) {
    if (!n || n.includes('.') || seen.has(n)) {
      throw createError('AEGLE_CORE_INVALID_PARAM', {
        param: 'steps',
        owner,
        expected: 'unique step names without dots',
        got: `'${n}'`,
      });
    }
    seen.add(n);
  }
}

/** Splits `{ 'impute.strategy': 'median' }` into per-step patches. */
function splitPatch(
  owner: string,
  names: readonly string[],
  patch: Record<string, unknown>,
): Map<string, Record<string, unknown>> {
  const out = new Map<string, Record<string, unknown>>();
  for (const [key, v] of Object.entries(patch)) {
    const dot = key.indexOf('.');
    const step = dot < 0 ? key : key.slice(0, dot);
    if (dot < 0 || !names.includes(step)) {
      throw createError('AEGLE_CORE_INVALID_PARAM', {
        param: key,
        owner,
        expected: `a '<step>.<param>' key with step one of ${names.join('|')}`,
        got: 'an unknown key',
      });
    }
    const m = out.get(step) ?? {};
    m[key.slice(dot + 1)] = v;
    out.set(step, m);
  }
  return out;
}

function remapRows(report: StepReport, origin: Int32Array | null): StepReport {
  if (!origin) return report;
  const map = (d: DroppedRow): DroppedRow => ({
    ...d,
    row: origin[d.row],
    ...(d.keptRow !== undefined ? { keptRow: origin[d.keptRow] } : {}),
  });
  return {
    ...report,
    dropped: report.dropped.map(map),
    errors: report.errors.map((e) => ({ ...e, row: origin[e.row] })),
  };
}

/** Carries the original row index of each surviving row through row-dropping steps. */
function nextOrigin(origin: Int32Array | null, report: StepReport, nIn: number): Int32Array | null {
  if (report.dropped.length === 0) return origin;
  const gone = new Uint8Array(nIn);
  for (const d of report.dropped) gone[d.row] = 1;
  const out = new Int32Array(nIn - report.dropped.length);
  let k = 0;
  for (let i = 0; i < nIn; i++) if (!gone[i]) out[k++] = origin ? origin[i] : i;
  return out;
}

export class Pipeline implements Transformer {
  readonly kind = 'pipeline';
  readonly steps: readonly NamedStep[];
  readonly params: Readonly<Record<string, unknown>>;

  constructor(steps: readonly NamedStep[]) {
    checkNames(
      'Pipeline',
      steps.map((s) => s[0]),
    );
    this.steps = Object.freeze(steps.map(([n, t]) => Object.freeze([n, t] as const)));
    const params: Record<string, unknown> = {};
    for (const [n, t] of this.steps) for (const [k, v] of Object.entries(t.params)) params[`${n}.${k}`] = v;
    this.params = Object.freeze(params);
  }

  /** A clone with `step.param` values replaced (nested: `outer.inner.param`). */
  withParams(patch: Record<string, unknown>): Pipeline {
    const per = splitPatch(
      'Pipeline',
      this.steps.map((s) => s[0]),
      patch,
    );
    return new Pipeline(this.steps.map(([n, t]) => [n, per.has(n) ? t.withParams(per.get(n)!) : t] as const));
  }

  dropsRows(): boolean {
    return this.steps.some(([, t]) => t.dropsRows());
  }

  /** Validates every step in order against the columns it will see; returns the final schema. */
  plan(schema: readonly ColumnInfo[], path?: string): ColumnInfo[] {
    let s = [...schema];
    this.steps.forEach(([, t], i) => {
      const p = path ? `${path}.steps[${i}].${t.kind}` : `steps[${i}].${t.kind}`;
      try {
        s = t.plan(s, p);
      } catch (e) {
        rethrowWithPath(e, p);
      }
    });
    return s;
  }

  fit(frame: Frame, opts: FitOptions = {}): FittedPipeline {
    return this.fitTransform(frame, opts).fitted;
  }

  fitTransform(
    frame: Frame,
    opts: FitOptions = {},
  ): { fitted: FittedPipeline; frame: Frame; report: StepReport; pipelineReport: PipelineReport } {
    this.plan(schemaOf(frame), opts.path);
    const fitted: Array<[string, FittedTransformer]> = [];
    const reports: StepReport[] = [];
    let cur = frame;
    let origin: Int32Array | null = null;
    this.steps.forEach(([name, t], i) => {
      throwIfAborted(opts.signal, 'Pipeline.fit');
      const p = opts.path ? `${opts.path}.steps[${i}].${t.kind}` : `steps[${i}].${t.kind}`;
      let r: { fitted: FittedTransformer; frame: Frame; report: StepReport };
      try {
        r = t.fitTransform(cur, { ...opts, path: p });
      } catch (e) {
        rethrowWithPath(e, p);
      }
      const rep = remapRows({ ...r.report, step: name }, origin);
      origin = nextOrigin(origin, r.report, cur.nRows);
      reports.push(rep);
      fitted.push([name, r.fitted]);
      cur = r.frame;
    });
    const fp = new FittedPipeline(fitted);
    const pipelineReport: PipelineReport = { rowsIn: frame.nRows, rowsOut: cur.nRows, steps: reports };
    return { fitted: fp, frame: cur, report: summarise('pipeline', pipelineReport), pipelineReport };
  }
}

/** Collapses a pipeline report into one StepReport (used when a pipeline is itself a step). */
function summarise(kind: string, r: PipelineReport): StepReport {
  const out = emptyReport(kind, kind, r.rowsIn);
  out.rowsOut = r.rowsOut;
  for (const s of r.steps) {
    for (const [col, ch] of Object.entries(s.columns)) {
      const acc = (out.columns[col] ??= {});
      for (const [k, v] of Object.entries(ch))
        (acc as Record<string, number>)[k] = ((acc as Record<string, number>)[k] ?? 0) + (v as number);
    }
    out.dropped.push(...s.dropped);
    out.errors.push(...s.errors);
    out.added.push(...s.added);
    out.removed.push(...s.removed);
  }
  return out;
}

export class FittedPipeline implements FittedTransformer {
  readonly kind = 'pipeline';
  readonly steps: ReadonlyArray<readonly [string, FittedTransformer]>;
  readonly params: Readonly<Record<string, unknown>>;

  constructor(steps: ReadonlyArray<readonly [string, FittedTransformer]>) {
    this.steps = Object.freeze(steps.map(([n, f]) => Object.freeze([n, f] as const)));
    const params: Record<string, unknown> = {};
    for (const [n, f] of this.steps) for (const [k, v] of Object.entries(f.params)) params[`${n}.${k}`] = v;
    this.params = Object.freeze(params);
  }

  /** The fitted step with this name. */
  step(name: string): FittedTransformer | undefined {
    return this.steps.find(([n]) => n === name)?.[1];
  }

  transform(frame: Frame, opts?: TransformOptions): Frame {
    let cur = frame;
    for (const [, f] of this.steps) cur = f.transform(cur, opts);
    return cur;
  }

  /** Runs every step, with per-step reports whose row indices refer to `frame`. */
  run(frame: Frame, opts: TransformOptions = {}): { frame: Frame; report: PipelineReport } {
    let cur = frame;
    let origin: Int32Array | null = null;
    const reports: StepReport[] = [];
    for (const [name, f] of this.steps) {
      const r = f.transformWithReport(cur, opts);
      reports.push(remapRows({ ...r.report, step: name }, origin));
      origin = nextOrigin(origin, r.report, cur.nRows);
      cur = r.frame;
    }
    return { frame: cur, report: { rowsIn: frame.nRows, rowsOut: cur.nRows, steps: reports } };
  }

  transformWithReport(frame: Frame, opts?: TransformOptions): StepResult {
    const r = this.run(frame, opts);
    return { frame: r.frame, report: summarise('pipeline', r.report) };
  }

  toJSON(): FittedJSON {
    return {
      format: 'aegle.transform',
      version: FITTED_FORMAT_VERSION,
      kind: 'pipeline',
      params: {},
      state: { steps: this.steps.map(([n, f]) => ({ name: n, fitted: f.toJSON() })) },
    };
  }

  static fromJSON(_params: Record<string, unknown>, state: Record<string, unknown>): FittedPipeline {
    const steps = state.steps as Array<{ name: string; fitted: unknown }>;
    return new FittedPipeline(steps.map((s) => [s.name, fittedFromJSON(s.fitted)] as const));
  }
}

export type ColumnTransformerEntry = readonly [
  name: string,
  transformer: Transformer,
  columns: readonly string[],
];

export interface ColumnTransformerParams {
  remainder: 'passthrough' | 'drop';
}

/**
 * Applies named transformers to column subsets and concatenates their outputs (in transformer
 * order), then the untouched columns (`remainder: 'passthrough'`, default) — scikit-learn's order.
 * Steps that drop rows are refused here: outputs must stay row-aligned.
 */
export class ColumnTransformer implements Transformer {
  readonly kind = 'columns';
  readonly transformers: readonly ColumnTransformerEntry[];
  readonly remainder: 'passthrough' | 'drop';
  readonly params: Readonly<Record<string, unknown>>;

  constructor(transformers: readonly ColumnTransformerEntry[], opts: Partial<ColumnTransformerParams> = {}) {
    checkNames(
      'ColumnTransformer',
      transformers.map((t) => t[0]),
    );
    this.transformers = Object.freeze(
      transformers.map(([n, t, c]) => Object.freeze([n, t, Object.freeze([...c])] as const)),
    );
    const p = resolveParams<ColumnTransformerParams>(
      'ColumnTransformer',
      {
        remainder: {
          type: 'enum',
          values: ['passthrough', 'drop'],
          default: 'passthrough',
          description: 'What happens to columns no transformer selects.',
        },
      },
      opts,
    );
    this.remainder = p.remainder;
    const params: Record<string, unknown> = { remainder: this.remainder };
    for (const [n, t] of this.transformers)
      for (const [k, v] of Object.entries(t.params)) params[`${n}.${k}`] = v;
    this.params = Object.freeze(params);
  }

  withParams(patch: Record<string, unknown>): ColumnTransformer {
    const { remainder, ...rest } = patch;
    const per = splitPatch(
      'ColumnTransformer',
      this.transformers.map((t) => t[0]),
      rest,
    );
    return new ColumnTransformer(
      this.transformers.map(([n, t, c]) => [n, per.has(n) ? t.withParams(per.get(n)!) : t, c] as const),
      { remainder: (remainder as 'passthrough' | 'drop' | undefined) ?? this.remainder },
    );
  }

  dropsRows(): boolean {
    return false;
  }

  private subSchema(schema: readonly ColumnInfo[], cols: readonly string[], path: string): ColumnInfo[] {
    return cols.map((c) => {
      const found = schema.find((s) => s.name === c);
      if (!found)
        throw createError('AEGLE_CORE_COLUMN_NOT_FOUND', {
          column: c,
          where: ` (${path})`,
          available: schema.map((s) => s.name).join(', '),
        });
      return found;
    });
  }

  plan(schema: readonly ColumnInfo[], path?: string): ColumnInfo[] {
    const out: ColumnInfo[] = [];
    const used = new Set<string>();
    this.transformers.forEach(([name, t, cols], i) => {
      const p = path ? `${path}.transformers[${i}].${name}` : `transformers[${i}].${name}`;
      if (t.dropsRows())
        throw createError('AEGLE_TRANSFORM_ROW_DROP_NOT_ALLOWED', { step: name, owner: 'ColumnTransformer' });
      try {
        out.push(...t.plan(this.subSchema(schema, cols, p), p));
      } catch (e) {
        rethrowWithPath(e, p);
      }
      for (const c of cols) used.add(c);
    });
    if (this.remainder === 'passthrough') out.push(...schema.filter((c) => !used.has(c.name)));
    return out;
  }

  fit(frame: Frame, opts: FitOptions = {}): FittedColumnTransformer {
    return this.fitTransform(frame, opts).fitted;
  }

  fitTransform(
    frame: Frame,
    opts: FitOptions = {},
  ): { fitted: FittedColumnTransformer; frame: Frame; report: StepReport } {
    this.plan(schemaOf(frame), opts.path);
    const fitted: Array<[string, FittedTransformer, readonly string[]]> = [];
    for (const [name, t, cols] of this.transformers) {
      throwIfAborted(opts.signal, 'ColumnTransformer.fit');
      const sub = subFrame(frame, cols);
      fitted.push([name, t.fit(sub, { ...opts, path: opts.path ? `${opts.path}.${name}` : name }), cols]);
    }
    const fct = new FittedColumnTransformer(fitted, this.remainder);
    const r = fct.transformWithReport(frame, { mode: opts.mode });
    return { fitted: fct, frame: r.frame, report: r.report };
  }
}

function subFrame(frame: Frame, cols: readonly string[]): Frame {
  const roles: Record<string, ColumnRole> = {};
  const columns = cols.map((c) => {
    const col = frame.columns.find((x) => x.name === c);
    if (!col)
      throw createError('AEGLE_CORE_COLUMN_NOT_FOUND', {
        column: c,
        where: ' (ColumnTransformer)',
        available: frame.columns.map((x) => x.name).join(', '),
      });
    if (frame.roles[c]) roles[c] = frame.roles[c];
    return col;
  });
  return { nRows: frame.nRows, columns, roles };
}

export class FittedColumnTransformer implements FittedTransformer {
  readonly kind = 'columns';
  readonly transformers: ReadonlyArray<readonly [string, FittedTransformer, readonly string[]]>;
  readonly remainder: 'passthrough' | 'drop';
  readonly params: Readonly<Record<string, unknown>>;

  constructor(
    transformers: ReadonlyArray<readonly [string, FittedTransformer, readonly string[]]>,
    remainder: 'passthrough' | 'drop',
  ) {
    this.transformers = Object.freeze(
      transformers.map(([n, f, c]) => Object.freeze([n, f, Object.freeze([...c])] as const)),
    );
    this.remainder = remainder;
    this.params = Object.freeze({ remainder });
  }

  transform(frame: Frame, opts?: TransformOptions): Frame {
    return this.transformWithReport(frame, opts).frame;
  }

  transformWithReport(frame: Frame, opts?: TransformOptions): StepResult {
    const report = emptyReport('columns', this.kind, frame.nRows);
    const columns: Frame['columns'][number][] = [];
    const roles: Record<string, ColumnRole> = {};
    const used = new Set<string>();
    for (const [name, f, cols] of this.transformers) {
      const r = f.transformWithReport(subFrame(frame, cols), opts);
      columns.push(...r.frame.columns);
      Object.assign(roles, r.frame.roles);
      for (const [col, ch] of Object.entries(r.report.columns)) report.columns[col] = ch;
      report.errors.push(...r.report.errors);
      report.added.push(...r.report.added);
      report.removed.push(...r.report.removed);
      for (const c of cols) used.add(c);
      void name;
    }
    if (this.remainder === 'passthrough') {
      for (const c of frame.columns) {
        if (used.has(c.name)) continue;
        columns.push(c);
        if (frame.roles[c.name]) roles[c.name] = frame.roles[c.name];
      }
    } else {
      for (const c of frame.columns) if (!used.has(c.name)) report.removed.push(c.name);
    }
    const seen = new Set<string>();
    for (const c of columns) {
      if (seen.has(c.name))
        throw createError('AEGLE_TRANSFORM_DUPLICATE_COLUMN', { owner: 'ColumnTransformer', column: c.name });
      seen.add(c.name);
    }
    return { frame: { nRows: frame.nRows, columns, roles }, report };
  }

  toJSON(): FittedJSON {
    return {
      format: 'aegle.transform',
      version: FITTED_FORMAT_VERSION,
      kind: 'columns',
      params: { remainder: this.remainder },
      state: {
        transformers: this.transformers.map(([n, f, c]) => ({
          name: n,
          columns: [...c],
          fitted: f.toJSON(),
        })),
      },
    };
  }

  static fromJSON(params: Record<string, unknown>, state: Record<string, unknown>): FittedColumnTransformer {
    const ts = state.transformers as Array<{ name: string; columns: string[]; fitted: unknown }>;
    return new FittedColumnTransformer(
      ts.map((t) => [t.name, fittedFromJSON(t.fitted), t.columns] as const),
      (params.remainder as 'passthrough' | 'drop') ?? 'passthrough',
    );
  }
}
