export * from './km.js';
export * from './logrank.js';
export * from './cox.js';
export * from './concordance.js';
export * from './data.js';
export * from './frame.js';
