export * from './cnn.js';
export * from './npy.js';
export * from './onnx.js';
export * from './data.js';
