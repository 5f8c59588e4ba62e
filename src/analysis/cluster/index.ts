export * from './data.js';
export * from './kmeans.js';
export * from './dbscan.js';
export * from './hclust.js';
export * from './metrics.js';
export * from './pca.js';
export * from './profile.js';
