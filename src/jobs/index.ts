export * from './job-service.js';
