/**
 * The typed configuration, read once at start-up. This folder is the only reader of `process.env`;
 * everything else receives a `Config`. Bad values fail fast with a coded error naming the variable.
 */
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { createError, defineErrors } from '../core/index.js';

export const ConfigErrors = defineErrors({
  AEGLE_CONFIG_INVALID: {
    message: "Configuration value '{key}' is invalid: expected {expected}, got {got}.",
    status: 500,
    fix: 'Correct the environment variable or the config file entry named in the message.',
  },
  AEGLE_CONFIG_FILE: {
    message: "Cannot read config file '{file}': {reason}.",
    status: 500,
    fix: 'Check that AEGLE_CONFIG points to a readable YAML or JSON file.',
  },
});

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Config {
  /** Data directory holding datasets.duckdb, meta.sqlite and artifacts/. */
  readonly home: string;
  readonly logLevel: LogLevel;
  /** Tokens read as missing when ingesting delimited text, unless a call overrides them. */
  readonly missingTokens: readonly string[];
  /** DuckDB worker threads (default: all cores). */
  readonly threads: number | null;
  /** DuckDB memory limit, e.g. "4GB" (default: DuckDB's own, 80% of RAM). */
  readonly memoryLimit: string | null;
  /** Metadata database URL (PostgreSQL) for scale-out; null = embedded SQLite. */
  readonly databaseUrl: string | null;
  /** Redis URL for the job queue in scale-out; null = in-process jobs. */
  readonly redisUrl: string | null;
  /** HTTP host/port of `aegle serve`. */
  readonly host: string;
  readonly port: number;
}

export const DEFAULT_MISSING_TOKENS: readonly string[] = ['', 'NA', 'N/A', 'NaN', 'nan', 'NULL', 'null', '?', '.'];

const LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

type Source = Record<string, unknown>;

function str(src: Source, key: string): string | undefined {
  const v = src[key];
  if (v === undefined || v === null || v === '') return undefined;
  return String(v);
}

function int(src: Source, key: string, min: number, max: number): number | undefined {
  const s = str(src, key);
  if (s === undefined) return undefined;
  const n = Number(s);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw createError('AEGLE_CONFIG_INVALID', { key, expected: `an integer in [${min}, ${max}]`, got: s });
  }
  return n;
}

function url(src: Source, key: string, schemes: string[]): string | null {
  const s = str(src, key);
  if (s === undefined) return null;
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    throw createError('AEGLE_CONFIG_INVALID', { key, expected: `a URL (${schemes.join(', ')})`, got: '(unparseable)' });
  }
  if (!schemes.includes(u.protocol.replace(':', ''))) {
    throw createError('AEGLE_CONFIG_INVALID', { key, expected: `a URL (${schemes.join(', ')})`, got: u.protocol });
  }
  return s;
}

/** Maps a config file's camelCase keys onto the env-style keys used below. */
function fileToSource(obj: Record<string, unknown>): Source {
  const map: Record<string, string> = {
    home: 'AEGLE_HOME',
    logLevel: 'AEGLE_LOG_LEVEL',
    missingTokens: 'AEGLE_MISSING_TOKENS',
    threads: 'AEGLE_THREADS',
    memoryLimit: 'AEGLE_MEMORY_LIMIT',
    databaseUrl: 'AEGLE_DATABASE_URL',
    redisUrl: 'AEGLE_REDIS_URL',
    host: 'AEGLE_HOST',
    port: 'AEGLE_PORT',
  };
  const out: Source = {};
  for (const [k, v] of Object.entries(obj)) {
    const envKey = map[k];
    if (!envKey) throw createError('AEGLE_CONFIG_INVALID', { key: k, expected: `one of ${Object.keys(map).join(', ')}`, got: k });
    out[envKey] = Array.isArray(v) ? v.join(',') : v;
  }
  return out;
}

/**
 * Loads the configuration: defaults, then the file named by `AEGLE_CONFIG` (YAML or JSON), then
 * `AEGLE_*` environment variables (which win).
 */
export function loadConfig(env: Record<string, string | undefined> = process.env, cwd = process.cwd()): Config {
  let fileSrc: Source = {};
  const file = env.AEGLE_CONFIG;
  if (file) {
    if (!existsSync(file)) throw createError('AEGLE_CONFIG_FILE', { file, reason: 'no such file' });
    let parsed: unknown;
    try {
      parsed = parseYaml(readFileSync(file, 'utf8'));
    } catch (e) {
      throw createError('AEGLE_CONFIG_FILE', { file, reason: (e as Error).message.split('\n')[0] });
    }
    if (parsed !== null && parsed !== undefined) {
      if (typeof parsed !== 'object' || Array.isArray(parsed)) {
        throw createError('AEGLE_CONFIG_FILE', { file, reason: 'the top level must be a mapping' });
      }
      fileSrc = fileToSource(parsed as Record<string, unknown>);
    }
  }
  const src: Source = { ...fileSrc };
  for (const [k, v] of Object.entries(env)) if (k.startsWith('AEGLE_') && v !== undefined && v !== '') src[k] = v;

  const level = (str(src, 'AEGLE_LOG_LEVEL') ?? 'info') as LogLevel;
  if (!LEVELS.includes(level)) {
    throw createError('AEGLE_CONFIG_INVALID', { key: 'AEGLE_LOG_LEVEL', expected: LEVELS.join('|'), got: level });
  }
  const tokens = str(src, 'AEGLE_MISSING_TOKENS');
  return {
    home: path.resolve(cwd, str(src, 'AEGLE_HOME') ?? './aegle-data'),
    logLevel: level,
    missingTokens: tokens === undefined ? DEFAULT_MISSING_TOKENS : tokens.split(','),
    threads: int(src, 'AEGLE_THREADS', 1, 1024) ?? null,
    memoryLimit: str(src, 'AEGLE_MEMORY_LIMIT') ?? null,
    databaseUrl: url(src, 'AEGLE_DATABASE_URL', ['postgres', 'postgresql']),
    redisUrl: url(src, 'AEGLE_REDIS_URL', ['redis', 'rediss']),
    host: str(src, 'AEGLE_HOST') ?? '127.0.0.1',
    port: int(src, 'AEGLE_PORT', 0, 65535) ?? 8080,
  };
}
