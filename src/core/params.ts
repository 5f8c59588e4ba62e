/**
 * Hyperparameter schemas: each transformer and estimator declares its parameters once (default, allowed values,
 * description); the same declaration validates at fit time, fills defaults and documents the spec
 * format. Modelled on scikit-learn's `_param_validation.py`.
 */
import { createError, defineErrors } from './errors.js';

export const ParamErrors = defineErrors({
  AEGLE_CORE_INVALID_SPEC: {
    message: '{path} must be {expected}. Got {got}.',
    status: 400,
    fix: 'Correct the spec (YAML/JSON) at the place named in the message.',
  },
});

interface Base<T> {
  readonly default: T;
  readonly description: string;
}
export type ParamDef =
  | (Base<string> & { readonly type: 'enum'; readonly values: readonly string[] })
  | (Base<number> & {
      readonly type: 'number';
      readonly min?: number;
      readonly max?: number;
      readonly integer?: boolean;
      readonly exclusiveMin?: boolean;
    })
  | (Base<boolean> & { readonly type: 'boolean' })
  | (Base<string[] | null> & { readonly type: 'columns' })
  | (Base<string | null> & { readonly type: 'string'; readonly nullable?: boolean })
  | (Base<number | string | null> & { readonly type: 'scalar' })
  | (Base<[number, number]> & { readonly type: 'pair'; readonly min?: number; readonly max?: number })
  | (Base<Record<string, [number, number]>> & { readonly type: 'ranges' })
  | (Base<number | null> & {
      readonly type: 'optionalNumber';
      readonly min?: number;
      readonly max?: number;
      readonly integer?: boolean;
    })
  | (Base<number[]> & {
      readonly type: 'numbers';
      readonly min?: number;
      readonly max?: number;
      readonly integer?: boolean;
      readonly minLength?: number;
    })
  | (Base<Record<string, number> | null> & { readonly type: 'weights' })
  | (Base<unknown> & { readonly type: 'any'; readonly check?: (v: unknown) => string | null });

export type ParamSchema = Readonly<Record<string, ParamDef>>;

/** How a value is shown after "Got": strings quoted, the rest as JSON. */
export function showValue(v: unknown): string {
  if (typeof v === 'string') return `'${v}'`;
  if (v === undefined) return 'undefined';
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  return JSON.stringify(v);
}

function isPair(v: unknown): v is [number, number] {
  return (
    Array.isArray(v) &&
    v.length === 2 &&
    v.every((x) => typeof x === 'number' && !Number.isNaN(x)) &&
    v[0] <= v[1]
  );
}

