export * from './native-model.js';
export * from './model-cache.js';
export * from './llm/index.js';
export * from './onnx-model.js';
export * from './row-table.js';
