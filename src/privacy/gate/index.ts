export * from './phi-gate.js';
