export * from './specs.js';
export * from './render.js';
