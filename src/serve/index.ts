export * from './errors.js';
export * from './keys.js';
export * from './rbac.js';
export * from './service.js';
export * from './app.js';
export * from './server.js';
