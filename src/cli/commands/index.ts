import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { registerClean } from './clean.js';
import { registerDatasetCommands } from './datasets.js';
import { registerDemo } from './demo.js';
import { registerSynth } from './synth.js';

/** Every command of the `aegle` CLI, in the order `--help` lists them. */
export function registerCommands(program: Command, getCtx: () => CliContext): void {
  registerDemo(program, getCtx);
  registerDatasetCommands(program, getCtx);
  registerClean(program, getCtx);
  registerSynth(program, getCtx);
}
