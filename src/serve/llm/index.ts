export * from './plugin.js';
export * from './schemas.js';