/** What the value must be, or null when it is fine. */
function checkValue(def: ParamDef, v: unknown): string | null {
  switch (def.type) {
    case 'enum':
      return typeof v === 'string' && def.values.includes(v) ? null : `one of ${def.values.join('|')}`;
    case 'number': {
      const lo = def.min ?? Number.NEGATIVE_INFINITY;
      const hi = def.max ?? Number.POSITIVE_INFINITY;
      const what = def.integer ? 'an integer' : 'a number';
      const range = `${def.exclusiveMin ? '(' : '['}${lo}, ${hi}${hi === Number.POSITIVE_INFINITY ? ')' : ']'}`;
      const ok =
        typeof v === 'number' &&
        !Number.isNaN(v) &&
        (def.exclusiveMin ? v > lo : v >= lo) &&
        v <= hi &&
        (!def.integer || Number.isInteger(v));
      return ok ? null : `${what} in ${range}`;
    }
    case 'boolean':
      return typeof v === 'boolean' ? null : 'a boolean';
    case 'columns':
      return v === null || (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string'))
        ? null
        : 'a non-empty list of column names (or null for the default selection)';
    case 'string':
      return (typeof v === 'string' && v.length > 0) || (def.nullable && v === null)
        ? null
        : 'a non-empty string';
    case 'scalar':
      return v === null || typeof v === 'string' || (typeof v === 'number' && !Number.isNaN(v))
        ? null
        : 'a number, a string or null';
    case 'pair':
      return isPair(v) &&
        (def.min === undefined || v[0] >= def.min) &&
        (def.max === undefined || v[1] <= def.max)
        ? null
        : `a pair [low, high] of numbers with low <= high${def.min !== undefined ? ` within [${def.min}, ${def.max}]` : ''}`;
    case 'optionalNumber': {
      if (v === null) return null;
      const lo = def.min ?? Number.NEGATIVE_INFINITY;
      const hi = def.max ?? Number.POSITIVE_INFINITY;
      const ok =
        typeof v === 'number' &&
        !Number.isNaN(v) &&
        v >= lo &&
        v <= hi &&
        (!def.integer || Number.isInteger(v));
      return ok
        ? null
        : `null or ${def.integer ? 'an integer' : 'a number'} in [${lo}, ${hi}${hi === Number.POSITIVE_INFINITY ? ')' : ']'}`;
    }
    case 'numbers': {
      const lo = def.min ?? Number.NEGATIVE_INFINITY;
      const hi = def.max ?? Number.POSITIVE_INFINITY;
      const ok =
        Array.isArray(v) &&
        v.length >= (def.minLength ?? 0) &&
        v.every(
          (x) =>
            typeof x === 'number' &&
            !Number.isNaN(x) &&
            x >= lo &&
            x <= hi &&
            (!def.integer || Number.isInteger(x)),
        );
      return ok
        ? null
        : `a list of ${def.integer ? 'integers' : 'numbers'} in [${lo}, ${hi}]${def.minLength ? ` (at least ${def.minLength})` : ''}`;
    }
    case 'weights':
      return v === null ||
        (typeof v === 'object' &&
          !Array.isArray(v) &&
          Object.values(v as object).every((x) => typeof x === 'number' && x >= 0))
        ? null
        : "null, or a map of class label to a non-negative weight (e.g. { '0': 1, '1': 5 })";
    case 'any':
      return def.check ? def.check(v) : null;
    case 'ranges':
      return v !== null && typeof v === 'object' && !Array.isArray(v) && Object.values(v).every(isPair)
        ? null
        : 'a map of column name to [low, high]';
  }
}

/**
 * Validates `params` against `schema` and fills defaults. With `path` (a spec location such as
 * `steps[2].outliers`) errors read "steps[2].outliers.action must be …"; without, they read
 * "The 'action' parameter of OutlierHandler must be …".
 */
export function resolveParams<P>(
  owner: string,
  schema: ParamSchema,
  params: Readonly<Record<string, unknown>>,
  path?: string,
): P {
  for (const key of Object.keys(params)) {
    if (!(key in schema)) {
      const expected = `one of the parameters ${Object.keys(schema).join('|')}`;
      if (path)
        throw createError('AEGLE_CORE_INVALID_SPEC', {
          path: `${path} key '${key}'`,
          expected,
          got: 'an unknown key',
        });
      throw createError('AEGLE_CORE_INVALID_PARAM', {
        param: key,
        owner,
        expected: `a known parameter (${expected})`,
        got: 'an unknown parameter',
      });
    }
  }
  const out: Record<string, unknown> = {};
  for (const [key, def] of Object.entries(schema)) {
    const v = params[key] === undefined ? def.default : params[key];
    const expected = checkValue(def, v);
    if (expected !== null) {
      if (path)
        throw createError('AEGLE_CORE_INVALID_SPEC', {
          path: `${path}.${key}`,
          expected,
          got: showValue(v),
        });
      throw createError('AEGLE_CORE_INVALID_PARAM', { param: key, owner, expected, got: showValue(v) });
    }
    out[key] = Array.isArray(v) ? [...v] : v !== null && typeof v === 'object' ? { ...v } : v;
  }
  return out as P;
}

/** One line per parameter (name, type, default, description): feeds docs and CLI help. */
export function describeParams(schema: ParamSchema): Array<{
  name: string;
  type: string;
  default: unknown;
  description: string;
  min?: number;
  max?: number;
  integer?: boolean;
}> {
  return Object.entries(schema).map(([name, d]) => ({
    name,
    type: d.type === 'enum' ? d.values.join('|') : d.type,
    ...(d.type === 'number' || d.type === 'optionalNumber'
      ? { min: d.min, max: d.max, integer: d.integer ?? false }
      : {}),
    default: d.default,
    description: d.description,
  }));
}
