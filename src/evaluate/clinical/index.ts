/** Clinical validation statistics: calibration, uncertainty, thresholds, clinical utility, subgroups. */
export * from './stats-util.js';
export * from './calibration.js';
export * from './delong.js';
export * from './bootstrap.js';
export * from './thresholds.js';
export * from './decision-curve.js';
export * from './subgroups.js';
export * from './curves.js';
