export * from './detect.js';
export * from './redact.js';
export * from './evaluate.js';
