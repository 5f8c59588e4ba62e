/** Worker entry (piscina) for TreeSHAP: explains a block of rows and returns its values. */
import type { TreeArrays } from '../compute/index.js';
import { type ShapOutput, treeShapRows } from './tree-shap-kernel.js';
import type { LeafWeights } from './leaf-weights.js';

export interface ShapJob {
  readonly trees: TreeArrays;
  readonly output: ShapOutput;
  readonly means: Float64Array;
  readonly data: Float64Array;
  readonly nRows: number;
  readonly nFeatures: number;
  readonly i0: number;
  readonly i1: number;
  /** Fast TreeSHAP v2 weight tables in shared memory, or null to explain by recursion. */
  readonly tables: LeafWeights | null;
}

export default function shapBlock(job: ShapJob): Float64Array {
  const phi = new Float64Array((job.i1 - job.i0) * (job.nFeatures + 1));
  treeShapRows(
    job.trees,
    job.output,
    job.data,
    job.nRows,
    job.nFeatures,
    job.i0,
    job.i1,
    phi,
    0,
    job.means,
    job.tables,
  );
  return phi;
}
