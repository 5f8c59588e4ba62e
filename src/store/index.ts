export * from './errors.js';
export * from './duck.js';
export * from './catalog.js';
export * from './home.js';
export * from './views.js';
export * from './parquet.js';
export * from './meta/index.js';
