/**
 * Tree-training worker (piscina entry). Every argument arrives as typed arrays over SharedArrayBuffer;
 * results are written in place (histograms) or returned as transferable arrays (forest trees).
 */
import { buildHistograms } from './hist.js';
import { type ImpurityTreeTask, growImpurityTree } from './impurity-tree.js';

interface HistJob {
  bins: Uint8Array;
  nRows: number;
  gh: Float64Array;
  rows: Int32Array;
  features: Int32Array;
  fFrom: number;
  fTo: number;
  tasks: Array<{ slot: Float64Array; start: number; end: number; all: boolean }>;
}

export function hist(job: HistJob): number {
  for (const t of job.tasks) {
    buildHistograms(
      job.bins,
      job.nRows,
      job.gh,
      t.all ? null : job.rows,
      t.start,
      t.end,
      job.features,
      job.fFrom,
      job.fTo,
      t.slot,
      0,
    );
  }
  return 0;
}

export function forestTree(task: ImpurityTreeTask) {
  return growImpurityTree(task);
}

export default hist;
