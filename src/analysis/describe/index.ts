export * from './tests.js';
export * from './table1.js';
export * from './correlation.js';
