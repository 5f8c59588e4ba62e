/**
 * The helper thread of `predictCompiledParallel`: holds compiled tree ensembles (shared memory, sent
 * once each) and scores the rows it is given, then flips the caller's flag.
 */
import { parentPort } from 'node:worker_threads';
import { type CompiledTrees, predictCompiled } from './predict.js';

interface Model {
  readonly c: CompiledTrees;
  readonly value: Float64Array;
  readonly treeCol: Int32Array;
  readonly dim: number;
}

type Message =
  | ({ op: 'model'; id: number } & Model)
  | { op: 'drop'; id: number }
  | {
      op: 'run';
      id: number;
      data: Float64Array;
      nRows: number;
      out: Float64Array;
      outStride: number;
      scale: number;
      flag: Int32Array;
    };

const models = new Map<number, Model>();

parentPort?.on('message', (m: Message) => {
  if (m.op === 'model') models.set(m.id, { c: m.c, value: m.value, treeCol: m.treeCol, dim: m.dim });
  else if (m.op === 'drop') models.delete(m.id);
  else {
    const model = models.get(m.id);
    let state = 2; // failed: the caller scores the rows itself
    try {
      if (model) {
        predictCompiled(
          model.c,
          model.value,
          model.dim,
          m.data,
          m.nRows,
          m.out,
          m.outStride,
          model.treeCol,
          m.scale,
        );
        state = 1;
      }
    } finally {
      Atomics.store(m.flag, 0, state);
      Atomics.notify(m.flag, 0);
    }
  }
});
