/**
 * The transformer contract (scikit-learn's, in TypeScript): a spec holds hyperparameters only;
 * `fit(frame)` validates them and returns a new immutable fitted object; `fitted.transform(frame)`
 * returns a new Frame and never mutates its input; `fitted.toJSON()` is plain data that
 * `fittedFromJSON` restores to a transform giving bit-identical output.
 */
import {
  type Column,
  type ColumnRole,
  type Frame,
  columnNotFound,
  createError,
  isAegleError,
} from '../core/index.js';
import { type ParamSchema, resolveParams } from '../core/params.js';

/**
 * `clean`: the `aegle clean` run — row-dropping steps drop rows.
 * `predict`: a fitted pipeline applied at prediction time — row-dropping steps are the identity
 * (a prediction request must get one answer per input row).
 */
export type TransformMode = 'clean' | 'predict';

export interface TransformOptions {
  readonly mode?: TransformMode;
}
export interface FitOptions {
  /** Mode used while fitting a pipeline on its training data (default `clean`). */
  readonly mode?: TransformMode;
  readonly signal?: AbortSignal;
  /** Spec location used in error messages, e.g. `steps[2].outliers`. */
  readonly path?: string;
}

/** Name, kind and role of a column: what spec validation simulates before any work. */
export interface ColumnInfo {
  readonly name: string;
  readonly kind: Column['kind'];
  readonly role?: ColumnRole;
}

/** Counts of values a step changed in one column. */
export interface ColumnChanges {
  imputed?: number;
  clipped?: number;
  setMissing?: number;
  converted?: number;
  unconvertible?: number;
  /** Values rewritten by a scaling / log transform. */
  transformed?: number;
}
/** A row a cleaning step removed. `row` is the index in the frame given to `applyCleaning`. */
export interface DroppedRow {
  row: number;
  reason: string;
  key?: string;
  /** For a duplicate: the row kept in its place (same numbering as `row`). */
  keptRow?: number;
}
/** A value a step could not handle (e.g. an unconvertible unit). */
export interface ValueError {
  row: number;
  column: string;
  message: string;
}
export interface StepReport {
  step: string;
  kind: string;
  rowsIn: number;
  rowsOut: number;
  columns: Record<string, ColumnChanges>;
  added: string[];
  removed: string[];
  dropped: DroppedRow[];
  errors: ValueError[];
  /** True when the step ran as the identity because of the mode (row drops at prediction time). */
  skipped?: boolean;
}

export interface StepResult {
  readonly frame: Frame;
  readonly report: StepReport;
}

/** Serialised fitted state: plain JSON. */
export interface FittedJSON {
  readonly format: 'aegle.transform';
  readonly version: number;
  readonly kind: string;
  readonly params: Record<string, unknown>;
  readonly state: Record<string, unknown>;
}
export const FITTED_FORMAT_VERSION = 1;

export interface Transformer {
  readonly kind: string;
  /** Hyperparameters exactly as given (defaults are filled at fit time). */
  readonly params: Readonly<Record<string, unknown>>;
  /** A clone with some hyperparameters replaced (`step.param` keys for composites). */
  withParams(patch: Record<string, unknown>): Transformer;
  /** Validates params and column references against an input schema; returns the output schema. */
  plan(schema: readonly ColumnInfo[], path?: string): ColumnInfo[];
  /** True when this step may drop rows (a cleaning-only step). */
  dropsRows(): boolean;
  fit(frame: Frame, opts?: FitOptions): FittedTransformer;
  /** Fits and transforms the training frame in one go (with the step's report). */
  fitTransform(
    frame: Frame,
    opts?: FitOptions,
  ): { fitted: FittedTransformer; frame: Frame; report: StepReport };
}

export interface FittedTransformer {
  readonly kind: string;
  readonly params: Readonly<Record<string, unknown>>;
  transform(frame: Frame, opts?: TransformOptions): Frame;
  transformWithReport(frame: Frame, opts?: TransformOptions): StepResult;
  toJSON(): FittedJSON;
}

export function schemaOf(frame: Frame): ColumnInfo[] {
  return frame.columns.map((c) => ({ name: c.name, kind: c.kind, role: frame.roles[c.name] }));
}

export function emptyReport(step: string, kind: string, rowsIn: number): StepReport {
  return {
    step,
    kind,
    rowsIn,
    rowsOut: rowsIn,
    columns: {},
    added: [],
    removed: [],
    dropped: [],
    errors: [],
  };
}

export function throwIfAborted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) throw createError('AEGLE_CORE_ABORTED', { what });
}

const NON_FEATURE_ROLES = new Set<ColumnRole>(['id', 'target', 'group', 'time', 'weight']);

/**
 * Resolves a `columns` selector against a schema. `null` = every column of an accepted kind whose
 * role is a feature (id/target/group/time/weight excluded). Listed names must exist and be of an
 * accepted kind.
 */
export function selectColumns(
  schema: readonly ColumnInfo[],
  selector: readonly string[] | null,
  kinds: readonly Column['kind'][],
  owner: string,
  path?: string,
): ColumnInfo[] {
  if (selector === null) {
    return schema.filter((c) => kinds.includes(c.kind) && !(c.role && NON_FEATURE_ROLES.has(c.role)));
  }
  const where = path ? ` (${path}.columns)` : ` (${owner})`;
  return selector.map((name) => {
    const c = schema.find((s) => s.name === name);
    if (!c) throw columnNotFound(name, schema, where);
    if (!kinds.includes(c.kind)) {
      throw createError('AEGLE_TRANSFORM_COLUMN_KIND', {
        column: name,
        where: path ? ` (${path}.columns)` : '',
        got: `${c.kind}`,
        owner,
        expected: kinds.join(' or '),
      });
    }
    return c;
  });
}

