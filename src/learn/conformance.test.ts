/** Runs the conformance suite on every estimator in this folder (tree models run it in their own tests). */
import './index.js';
import { runConformance } from './conformance.js';
import {
  binaryProblem,
  categoricalProblem,
  multiclassProblem,
  regressionProblem,
} from './testdata/synthetic.js';

runConformance('logistic', { makeData: (s) => binaryProblem(s), params: { C: 0.5 } });
runConformance('logistic', {
  makeData: (s) => multiclassProblem(s),
  params: { penalty: 'l1', C: 2 },
  label: 'multinomial, L1',
});
runConformance('linear', { makeData: (s) => regressionProblem(s), params: { alpha: 0.5 } });
runConformance('knn', { makeData: (s) => binaryProblem(s), params: { nNeighbors: 7, weights: 'distance' } });
runConformance('knn', {
  makeData: (s) => ({ ...regressionProblem(s), task: 'regression' }),
  params: { metric: 'manhattan' },
  label: 'regression',
});
runConformance('naive-bayes', { makeData: (s) => multiclassProblem(s) });
runConformance('naive-bayes', {
  makeData: (s) => categoricalProblem(s),
  params: { distribution: 'categorical', alpha: 0.5 },
  label: 'categorical',
});
runConformance('mlp', {
  makeData: (s) => binaryProblem(s),
  params: { hiddenLayerSizes: [8], maxIter: 15, batchSize: 32, seed: 3 },
});
runConformance('mlp', {
  makeData: (s) => ({ ...regressionProblem(s), task: 'regression' }),
  params: { hiddenLayerSizes: [6, 4], maxIter: 10, solver: 'sgd', learningRate: 0.01, earlyStopping: true },
  label: 'regression, sgd, early stopping',
});
