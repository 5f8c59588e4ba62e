/** Report stage: TRIPOD+AI-structured model report (HTML, Markdown) and model card (JSON). */
export * from './errors.js';
export * from './data.js';
export * from './charts.js';
export * from './render.js';
