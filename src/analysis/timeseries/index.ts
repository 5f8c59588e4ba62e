export * from './resample.js';
export * from './trend.js';
export * from './news2.js';
