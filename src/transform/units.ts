/**
 * Unit harmonisation with UCUM (https://ucum.org) through `@lhncbc/ucum-lhc`: a value column and a
 * categorical unit column are converted row by row to one target unit. Mass ↔ substance
 * conversions (mg/dL ↔ mmol/L) need the analyte's molar mass: give `molarMass`, or name a column
 * found in `MOLAR_MASSES` (glucose 180.156 g/mol, …).
 *
 * Every distinct source unit is resolved once to an affine map y = a·x + b (checked at three
 * points; UCUM conversions are linear except for temperatures, which are affine), so a million rows
 * cost a million multiply-adds. Rows whose unit is missing or cannot be converted are listed in the
 * report's `errors` and, with `onError: 'set_missing'` (default), their value becomes missing.
 * The unit column is rewritten to the target unit for converted rows.
 */
import { createRequire } from 'node:module';
import { type CategoricalColumn, type Column, type Frame, createError } from '../core/index.js';
import {
  BaseFitted,
  BaseTransformer,
  type ColumnInfo,
  type FittedTransformer,
  type StepResult,
  type ValueError,
  decodeNumbers,
  emptyReport,
  encodeNumbers,
  requireColumn,
  selectColumns,
  withColumns,
} from './base.js';
import type { ParamSchema } from '../core/params.js';

/** Molar masses (g/mol) of common analytes reported in both mass and molar units. */
export const MOLAR_MASSES: Readonly<Record<string, number>> = Object.freeze({
  glucose: 180.156,
  creatinine: 113.12,
  serum_creatinine: 113.12,
  cholesterol: 386.65,
  urea: 60.06,
  uric_acid: 168.11,
  bilirubin: 584.66,
});

interface UcumResult {
  status: string;
  toVal: number | null;
  msg: string[];
}
interface UcumUtils {
  convertUnitTo(from: string, value: number, to: string, options?: { molecularWeight?: number }): UcumResult;
  validateUnitString(unit: string): { status: string; msg: string[] };
}

let ucum: UcumUtils | null = null;
/** Loaded on first use: the UCUM tables take a moment to parse. */
function ucumUtils(): UcumUtils {
  if (!ucum) {
    const require = createRequire(import.meta.url);
    const mod = require('@lhncbc/ucum-lhc') as { UcumLhcUtils: { getInstance(): UcumUtils } };
    ucum = mod.UcumLhcUtils.getInstance();
  }
  return ucum;
}

/** One conversion as an affine map, or the reason it is impossible. */
export type UnitMap = { a: number; b: number } | { error: string };

/** Resolves `from` → `to` to y = a·x + b with UCUM. */
export function resolveUnitMap(from: string, to: string, molarMass: number | null): UnitMap {
  const u = ucumUtils();
  const opts = molarMass ? { molecularWeight: molarMass } : {};
  const at = (x: number) => u.convertUnitTo(from, x, to, opts);
  const r0 = at(0);
  const r1 = at(1);
  const r100 = at(100);
  if (r1.status !== 'succeeded' || r1.toVal === null || r0.toVal === null || r100.toVal === null) {
    return { error: (r1.msg.length ? r1.msg : ['conversion failed']).join(' ') };
  }
  const b = r0.toVal;
  const a = r1.toVal - b;
  if (Math.abs(a * 100 + b - r100.toVal) > 1e-9 * Math.max(1, Math.abs(r100.toVal))) {
    return { error: `conversion from ${from} to ${to} is not affine` };
  }
  return { a, b };
}

export interface UnitParams {
  column: string | null;
  unitColumn: string | null;
  to: string | null;
  molarMass: number | null;
  onError: 'set_missing' | 'keep';
}
export const UNIT_PARAMS: ParamSchema = {
  column: {
    type: 'string',
    nullable: true,
    default: null,
    description: 'Numeric value column to convert (required).',
  },
  unitColumn: {
    type: 'string',
    nullable: true,
    default: null,
    description: 'Categorical column holding each row’s UCUM unit (required).',
  },
  to: {
    type: 'string',
    nullable: true,
    default: null,
    description: 'Target UCUM unit, e.g. mg/dL (required).',
  },
  molarMass: {
    type: 'scalar',
    default: null,
    description:
      'Molar mass in g/mol for mass ↔ molar conversions (default: from the built-in table by column name).',
  },
  onError: {
    type: 'enum',
    values: ['set_missing', 'keep'],
    default: 'set_missing',
    description:
      'What happens to a value whose unit is missing or unconvertible (always listed in the report).',
  },
};

