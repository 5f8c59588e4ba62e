export * from './fpgrowth.js';
