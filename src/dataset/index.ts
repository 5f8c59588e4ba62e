export * from './frame-io.js';
export * from './profile.js';
export * from './sql.js';
export * from './export.js';
export * from './features/index.js';
