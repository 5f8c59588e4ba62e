/**
 * `aegle onnx inspect FILE.onnx` — the input/output schema read from an ONNX model;
 * `aegle export-onnx ARTIFACT --out MODEL.onnx` — an Aegle model artifact as ONNX.
 */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { exportPipelineToOnnx, exportToOnnx } from '../../learn/onnx-export/index.js';
import { type LoadedArtifact, loadArtifact } from '../../registry/index.js';
import { OnnxModel, descriptorPathFor, readDescriptor } from '../../runtime/onnx/index.js';
import type { CliContext } from '../context.js';

export function registerOnnx(program: Command, getCtx: () => CliContext): void {
  const onnx = program.command('onnx').description('Inspect ONNX models.');
  onnx
    .command('inspect')
    .argument('<file>', 'an .onnx file')
    .option('--json', 'print JSON')
    .description(
      'Print the inputs and outputs (names, dtypes, shapes, dynamic axes) read from the model, and its descriptor.',
    )
    .action(async (file: string, opts: { json?: boolean }) => {
      getCtx();
      const m = await OnnxModel.create(file, { warmup: false });
      const info = {
        ...m.inputSchema(),
        batchRewritten: m.batchRewritten,
        descriptor: readDescriptor(descriptorPathFor(file)),
      };
      await m.close();
      if (opts.json) process.stdout.write(`${JSON.stringify(info, null, 2)}\n`);
      else {
        for (const s of info.inputs)
          process.stdout.write(`input  ${s.name}: ${s.dtype} [${s.shape.join(', ')}]\n`);
        for (const s of info.outputs)
          process.stdout.write(
            `output ${s.name}: ${s.isTensor ? `${s.dtype} [${s.shape.join(', ')}]` : '(not a tensor)'}\n`,
          );
        process.stdout.write(
          `batchable: ${info.batchable}${info.batchRewritten ? ' (fixed batch rewritten to dynamic)' : ''}\n`,
        );
      }
    });
  program
    .command('export-onnx')
    .argument('<artifact>', 'a model artifact directory')
    .requiredOption('--out <file>', 'where to write the .onnx model')
    .description(
      'Write an Aegle model (logistic, linear, gbdt, random-forest, cart, mlp) with its fitted preprocessing (impute, scale, one-hot) as ONNX.',
    )
    .action(async (artifact: string, opts: { out: string }) => {
      getCtx();
      const a = loadArtifact(artifact);
      // with a fitted pipeline, the graph takes the raw columns: X (numeric features) + one string input per categorical
      const bytes = a.manifest.pipeline
        ? exportPipelineToOnnx(a.model.toJSON(), a.manifest.pipeline, a.manifest.inputSchema.features)
        : exportToOnnx(a.model.toJSON());
      writeFileSync(opts.out, bytes);
      process.stdout.write(`wrote ${opts.out} (${bytes.length} bytes; inputs: ${describeInputs(a)})\n`);
    });
}

function describeInputs(a: LoadedArtifact): string {
  if (!a.manifest.pipeline)
    return `X double [N, ${a.model.featureNames.length}] = ${a.model.featureNames.join(', ')}`;
  const f = a.manifest.inputSchema.features;
  const num = f.filter((x) => x.type !== 'categorical').map((x) => x.name);
  const cat = f.filter((x) => x.type === 'categorical').map((x) => `${x.name} string [N, 1]`);
  return [`X double [N, ${num.length}] = ${num.join(', ')}`, ...cat].join('; ');
}
