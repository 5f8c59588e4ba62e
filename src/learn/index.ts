export * from './estimator.js';
export * from './registry.js';