export class UnitHarmoniser extends BaseTransformer<UnitParams> {
  readonly kind = 'units';
  readonly owner = 'UnitHarmoniser';
  readonly schema = UNIT_PARAMS;
  protected clone(params: Record<string, unknown>): UnitHarmoniser {
    return new UnitHarmoniser(params as Partial<UnitParams>);
  }
  private required(p: UnitParams, path?: string): { column: string; unitColumn: string; to: string } {
    for (const key of ['column', 'unitColumn', 'to'] as const) {
      if (p[key] === null) {
        if (path)
          throw createError('AEGLE_TRANSFORM_INVALID_SPEC', {
            path: `${path}.${key}`,
            expected: 'given',
            got: 'nothing',
          });
        throw createError('AEGLE_CORE_INVALID_PARAM', {
          param: key,
          owner: this.owner,
          expected: 'a non-empty string',
          got: 'null',
        });
      }
    }
    if (p.molarMass !== null && !(typeof p.molarMass === 'number' && p.molarMass > 0)) {
      const got = JSON.stringify(p.molarMass);
      if (path)
        throw createError('AEGLE_TRANSFORM_INVALID_SPEC', {
          path: `${path}.molarMass`,
          expected: 'a positive number',
          got,
        });
      throw createError('AEGLE_CORE_INVALID_PARAM', {
        param: 'molarMass',
        owner: this.owner,
        expected: 'a positive number',
        got,
      });
    }
    const v = ucumUtils().validateUnitString(p.to!);
    if (v.status !== 'valid') {
      throw createError('AEGLE_TRANSFORM_UNIT', {
        unit: p.to,
        where: path ? ` (${path}.to)` : '',
        reason: v.msg.join(' ') || 'not a UCUM unit',
      });
    }
    return { column: p.column!, unitColumn: p.unitColumn!, to: p.to! };
  }
  protected inputColumns(p: UnitParams, schema: readonly ColumnInfo[], path?: string): ColumnInfo[] {
    const r = this.required(p, path);
    return [
      ...selectColumns(schema, [r.column], ['numeric'], this.owner, path),
      ...selectColumns(schema, [r.unitColumn], ['categorical'], this.owner, path),
    ];
  }
  protected planResolved(p: UnitParams, schema: readonly ColumnInfo[], path?: string): ColumnInfo[] {
    this.inputColumns(p, schema, path);
    return [...schema];
  }
  protected fitResolved(p: UnitParams, frame: Frame): FittedTransformer {
    const r = this.required(p);
    const units = requireColumn(frame, r.unitColumn, this.owner) as CategoricalColumn;
    const molar = (p.molarMass as number | null) ?? MOLAR_MASSES[r.column.toLowerCase()] ?? null;
    const maps: Record<string, UnitMap> = {};
    for (const unit of units.dictionary) maps[unit] = resolveUnitMap(unit, r.to, molar);
    return new FittedUnits({ ...p, molarMass: molar }, maps);
  }
}

export class FittedUnits extends BaseFitted<UnitParams> {
  readonly kind = 'units';
  /** Conversions resolved at fit time, by source unit. Units first seen later are resolved then. */
  readonly maps: Readonly<Record<string, UnitMap>>;
  constructor(params: UnitParams, maps: Record<string, UnitMap>) {
    super(params);
    this.maps = Object.freeze({ ...maps });
  }
  static fromJSON(params: Record<string, unknown>, state: Record<string, unknown>): FittedUnits {
    const raw = state.maps as Record<string, { a: unknown; b: unknown } | { error: string }>;
    const maps: Record<string, UnitMap> = {};
    for (const [k, m] of Object.entries(raw)) {
      maps[k] =
        'error' in m
          ? { error: m.error }
          : { a: decodeNumbers([m.a], 'a')[0], b: decodeNumbers([m.b], 'b')[0] };
    }
    return new FittedUnits(params as unknown as UnitParams, maps);
  }
  protected state(): Record<string, unknown> {
    const maps: Record<string, unknown> = {};
    for (const [k, m] of Object.entries(this.maps)) {
      maps[k] = 'error' in m ? m : { a: encodeNumbers([m.a])[0], b: encodeNumbers([m.b])[0] };
    }
    return { maps };
  }
  transformWithReport(frame: Frame): StepResult {
    const p = this.p;
    const name = p.column!;
    const to = p.to!;
    const report = emptyReport('units', this.kind, frame.nRows);
    const valueCol = requireColumn(frame, name, 'UnitHarmoniser') as {
      kind: 'numeric';
      values: Float64Array;
    };
    const unitCol = requireColumn(frame, p.unitColumn!, 'UnitHarmoniser') as CategoricalColumn;
    const dict = unitCol.dictionary;
    const a = new Float64Array(dict.length);
    const b = new Float64Array(dict.length);
    const errs: Array<string | null> = dict.map((unit, k) => {
      const m = this.maps[unit] ?? resolveUnitMap(unit, to, p.molarMass as number | null);
      if ('error' in m) return m.error;
      a[k] = m.a;
      b[k] = m.b;
      return null;
    });
    const outDict = [...new Set([...dict, to])].sort();
    const toCode = outDict.indexOf(to);
    const remap = dict.map((u) => outDict.indexOf(u));
    const x = valueCol.values;
    const out = new Float64Array(x.length);
    const codes = new Int32Array(x.length);
    const errors: ValueError[] = [];
    let converted = 0;
    let setMissing = 0;
    const keep = p.onError === 'keep';
    for (let i = 0; i < x.length; i++) {
      const v = x[i];
      const k = unitCol.codes[i];
      if (Number.isNaN(v)) {
        out[i] = v;
        codes[i] = k < 0 ? -1 : errs[k] === null ? toCode : remap[k];
        continue;
      }
      const err = k < 0 ? 'unit is missing' : errs[k];
      if (err === null) {
        // identity maps are exact: keep the value bit for bit
        out[i] = a[k] === 1 && b[k] === 0 ? v : a[k] * v + b[k];
        codes[i] = toCode;
        if (dict[k] !== to) converted++;
        continue;
      }
      errors.push({ row: i, column: name, message: k < 0 ? err : `unit '${dict[k]}': ${err}` });
      if (keep) {
        out[i] = v;
        codes[i] = k < 0 ? -1 : remap[k];
      } else {
        out[i] = Number.NaN;
        codes[i] = k < 0 ? -1 : remap[k];
        setMissing++;
      }
    }
    const replace = new Map<string, Column>([
      [name, { kind: 'numeric', name, values: out }],
      [unitCol.name, { kind: 'categorical', name: unitCol.name, codes, dictionary: outDict }],
    ]);
    report.columns[name] = { converted, unconvertible: errors.length, ...(setMissing ? { setMissing } : {}) };
    report.errors = errors;
    return { frame: withColumns(frame, replace), report };
  }
}
