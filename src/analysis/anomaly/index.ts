export * from './iforest.js';
export * from './robust.js';
