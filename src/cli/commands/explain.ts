/**
 * `aegle explain ARTIFACT DATA.csv --out SHAP.csv`: per-row SHAP values (margin space) + bias; with
 * `--interactions`, SHAP interaction values of tree models (one line per row and feature).
 */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import {
  closeShapPool,
  explainRows,
  interactionAt,
  isTreeModel,
  shapAt,
  treeShapAsync,
  treeShapInteractions,
} from '../../explain/index.js';
import { createError } from '../../core/index.js';
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
    .option(
      '--interactions',
      "tree models: SHAP interaction values instead (Lundberg et al. 2020): one line per row and feature (and bias) with its interaction with every feature and bias; a line sums to that feature's SHAP value",
    )
    .action(async (dir: string, file: string, o: { out: string; interactions?: boolean }) => {
      const ctx = getCtx();
      const artifact = loadArtifact(dir);
      const { frame } = await readDataFile(file, ctx.config.missingTokens);
      const X = modelMatrix(artifact, frame);
      if (o.interactions) {
        if (!isTreeModel(artifact.model))
          throw createError('AEGLE_CORE_INVALID_PARAM', {
            param: '--interactions',
            owner: 'aegle explain',
            expected: 'used with a tree model (GBDT, random forest, CART)',
            got: `a '${artifact.manifest.kind}' artifact`,
          });
        const s = treeShapInteractions(artifact.model, X);
        const names = [...X.columns, 'bias'];
        const multi = s.nOutputs > 1;
        const lines = [[...(multi ? ['row', 'output'] : ['row']), 'feature', ...names].join(',')];
        for (let i = 0; i < X.nRows; i++)
          for (let k = 0; k < s.nOutputs; k++)
            for (let a = 0; a <= X.nCols; a++) {
              const cells = Array.from({ length: X.nCols + 1 }, (_, b) =>
                String(interactionAt(s, i, a, b, k)),
              );
              lines.push([...(multi ? [i, s.outputNames[k]] : [i]), names[a], ...cells].join(','));
            }
        writeFileSync(o.out, `${lines.join('\n')}\n`);
        ctx.err(`Wrote SHAP interaction values of ${X.nRows} rows (${s.space} space) to ${o.out}`);
        return;
      }
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