/** Finds a column by name in a frame (coded error naming the transformer if missing). */
export function requireColumn(frame: Frame, name: string, owner: string): Column {
  const c = frame.columns.find((col) => col.name === name);
  if (!c) throw columnNotFound(name, frame.columns, ` (needed by fitted ${owner})`);
  return c;
}

/** Replaces/adds columns of a frame, keeping order; new columns go at the end. */
export function withColumns(
  frame: Frame,
  replace: ReadonlyMap<string, Column>,
  append: readonly Column[] = [],
): Frame {
  const cols = frame.columns.map((c) => replace.get(c.name) ?? c);
  const names = new Set(cols.map((c) => c.name));
  for (const c of append) {
    if (names.has(c.name))
      throw createError('AEGLE_TRANSFORM_DUPLICATE_COLUMN', { owner: 'transform', column: c.name });
    names.add(c.name);
  }
  return { nRows: frame.nRows, columns: [...cols, ...append], roles: frame.roles };
}

/** Encodes numbers for JSON (NaN/±Infinity are not JSON numbers). */
export function encodeNumbers(xs: ArrayLike<number>): Array<number | string> {
  return Array.from(xs, (x) => (Number.isFinite(x) ? x : String(x)));
}
export function decodeNumbers(xs: unknown, what: string): number[] {
  if (!Array.isArray(xs))
    throw createError('AEGLE_TRANSFORM_BAD_STATE', { reason: `${what} is not an array` });
  return xs.map((x) => (typeof x === 'number' ? x : Number(x)));
}

/**
 * Shared plumbing for single-step transformers: stores params verbatim, resolves/validates them
 * once (at plan/fit time), clones with `withParams`.
 */
export abstract class BaseTransformer<P> implements Transformer {
  abstract readonly kind: string;
  /** Display name used in error messages (e.g. `SimpleImputer`). */
  abstract readonly owner: string;
  abstract readonly schema: ParamSchema;
  readonly params: Readonly<Record<string, unknown>>;

  constructor(params: Partial<P> = {}) {
    this.params = Object.freeze({ ...(params as Record<string, unknown>) });
  }

  protected abstract clone(params: Record<string, unknown>): BaseTransformer<P>;

  withParams(patch: Record<string, unknown>): Transformer {
    return this.clone({ ...this.params, ...patch });
  }

  resolved(path?: string): P {
    return resolveParams<P>(this.owner, this.schema, this.params, path);
  }

  dropsRows(): boolean {
    return false;
  }

  plan(schema: readonly ColumnInfo[], path?: string): ColumnInfo[] {
    return this.planResolved(this.resolved(path), schema, path);
  }

  protected abstract planResolved(p: P, schema: readonly ColumnInfo[], path?: string): ColumnInfo[];
  protected abstract fitResolved(
    p: P,
    frame: Frame,
    columns: readonly ColumnInfo[],
    opts: FitOptions,
  ): FittedTransformer;

  /** Columns this step reads, resolved against the frame (subclasses with a selector override). */
  protected abstract inputColumns(p: P, schema: readonly ColumnInfo[], path?: string): ColumnInfo[];

  fit(frame: Frame, opts: FitOptions = {}): FittedTransformer {
    const p = this.resolved(opts.path);
    const schema = schemaOf(frame);
    this.planResolved(p, schema, opts.path);
    throwIfAborted(opts.signal, `${this.owner}.fit`);
    return this.fitResolved(p, frame, this.inputColumns(p, schema, opts.path), opts);
  }

  fitTransform(
    frame: Frame,
    opts: FitOptions = {},
  ): { fitted: FittedTransformer; frame: Frame; report: StepReport } {
    const fitted = this.fit(frame, opts);
    const r = fitted.transformWithReport(frame, { mode: opts.mode ?? 'clean' });
    return { fitted, frame: r.frame, report: r.report };
  }
}

export abstract class BaseFitted<P> implements FittedTransformer {
  abstract readonly kind: string;
  readonly params: Readonly<Record<string, unknown>>;
  constructor(params: P) {
    this.params = Object.freeze({ ...(params as Record<string, unknown>) });
  }
  protected get p(): P {
    return this.params as P;
  }
  abstract transformWithReport(frame: Frame, opts?: TransformOptions): StepResult;
  protected abstract state(): Record<string, unknown>;

  transform(frame: Frame, opts?: TransformOptions): Frame {
    return this.transformWithReport(frame, opts).frame;
  }

  toJSON(): FittedJSON {
    return JSON.parse(
      JSON.stringify({
        format: 'aegle.transform',
        version: FITTED_FORMAT_VERSION,
        kind: this.kind,
        params: this.params,
        state: this.state(),
      }),
    );
  }
}

/** Re-throws non-coded errors unchanged; coded ones get the spec path prepended when missing. */
export function rethrowWithPath(e: unknown, path: string): never {
  if (isAegleError(e) && !e.message.includes(path)) {
    e.message = `${path}: ${e.message}`;
  }
  throw e;
}
