/** What the explain stage uses from lower stages (one place to see its dependencies). */
export type { TreeArrays } from '../compute/index.js';
export { createError, defineErrors, type Matrix, Rng } from '../core/index.js';
export {
  FittedCart,
  FittedForest,
  FittedGbdt,
  FittedLinear,
  FittedLogistic,
  type FittedModel,
} from '../learn/index.js';
