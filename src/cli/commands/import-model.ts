/** `aegle import-model xgboost MODEL.json --out ARTIFACT`: an Aegle artifact from an XGBoost JSON model. */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { Frame } from '../../core/index.js';
import { importXgboostJson } from '../../learn/index.js';
import { writeArtifact } from '../../registry/index.js';
import type { CliContext } from '../context.js';

export function registerImportModel(program: Command, getCtx: () => CliContext): void {
  program
    .command('import-model')
    .description('Import a model trained elsewhere (XGBoost JSON) as an Aegle artifact')
    .argument('<format>', 'xgboost')
    .argument('<model>', 'the file written by Booster.save_model("m.json")')
    .requiredOption('--out <dir>', 'artifact directory to create')
    .option('--target <name>', 'outcome name recorded in the artifact', 'target')
    .option('--features <names>', 'comma-separated feature names when the model has none')
    .option('--json', 'print the result as JSON')
    .action(
      (
        format: string,
        file: string,
        o: { out: string; target: string; features?: string; json?: boolean },
      ) => {
        const ctx = getCtx();
        if (format !== 'xgboost') throw new Error(`Unknown model format '${format}' (supported: xgboost).`);
        const { model, info } = importXgboostJson(readFileSync(file, 'utf8'), {
          featureNames: o.features?.split(','),
        });
        const trainingFrame: Frame = {
          nRows: 0,
          columns: model.featureNames.map((name) => ({ kind: 'numeric', name, values: new Float64Array(0) })),
          roles: {},
        } as unknown as Frame;
        const manifest = writeArtifact(o.out, {
          model,
          pipeline: null,
          trainingFrame,
          target: o.target,
          lineage: { spec: { importedFrom: file, ...info } },
        });
        if (o.json) ctx.json({ artifact: o.out, id: manifest.id, ...info, featureNames: model.featureNames });
        else
          ctx.out(`Imported ${info.objective} (${info.nTrees} trees, ${info.nFeatures} features) → ${o.out}`);
      },
    );
}
