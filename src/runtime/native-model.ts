/**
 * Executes a registered native Aegle model: validates request rows against the manifest's input
 * schema (field by field), builds a column-major Frame, and scores it with the artifact's own
 * pipeline + estimator (`predictFrame`). No row objects survive past validation.
 */
import { type Column, createError, defineErrors, type Frame } from '../core/index.js';
import { type FeatureSchema, type LoadedArtifact, loadArtifact, predictFrame } from '../registry/index.js';
import type { RowTable } from './row-table.js';

export const RuntimeErrors = defineErrors({
  AEGLE_RUNTIME_INPUT: {
    message: 'The input does not match the model {model}: {count} problem(s), first: {first}.',
    status: 400,
    fix: "Send every feature of the model's input schema with the right type and within its range (GET /api/v1/models/{name} lists them); see the errors list.",
  },
});

export type InputValue = number | string | boolean | null;
export type InputRow = Readonly<Record<string, unknown>>;

export interface FieldProblem {
  readonly row: number;
  readonly field: string;
  readonly problem: string;
}

export interface ScoredRows {
  readonly n: number;
  /** Positive-class probability (binary), top-class probability (multiclass), null (regression). */
  readonly probability: Float64Array | null;
  readonly labels: (string | null)[];
  /** Regression predictions. */
  readonly values: Float64Array | null;
}

const MAX_PROBLEMS = 100;

/** A loaded artifact ready to score rows. */
export class NativeModel {
  readonly features: readonly FeatureSchema[];
  private readonly featureIndex: Map<string, number>;
  private readonly levelSets: (Set<string> | null)[];

  constructor(
    readonly artifact: LoadedArtifact,
    readonly ref: { readonly name: string; readonly version: number },
  ) {
    this.features = artifact.manifest.inputSchema.features;
    this.featureIndex = new Map(this.features.map((f, i) => [f.name, i]));
    this.levelSets = this.features.map((f) =>
      f.type === 'categorical' && f.levels ? new Set(f.levels) : null,
    );
  }

  static load(dir: string, ref: { name: string; version: number }): NativeModel {
    return new NativeModel(loadArtifact(dir), ref);
  }

  get task(): string {
    return this.artifact.manifest.task;
  }

