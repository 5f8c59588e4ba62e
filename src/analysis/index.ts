/**
 * The analysis stage: descriptive statistics and Table 1, hypothesis tests, survival analysis,
 * clustering, anomaly detection, association rules, time series, and Vega-Lite chart specs.
 * Pure computations over Frames and typed arrays; the CLI and the API call these.
 */
export * from './errors.js';
export * from './distributions.js';
export * from './survival/index.js';
export * from './describe/index.js';
export * from './cluster/index.js';
export * from './anomaly/index.js';
export * from './rules/index.js';
export * from './timeseries/index.js';
export * from './charts/index.js';
export * from './run.js';
export * from './pool.js';
export * from './json-safe.js';
