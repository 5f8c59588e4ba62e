export * from './schema.js';
export * from './migrations.js';
export * from './meta-store.js';