  /**
   * Checks rows and converts them to a Frame. Throws AEGLE_RUNTIME_INPUT listing every problem (up
   * to 100): unknown fields (unless ignored), missing features, wrong types, values outside clinical
   * plausibility (a range whose `rangeSource` is 'training' is not enforced here: it is advisory).
   * `null` means "unknown value" and is accepted (the model's pipeline imputes it).
   */
  toFrame(
    rows: readonly InputRow[],
    opts: { unknownFields: 'reject' | 'ignore' },
  ): { frame: Frame; raw: (number | string | null)[][] } {
    const n = rows.length;
    const F = this.features.length;
    const problems: FieldProblem[] = [];
    const add = (row: number, field: string, problem: string) => {
      if (problems.length < MAX_PROBLEMS) problems.push({ row, field, problem });
    };
    const numeric: (Float64Array | null)[] = this.features.map((f) =>
      f.type === 'categorical' ? null : new Float64Array(n),
    );
    const strings: ((string | null)[] | null)[] = this.features.map((f) =>
      f.type === 'categorical' ? new Array<string | null>(n) : null,
    );
    const raw: (number | string | null)[][] = new Array(n);
    for (let i = 0; i < n; i++) {
      const row = rows[i];
      if (row === null || typeof row !== 'object' || Array.isArray(row)) {
        add(i, '', 'must be an object of feature: value');
        continue;
      }
      const rawRow = new Array<number | string | null>(F);
      raw[i] = rawRow;
      let seen = 0;
      for (let j = 0; j < F; j++) {
        const f = this.features[j];
        const v = row[f.name];
        if (v === undefined) {
          add(i, f.name, 'is required (send null for an unknown value)');
          continue;
        }
        seen++;
        if (f.type === 'categorical') {
          const s = strings[j]!;
          if (v === null) {
            s[i] = null;
            rawRow[j] = null;
          } else if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') {
            const str = String(v);
            const levels = this.levelSets[j];
            if (levels && !levels.has(str))
              add(
                i,
                f.name,
                `must be one of ${[...levels].slice(0, 20).join(', ')}; got '${str.slice(0, 40)}'`,
              );
            s[i] = str;
            rawRow[j] = str;
          } else add(i, f.name, 'must be a string');
        } else {
          const col = numeric[j]!;
          let x: number;
          if (v === null) x = Number.NaN;
          else if (typeof v === 'number') x = v;
          else if (typeof v === 'boolean') x = v ? 1 : 0;
          else if (f.type === 'datetime' && typeof v === 'string' && !Number.isNaN(Date.parse(v)))
            x = Date.parse(v);
          else {
            add(
              i,
              f.name,
              f.type === 'datetime'
                ? 'must be an ISO date or epoch milliseconds'
                : `must be a number; got ${typeof v}`,
            );
            continue;
          }
          // clinical plausibility limits are hard; a training min/max is advisory (the serve layer
          // warns), so held-out and new patients outside the training rows are still scored
          if (
            f.range &&
            f.rangeSource !== 'training' &&
            !Number.isNaN(x) &&
            (x < f.range[0] || x > f.range[1])
          )
            add(
              i,
              f.name,
              `must be within [${f.range[0]}, ${f.range[1]}]${f.unit ? ` ${f.unit}` : ''}; got ${x}`,
            );
          col[i] = x;
          rawRow[j] = Number.isNaN(x) ? null : x;
        }
      }
      if (opts.unknownFields === 'reject') {
        const keys = Object.keys(row);
        if (keys.length > seen)
          for (const k of keys) if (!this.featureIndex.has(k)) add(i, k, 'is not a feature of this model');
      }
    }
    if (problems.length) throw this.inputError(problems);
    return { frame: this.frameOf(n, numeric, strings), raw };
  }

  /** The Frame of checked values: numbers per numeric feature, strings per categorical one. */
  private frameOf(
    n: number,
    numeric: readonly (Float64Array | null)[],
    strings: readonly (readonly (string | null)[] | null)[],
  ): Frame {
    const columns: Column[] = this.features.map((f, j) => {
      if (f.type === 'categorical') {
        const vals = strings[j]!;
        const dict = [...new Set(vals.filter((v): v is string => v !== null))].sort();
        const index = new Map(dict.map((d, k) => [d, k]));
        const codes = new Int32Array(n);
        for (let i = 0; i < n; i++) codes[i] = vals[i] === null ? -1 : index.get(vals[i]!)!;
        return { kind: 'categorical', name: f.name, codes, dictionary: dict };
      }
      return { kind: f.type, name: f.name, values: numeric[j]! } as Column;
    });
    return { nRows: n, columns, roles: {} };
  }

  /**
   * The Frame of rows read column by column (`readRowTable`), when every value passes the checks
   * `toFrame` makes; null otherwise (the caller runs `toFrame` on `table.toRows()`, which lists
   * the problems). Numbers and nulls of a numeric feature are used as read, without a copy.
   */
  frameFromTable(table: RowTable, opts: { unknownFields: 'reject' | 'ignore' }): Frame | null {
    const n = table.n;
    const at = new Map(table.names.map((name, j) => [name, j]));
    if (opts.unknownFields === 'reject' && table.names.some((k) => !this.featureIndex.has(k))) return null;
    const numeric: (Float64Array | null)[] = [];
    const strings: ((string | null)[] | null)[] = [];
    for (let j = 0; j < this.features.length; j++) {
      const f = this.features[j];
      const k = at.get(f.name);
      if (k === undefined) return null; // a missing feature
      const col = table.columns[k];
      if (f.type === 'categorical') {
        const out = new Array<string | null>(n);
        const levels = this.levelSets[j];
        for (let i = 0; i < n; i++) {
          const v = col[i];
          const str =
            col instanceof Float64Array
              ? Number.isNaN(v as number)
                ? null
                : String(v)
              : v === null
                ? null
                : String(v);
          if (str !== null && levels && !levels.has(str)) return null;
          out[i] = str;
        }
        numeric.push(null);
        strings.push(out);
      } else {
        // numbers and nulls only (booleans and date strings take the row path)
        if (!(col instanceof Float64Array)) return null;
        if (f.range && f.rangeSource !== 'training') {
          const [lo, hi] = f.range;
          for (let i = 0; i < n; i++) if (col[i] < lo || col[i] > hi) return null; // NaN passes
        }
        numeric.push(col);
        strings.push(null);
      }
    }
    return this.frameOf(n, numeric, strings);
  }

  /**
   * Scores a frame of input features. A row the model cannot score (a missing value its pipeline
   * does not impute, for an estimator that needs every value) is an input error naming the row and
   * its missing features, not a NaN in the answer.
   */
  score(frame: Frame): ScoredRows {
    const out = predictFrame(this.artifact, frame);
    const n = frame.nRows;
    this.checkScored(frame, out.proba ?? out.predictions);
    const classes = out.classes;
    if (!out.proba || !classes)
      return { n, probability: null, labels: new Array(n).fill(null), values: out.predictions };
    const K = classes.length;
    const probability = new Float64Array(n);
    const labels = new Array<string | null>(n);
    for (let i = 0; i < n; i++) {
      const c = out.predictions[i];
      labels[i] = classes[c];
      probability[i] = K === 2 ? out.proba[2 * i + 1] : out.proba[i * K + c];
    }
    return { n, probability, labels, values: null };
  }

  private checkScored(frame: Frame, scores: Float64Array): void {
    const n = frame.nRows;
    const per = n ? scores.length / n : 0;
    const problems: FieldProblem[] = [];
    for (let i = 0; i < n && problems.length < MAX_PROBLEMS; i++) {
      let finite = true;
      for (let k = 0; k < per; k++) if (!Number.isFinite(scores[i * per + k])) finite = false;
      if (finite) continue;
      const missing = frame.columns.filter((c) =>
        c.kind === 'categorical' ? c.codes[i] < 0 : Number.isNaN(c.values[i]),
      );
      for (const c of missing.length ? missing : frame.columns.slice(0, 1))
        if (problems.length < MAX_PROBLEMS)
          problems.push({
            row: i,
            field: c.name,
            problem: missing.length
              ? 'is missing, and this model cannot score a missing value (its pipeline does not impute it)'
              : 'the model gave no finite score for this row',
          });
    }
    if (problems.length) throw this.inputError(problems);
  }

  /** AEGLE_RUNTIME_INPUT listing `problems` (the first one in the message). */
  private inputError(problems: readonly FieldProblem[]): Error {
    const p = problems[0];
    return createError('AEGLE_RUNTIME_INPUT', {
      model: `${this.ref.name}@${this.ref.version}`,
      count: problems.length >= MAX_PROBLEMS ? `${MAX_PROBLEMS}+` : problems.length,
      first: `row ${p.row}: '${p.field}' ${p.problem}`,
      errors: problems,
    });
  }
}
