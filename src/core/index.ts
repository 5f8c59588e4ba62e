export * from './errors.js';
export * from './logger.js';
export * from './rng.js';
export * from './hash.js';
export * from './frame.js';
export * from './clinical-ranges.js';
export * from './params.js';
export * from './worker-script.js';
