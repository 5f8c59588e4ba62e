export * from './extract.js';
export * from './evaluate.js';
