export * from './errors.js';
export * from './tensor.js';
export * from './model.js';
export * from './descriptor.js';
export * from './endpoint.js';
export * from './postprocess.js';
export { makeBatchDynamic } from './batch-rewrite.js';
export * from '../batcher.js';
