/**
 * `aegle onnx inspect FILE.onnx` — the input/output schema read from an ONNX model;
 * `aegle export-onnx ARTIFACT --out MODEL.onnx` — an Aegle model artifact as ONNX.
 */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { createError } from '../../core/index.js';
import { exportToOnnx } from '../../learn/onnx-export/index.js';
import { loadArtifact } from '../../registry/index.js';
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
      'Write an Aegle model (logistic, linear, gbdt, random-forest, cart, mlp) as ONNX (input X: double [N, p]).',
    )
    .action(async (artifact: string, opts: { out: string }) => {
      getCtx();
      const a = loadArtifact(artifact);
      const steps = (a.pipeline as unknown as { steps?: unknown[] } | null)?.steps ?? [];
      if (steps.length > 0) {
        throw createError('AEGLE_LEARN_UNSUPPORTED', {
          what: `an artifact with a fitted preprocessing pipeline (${steps.length} steps)`,
          owner: 'aegle export-onnx',
        });
      }
      const bytes = exportToOnnx(a.model.toJSON());
      writeFileSync(opts.out, bytes);
      process.stdout.write(
        `wrote ${opts.out} (${bytes.length} bytes; features: ${a.model.featureNames.join(', ')})\n`,
      );
    });
}
