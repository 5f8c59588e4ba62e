#!/usr/bin/env node
/**
 * The `aegle` command. Thin over the stage APIs: every command parses flags, calls one stage function,
 * prints. Errors become one line on stderr and a non-zero exit (1 for coded Aegle errors and bad
 * usage, 70 for internal errors, whose stack is printed only with AEGLE_DEBUG=1).
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { createLogger, loadConfig } from '../config/index.js';
import { isAegleError } from '../core/index.js';
import { type CliContext, createContext } from './context.js';
import { registerCommands } from './commands/index.js';
import { onGlibc, relaunchServer, shouldRelaunch, watchParent } from './relaunch.js';

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    return pkg.version;
  } catch {
    return '0.0.0';
  }
}

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('aegle')
    .description('Aegle: from raw clinical data to trusted, explainable, audited AI services.')
    .version(version())
    .option('--home <dir>', 'data directory (default: $AEGLE_HOME or ./aegle-data)')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  let ctx: CliContext | null = null;
  const getCtx = (): CliContext => {
    if (!ctx) {
      const home = program.opts().home as string | undefined;
      const config = loadConfig(home ? { ...process.env, AEGLE_HOME: home } : process.env);
      ctx = createContext(
        config,
        createLogger({ logLevel: process.env.AEGLE_LOG_LEVEL ? config.logLevel : 'warn' }),
      );
    }
    return ctx;
  };
  registerCommands(program, getCtx);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // help and version exit 0; usage errors were already printed by commander
      return e.exitCode === 0 ? 0 : 2;
    }
    if (isAegleError(e)) {
      process.stderr.write(`error ${e.code}: ${e.message}\n`);
      return 1;
    }
    const err = e as Error;
    process.stderr.write(`error: ${err?.message ?? String(e)}\n`);
    if (process.env.AEGLE_DEBUG === '1' && err?.stack) process.stderr.write(`${err.stack}\n`);
    return err && /^--\w/.test(err.message) ? 2 : 70;
  }
}

const isEntry = process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isEntry || process.argv[1]?.endsWith('/aegle') || process.argv[1]?.endsWith('cli/main.js')) {
  // the model server runs in a child with glibc's malloc tuned for it (see relaunch.ts)
  let run: Promise<number>;
  if (shouldRelaunch(process.argv, process.env, onGlibc)) run = relaunchServer(process.argv);
  else {
    watchParent();
    run = main(process.argv);
  }
  run.then((code) => {
    process.exitCode = code;
  });
}
