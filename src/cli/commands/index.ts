import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { registerClean } from './clean.js';
import { registerDatasetCommands } from './datasets.js';
import { registerTrainCommands } from './train.js';
import { registerAnalyzeCommands } from './analyze.js';
import { registerDeidCommands } from './deid.js';
import { registerDemo } from './demo.js';
import { registerSynth } from './synth.js';
import { registerOnnx } from './onnx.js';
import { registerFhir } from './fhir.js';
import { registerLlmCommands } from './llm.js';
import { registerTrustCommands } from './trust.js';
import { registerServeCommands } from './serve.js';

/** Every command of the `aegle` CLI, in the order `--help` lists them. */
export function registerCommands(program: Command, getCtx: () => CliContext): void {
  registerDemo(program, getCtx);
  registerDatasetCommands(program, getCtx);
  registerTrainCommands(program, getCtx);
  registerAnalyzeCommands(program, getCtx);
  registerDeidCommands(program, getCtx);
  registerClean(program, getCtx);
  registerSynth(program, getCtx);
  registerOnnx(program, getCtx);
  registerFhir(program, getCtx);
  registerLlmCommands(program, getCtx);
  registerTrustCommands(program, getCtx);
  registerServeCommands(program, getCtx);
}
