/** Explain stage: TreeSHAP (and its interaction values), linear SHAP, permutation importance, partial dependence, top factors. */
export * from './errors.js';
export * from './tree-shap-kernel.js';
export * from './leaf-weights.js';
export * from './tree-shap.js';
export * from './shap-pool.js';
export * from './model-agnostic.js';
export * from './top-factors.js';
export * from './tree-shap-interactions.js';
