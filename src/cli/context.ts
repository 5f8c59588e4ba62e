/**
 * What every CLI command receives: the loaded config, a logger, and output helpers. Commands are thin:
 * they parse flags, call stage APIs, and print. Errors are thrown; `main.ts` turns them into a message on
 * stderr and a non-zero exit.
 */
import type { Config } from '../config/index.js';
import type { Logger } from '../core/index.js';

export interface CliContext {
  readonly config: Config;
  readonly logger: Logger;
  /** Prints a line to stdout. */
  out(line: string): void;
  /** Prints a value as JSON on stdout (for `--json`). */
  json(value: unknown): void;
  /** Prints a line to stderr (progress and notices; never on stdout when --json is on). */
  err(line: string): void;
}

export function createContext(config: Config, logger: Logger): CliContext {
  return {
    config,
    logger,
    out: (line) => process.stdout.write(`${line}\n`),
    json: (value) => process.stdout.write(`${JSON.stringify(value, jsonReplacer, 2)}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  };
}

/** JSON has no NaN/Infinity/bigint: write null / numbers. */
export function jsonReplacer(_key: string, v: unknown): unknown {
  if (typeof v === 'number' && !Number.isFinite(v)) return null;
  if (typeof v === 'bigint') return Number(v);
  return v;
}

/** Formats rows as an aligned plain-text table. */
export function formatTable(headers: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const cells = rows.map((r) => r.map((v) => formatCell(v)));
  const widths = headers.map((h, j) => Math.max(h.length, ...cells.map((r) => r[j]?.length ?? 0)));
  const line = (r: readonly string[]) =>
    r
      .map((c, j) => c.padEnd(widths[j]))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

export function formatCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return '';
    if (Number.isInteger(v)) return String(v);
    const a = Math.abs(v);
    return a !== 0 && (a < 1e-3 || a >= 1e7) ? v.toExponential(3) : String(Number(v.toPrecision(5)));
  }
  if (typeof v === 'bigint') return String(v);
  return String(v);
}
