export * from './stats.js';
export * from './trees/binning.js';
export * from './trees/hist.js';
export * from './trees/tree-arrays.js';
export * from './pool.js';
export * from './trees/predict.js';
export * from './trees/parallel.js';
export * from './trees/impurity-tree.js';
