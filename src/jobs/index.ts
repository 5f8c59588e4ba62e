export * from './job-service.js';
export * from './train-spec.js';
export * from './train.js';
export * from './report.js';
