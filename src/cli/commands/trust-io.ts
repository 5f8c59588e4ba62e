/** Shared by `aegle explain` and `aegle report`: an artifact's model-space matrix of a data file. */
import type { Frame, Matrix } from '../../core/index.js';
import { type LoadedArtifact, checkInputFrame } from '../../registry/index.js';

export function modelMatrix(artifact: LoadedArtifact, frame: Frame): Matrix {
  let cur = checkInputFrame(artifact, frame);
  if (artifact.pipeline) cur = artifact.pipeline.transform(cur, { mode: 'predict' });
  const names = artifact.manifest.modelFeatures;
  const n = cur.nRows;
  const data = new Float64Array(n * names.length);
  names.forEach((name, j) => {
    const c = cur.columns.find((x) => x.name === name);
    if (c && c.kind !== 'categorical') data.set(c.values, j * n);
    else data.fill(Number.NaN, j * n, (j + 1) * n);
  });
  return { data, nRows: n, nCols: names.length, columns: [...names] };
}
