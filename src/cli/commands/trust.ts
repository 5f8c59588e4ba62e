/** The trust commands: `aegle report`, `aegle explain`, `aegle import-model`. */
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { registerExplain } from './explain.js';
import { registerImportModel } from './import-model.js';
import { registerReport } from './report.js';

export function registerTrustCommands(program: Command, getCtx: () => CliContext): void {
  registerReport(program, getCtx);
  registerExplain(program, getCtx);
  registerImportModel(program, getCtx);
}
