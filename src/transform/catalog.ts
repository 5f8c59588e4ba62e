/**
 * The built-in transformer kinds: the names used in declarative specs and in fitted JSON.
 * Importing this module registers every fitted kind with `fittedFromJSON`.
 */
import { createError } from '../core/index.js';
import type { BaseTransformer, Transformer } from './base.js';
import { Deduplicate, FittedDedupe } from './dedupe.js';
import { FittedOneHot, FittedOrdinal, OneHotEncoder, OrdinalEncoder } from './encode.js';
import { FittedImputer, SimpleImputer } from './impute.js';
import { FittedOutliers, OutlierHandler } from './outliers.js';
import type { ParamSchema } from '../core/params.js';
import { FittedColumnTransformer, FittedPipeline } from './pipeline.js';
import { registerFitted } from './registry.js';
import { FittedLog, FittedScaler, LogTransform, Scaler } from './scale.js';
import { FittedUnits, UnitHarmoniser } from './units.js';

type Ctor = new (params: Record<string, unknown>) => BaseTransformer<unknown>;

/** Spec kind → transformer class. */
export const TRANSFORMER_KINDS: Readonly<Record<string, Ctor>> = Object.freeze({
  dedupe: Deduplicate as unknown as Ctor,
  units: UnitHarmoniser as unknown as Ctor,
  outliers: OutlierHandler as unknown as Ctor,
  impute: SimpleImputer as unknown as Ctor,
  scale: Scaler as unknown as Ctor,
  log: LogTransform as unknown as Ctor,
  onehot: OneHotEncoder as unknown as Ctor,
  ordinal: OrdinalEncoder as unknown as Ctor,
});

/** Parameter schema of each kind (for docs, CLI flags and OpenAPI). */
export function transformerSchemas(): Record<string, ParamSchema> {
  const out: Record<string, ParamSchema> = {};
  for (const [kind, C] of Object.entries(TRANSFORMER_KINDS)) out[kind] = new C({}).schema;
  return out;
}

/** A transformer of a built-in kind. Params are validated now (with `path` in messages) and again at fit. */
export function createTransformer(
  kind: string,
  params: Record<string, unknown> = {},
  path?: string,
): Transformer {
  const C = TRANSFORMER_KINDS[kind];
  if (!C) {
    throw createError('AEGLE_TRANSFORM_UNKNOWN_KIND', {
      kind,
      where: path ? ` at ${path}` : '',
      known: Object.keys(TRANSFORMER_KINDS).join(', '),
    });
  }
  const t = new C(params);
  t.resolved(path ? `${path}.${kind}` : undefined);
  return t;
}

registerFitted('dedupe', FittedDedupe.fromJSON);
registerFitted('units', FittedUnits.fromJSON);
registerFitted('outliers', FittedOutliers.fromJSON);
registerFitted('impute', FittedImputer.fromJSON);
registerFitted('scale', FittedScaler.fromJSON);
registerFitted('log', FittedLog.fromJSON);
registerFitted('onehot', FittedOneHot.fromJSON);
registerFitted('ordinal', FittedOrdinal.fromJSON);
registerFitted('pipeline', FittedPipeline.fromJSON);
registerFitted('columns', FittedColumnTransformer.fromJSON);
