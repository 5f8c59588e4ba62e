export * from './export.js';
export { GraphBuilder } from './graph.js';
export * from './pipeline.js';
