/** `aegle explain ARTIFACT DATA.csv --out SHAP.csv`: per-row SHAP values (margin space) + bias. */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { closeShapPool, explainRows, isTreeModel, shapAt, treeShapAsync } from '../../explain/index.js';
import { loadArtifact } from '../../registry/index.js';
import type { CliContext } from '../context.js';
import { readDataFile } from './train.js';
import { modelMatrix } from '../../registry/index.js';

export function registerExplain(program: Command, getCtx: () => CliContext): void {
  program
    .command('explain')
    .description(
      'SHAP values of every row: one column per feature plus bias; each row sums to the model margin',
    )
    .argument('<artifact>', 'model artifact directory')
    .argument('<data>', 'CSV with the model input columns')
    .requiredOption('--out <file>', 'CSV to write')
    .action(async (dir: string, file: string, o: { out: string }) => {
      const ctx = getCtx();
      const artifact = loadArtifact(dir);
      const { frame } = await readDataFile(file, ctx.config.missingTokens);
      const X = modelMatrix(artifact, frame);
      const s = isTreeModel(artifact.model)
        ? await treeShapAsync(artifact.model, X)
        : explainRows(artifact.model, X);
      await closeShapPool();
      const lines = [[...X.columns, 'bias'].join(',')];
      for (let i = 0; i < X.nRows; i++)
        lines.push(Array.from({ length: X.nCols + 1 }, (_, j) => String(shapAt(s, i, j))).join(','));
      writeFileSync(o.out, `${lines.join('\n')}\n`);
      ctx.err(`Wrote SHAP values of ${X.nRows} rows (${s.space} space) to ${o.out}`);
    });
}
