export * from './batch-queue.js';
export * from './log-writer.js';
export * from './audit.js';
export * from './prediction-log.js';
export * from './logged-columns.js';
export * from './drift.js';
export * from './metrics.js';
export * from './model-drift.js';
