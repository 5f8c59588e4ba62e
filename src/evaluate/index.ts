/** Evaluate stage: metrics, leakage-safe splits, model pipelines, cross-validation and search. */
export * from './errors.js';
export * from './metrics.js';
export * from './splits.js';
export * from './model-pipeline.js';
export * from './search.js';
export * from './clinical/index.js';
