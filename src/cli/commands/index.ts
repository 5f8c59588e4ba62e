import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { registerDatasetCommands } from './datasets.js';

/** Every command of the `aegle` CLI, in the order `--help` lists them. */
export function registerCommands(program: Command, getCtx: () => CliContext): void {
  registerDatasetCommands(program, getCtx);
}
