export * from './export.js';
export { GraphBuilder } from './graph.js';
