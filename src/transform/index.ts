/**
 * Transform stage: cleaning and preprocessing as fitted, reusable, serialisable transformers
 * (scikit-learn's contract), composed with `Pipeline` / `ColumnTransformer` or from a declarative
 * spec, and `applyCleaning` with a full cleaning report. See docs/CLEANING.md.
 */
export { TransformErrors } from './errors.js';
export * from './base.js';
export { describeParams, resolveParams, type ParamDef, type ParamSchema } from '../core/params.js';
export * from './dedupe.js';
export * from './impute.js';
export * from './outliers.js';
export * from './units.js';
export * from './scale.js';
export * from './encode.js';
export * from './pipeline.js';
export { fittedFromJSON, registerFitted } from './registry.js';
export * from './catalog.js';
export * from './spec.js';
export * from './cleaning.js';
export { fastMedian, fastQuantile } from './kernels.js';
export * from './clean-dataset.js';
