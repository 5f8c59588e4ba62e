/** The train spec now lives with the training stage (`src/jobs/train-spec.ts`); re-exported for the CLI. */
export {
  type SearchSpec,
  type SplitSpec,
  type TrainSpec,
  metricsFor,
  parseTrainSpec,
} from '../../jobs/index.js';
