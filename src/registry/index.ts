/** Registry stage: model artifacts (manifest + weights), lineage. */
export * from './artifact.js';
export * from './models.js';
export * from './onnx-artifact.js';
