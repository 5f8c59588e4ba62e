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
  /** The service (`aegle serve`): limits, CORS, load shedding, caches, audit batching. */
  readonly serve: ServeConfig;
  /** Secret for keyed pseudonyms, tokens and date shifts (32 bytes, hex or base64); null = none set. */
  readonly secretKey: string | null;
  /** Master key wrapping the data keys of encrypted objects (32 bytes, hex or base64); null = none set. */
  readonly masterKey: string | null;
  /** Encrypt datasets and artifacts at rest (needs masterKey). Off by default. */
  readonly encryptAtRest: boolean;
  /** The LLM gateway: backends file and default per-key limits (docs/LLM.md). */
  readonly llm: LlmConfig;
  /** CDS Hooks and FHIR routes: deployment alias, trusted CDS clients, FHIR servers (docs/FHIR.md). */
  readonly cds: CdsConfig;
}

/** Settings of the CDS Hooks service (https://cds-hooks.hl7.org/2.0/). */
export interface CdsConfig {
  /** The registry alias that deploys a model version as a CDS service (AEGLE_CDS_ALIAS, default `cds`). */
  readonly alias: string;
  /**
   * Trusted CDS clients: issuer (`iss`) → the JWKS URLs (`jku`) its keys may come from
   * (AEGLE_CDS_ISSUERS=`ISS=JWKS_URL,…`, an issuer repeated for several URLs). Empty = no JWT accepted.
   */
  readonly issuers: Readonly<Record<string, readonly string[]>>;
  /** FHIR server base URLs the service may fetch from when prefetch is missing (AEGLE_CDS_FHIR_SERVERS). */
  readonly fhirServers: readonly string[];
  /** Public base URL of this service, for the JWT `aud` check (AEGLE_PUBLIC_URL); null = the request's Host. */
  readonly publicUrl: string | null;
  /** Time limit of one fetch from a FHIR server (AEGLE_CDS_FHIR_TIMEOUT_MS, default 2000). */
  readonly fhirTimeoutMs: number;
}

/** Settings of the LLM gateway; the backends themselves live in the file `configFile` names. */
export interface LlmConfig {
  /** YAML/JSON file of backends, policy and quotas (AEGLE_LLM_CONFIG); null = no LLM routes. */
  readonly configFile: string | null;
  /** Default tokens per key per day unless the file says otherwise; null = unlimited. */
  readonly tokensPerDay: number | null;
  /** Default LLM requests per key per minute unless the file says otherwise; null = unlimited. */
  readonly requestsPerMinute: number | null;
}

/** Settings of the HTTP service. Every limit has a safe default; docs/CONFIG.md lists them. */
export interface ServeConfig {
  /** Origins allowed by CORS; empty = CORS off (no Access-Control-* headers). */
  readonly corsOrigins: readonly string[];
  /** Largest JSON body in bytes on ordinary routes. */
  readonly bodyLimit: number;
  /** Largest JSON body in bytes on predict / infer routes (batch scoring). */
  readonly predictBodyLimit: number;
  /** Largest dataset upload in bytes. */
  readonly uploadLimit: number;
  /** Requests per minute per API key unless the key sets its own. */
  readonly rateLimitPerMinute: number;
  /** Predict inputs with fields the model does not know: 'reject' (400) or 'ignore'. */
  readonly unknownFields: 'reject' | 'ignore';
  /** Mean event-loop delay (ms, over the last half second) above which requests are shed with 503. */
  readonly maxEventLoopDelayMs: number;
  /** Loaded models kept in memory (LRU). */
  readonly modelCacheSize: number;
  /**
   * Days of prediction-log records a server keeps (it deletes older ones at start and every hour, and
   * audits each deletion); null keeps them all.
   */
  readonly predictionLogDays: number | null;
  /** Audit and prediction log batching: flush every N ms or M entries, whichever comes first. */
  readonly auditFlushMs: number;
  readonly auditBatchSize: number;
  /** Jobs run at once by this process's worker. */
  readonly jobConcurrency: number;
  /** How long shutdown waits for in-flight requests and jobs before giving up. */
  readonly shutdownTimeoutMs: number;
  /** Serve /docs and the OpenAPI document without a credential. */
  readonly publicDocs: boolean;
}

export const DEFAULT_MISSING_TOKENS: readonly string[] = [
  '',
  'NA',
  'N/A',
  'NaN',
  'nan',
  'NULL',
  'null',
  '?',
  '.',
];

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
    throw createError('AEGLE_CONFIG_INVALID', {
      key,
      expected: `a URL (${schemes.join(', ')})`,
      got: '(unparseable)',
    });
  }
  if (!schemes.includes(u.protocol.replace(':', ''))) {
    throw createError('AEGLE_CONFIG_INVALID', {
      key,
      expected: `a URL (${schemes.join(', ')})`,
      got: u.protocol,
    });
  }
  return s;
}

/**
 * A 256-bit key from `KEY` (the value) or `KEY_FILE` (a file holding it), checked to be 64 hex digits or
 * base64 of 32 bytes. The value is never echoed in errors.
 */
function key(src: Source, name: string): string | null {
  let s = str(src, name);
  const file = str(src, `${name}_FILE`);
  if (s === undefined && file !== undefined) {
    try {
      s = readFileSync(file, 'utf8').trim();
    } catch (e) {
      throw createError('AEGLE_CONFIG_INVALID', {
        key: `${name}_FILE`,
        expected: 'a readable key file',
        got: (e as NodeJS.ErrnoException).code ?? 'unreadable',
      });
    }
  }
  if (s === undefined) return null;
  const ok =
    /^[0-9a-fA-F]{64}$/.test(s) ||
    (/^[A-Za-z0-9+/_-]{43}=?$/.test(s) && Buffer.from(s, 'base64').length === 32);
  if (!ok)
    throw createError('AEGLE_CONFIG_INVALID', {
      key: name,
      expected: '32 bytes as 64 hex digits or base64',
      got: `${s.length} characters`,
    });
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
    secretKeyFile: 'AEGLE_SECRET_KEY_FILE',
    masterKeyFile: 'AEGLE_MASTER_KEY_FILE',
    encryptAtRest: 'AEGLE_ENCRYPT_AT_REST',
    corsOrigins: 'AEGLE_CORS_ORIGINS',
    bodyLimit: 'AEGLE_BODY_LIMIT',
    predictBodyLimit: 'AEGLE_PREDICT_BODY_LIMIT',
    uploadLimit: 'AEGLE_UPLOAD_LIMIT',
    rateLimitPerMinute: 'AEGLE_RATE_LIMIT',
    unknownFields: 'AEGLE_UNKNOWN_FIELDS',
    maxEventLoopDelayMs: 'AEGLE_MAX_EVENT_LOOP_DELAY_MS',
    modelCacheSize: 'AEGLE_MODEL_CACHE_SIZE',
    predictionLogDays: 'AEGLE_PREDICTION_LOG_DAYS',
    auditFlushMs: 'AEGLE_AUDIT_FLUSH_MS',
    auditBatchSize: 'AEGLE_AUDIT_BATCH_SIZE',
    jobConcurrency: 'AEGLE_JOB_CONCURRENCY',
    shutdownTimeoutMs: 'AEGLE_SHUTDOWN_TIMEOUT_MS',
    publicDocs: 'AEGLE_PUBLIC_DOCS',
    llmConfig: 'AEGLE_LLM_CONFIG',
    llmTokensPerDay: 'AEGLE_LLM_TOKENS_PER_DAY',
    llmRateLimit: 'AEGLE_LLM_RATE_LIMIT',
    cdsAlias: 'AEGLE_CDS_ALIAS',
    cdsIssuers: 'AEGLE_CDS_ISSUERS',
    cdsFhirServers: 'AEGLE_CDS_FHIR_SERVERS',
    publicUrl: 'AEGLE_PUBLIC_URL',
    cdsFhirTimeoutMs: 'AEGLE_CDS_FHIR_TIMEOUT_MS',
  };
  const out: Source = {};
  for (const [k, v] of Object.entries(obj)) {
    const envKey = map[k];
    if (!envKey)
      throw createError('AEGLE_CONFIG_INVALID', {
        key: k,
        expected: `one of ${Object.keys(map).join(', ')}`,
        got: k,
      });
    out[envKey] = Array.isArray(v) ? v.join(',') : v;
  }
  return out;
}

/**
 * Loads the configuration: defaults, then the file named by `AEGLE_CONFIG` (YAML or JSON), then
 * `AEGLE_*` environment variables (which win).
 */
export function loadConfig(
  env: Record<string, string | undefined> = process.env,
  cwd = process.cwd(),
): Config {
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
  for (const [k, v] of Object.entries(env))
    if (k.startsWith('AEGLE_') && v !== undefined && v !== '') src[k] = v;

  const level = (str(src, 'AEGLE_LOG_LEVEL') ?? 'info') as LogLevel;
  if (!LEVELS.includes(level)) {
    throw createError('AEGLE_CONFIG_INVALID', {
      key: 'AEGLE_LOG_LEVEL',
      expected: LEVELS.join('|'),
      got: level,
    });
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
    serve: {
      corsOrigins: (str(src, 'AEGLE_CORS_ORIGINS') ?? '')
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean),
      bodyLimit: int(src, 'AEGLE_BODY_LIMIT', 1024, 2 ** 31) ?? 1 << 20,
      predictBodyLimit: int(src, 'AEGLE_PREDICT_BODY_LIMIT', 1024, 2 ** 31) ?? 64 << 20,
      uploadLimit: int(src, 'AEGLE_UPLOAD_LIMIT', 1024, Number.MAX_SAFE_INTEGER) ?? 2 ** 31,
      rateLimitPerMinute: int(src, 'AEGLE_RATE_LIMIT', 1, 1e9) ?? 60_000,
      unknownFields: oneOf(src, 'AEGLE_UNKNOWN_FIELDS', ['reject', 'ignore'] as const) ?? 'reject',
      maxEventLoopDelayMs: int(src, 'AEGLE_MAX_EVENT_LOOP_DELAY_MS', 1, 60_000) ?? 250,
      modelCacheSize: int(src, 'AEGLE_MODEL_CACHE_SIZE', 1, 10_000) ?? 16,
      predictionLogDays: int(src, 'AEGLE_PREDICTION_LOG_DAYS', 1, 36_500) ?? null,
      auditFlushMs: int(src, 'AEGLE_AUDIT_FLUSH_MS', 1, 60_000) ?? 50,
      auditBatchSize: int(src, 'AEGLE_AUDIT_BATCH_SIZE', 1, 100_000) ?? 1000,
      jobConcurrency: int(src, 'AEGLE_JOB_CONCURRENCY', 1, 256) ?? 1,
      shutdownTimeoutMs: int(src, 'AEGLE_SHUTDOWN_TIMEOUT_MS', 0, 3_600_000) ?? 30_000,
      publicDocs: ['true', '1'].includes(
        oneOf(src, 'AEGLE_PUBLIC_DOCS', ['true', 'false', '1', '0'] as const) ?? 'false',
      ),
    },
    ...atRest(src),
    llm: {
      configFile:
        str(src, 'AEGLE_LLM_CONFIG') === undefined ? null : path.resolve(cwd, str(src, 'AEGLE_LLM_CONFIG')!),
      tokensPerDay: int(src, 'AEGLE_LLM_TOKENS_PER_DAY', 0, Number.MAX_SAFE_INTEGER) ?? null,
      requestsPerMinute: int(src, 'AEGLE_LLM_RATE_LIMIT', 0, 1e9) ?? null,
    },
    cds: cdsConfig(src),
  };
}

/** The CDS Hooks settings: every URL checked to be http(s), issuers as `ISS=JWKS_URL` pairs. */
function cdsConfig(src: Source): CdsConfig {
  const list = (k: string) =>
    (str(src, k) ?? '')
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean);
  const httpUrl = (k: string, s: string) => {
    let u: URL | null = null;
    try {
      u = new URL(s);
    } catch {
      // reported below
    }
    if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:'))
      throw createError('AEGLE_CONFIG_INVALID', {
        key: k,
        expected: 'http(s) URLs',
        got: `'${s.slice(0, 80)}'`,
      });
    return s.replace(/\/+$/, '');
  };
  const issuers: Record<string, string[]> = {};
  for (const pair of list('AEGLE_CDS_ISSUERS')) {
    const eq = pair.indexOf('=');
    if (eq <= 0)
      throw createError('AEGLE_CONFIG_INVALID', {
        key: 'AEGLE_CDS_ISSUERS',
        expected: 'ISSUER=JWKS_URL pairs separated by commas',
        got: `'${pair.slice(0, 80)}'`,
      });
    const iss = pair.slice(0, eq).trim();
    (issuers[iss] ??= []).push(httpUrl('AEGLE_CDS_ISSUERS', pair.slice(eq + 1).trim()));
  }
  const alias = str(src, 'AEGLE_CDS_ALIAS') ?? 'cds';
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(alias))
    throw createError('AEGLE_CONFIG_INVALID', {
      key: 'AEGLE_CDS_ALIAS',
      expected: 'an alias name (letters, digits, _ . -)',
      got: alias,
    });
  const pub = str(src, 'AEGLE_PUBLIC_URL');
  return {
    alias,
    issuers,
    fhirServers: list('AEGLE_CDS_FHIR_SERVERS').map((s) => httpUrl('AEGLE_CDS_FHIR_SERVERS', s)),
    publicUrl: pub === undefined ? null : httpUrl('AEGLE_PUBLIC_URL', pub),
    fhirTimeoutMs: int(src, 'AEGLE_CDS_FHIR_TIMEOUT_MS', 1, 60_000) ?? 2000,
  };
}

/** Keys of the privacy layer (pseudonym secret, master key) and the encryption-at-rest switch. */
function atRest(src: Source): Pick<Config, 'secretKey' | 'masterKey' | 'encryptAtRest'> {
  const flag = oneOf(src, 'AEGLE_ENCRYPT_AT_REST', ['true', 'false', '1', '0'] as const) ?? 'false';
  const masterKey = key(src, 'AEGLE_MASTER_KEY');
  const encryptAtRest = flag === 'true' || flag === '1';
  if (encryptAtRest && !masterKey) {
    throw createError('AEGLE_CONFIG_INVALID', {
      key: 'AEGLE_ENCRYPT_AT_REST',
      expected: 'AEGLE_MASTER_KEY or AEGLE_MASTER_KEY_FILE set too',
      got: 'no master key',
    });
  }
  return { secretKey: key(src, 'AEGLE_SECRET_KEY'), masterKey, encryptAtRest };
}

function oneOf<const T extends string>(src: Source, key: string, allowed: readonly T[]): T | undefined {
  const s = str(src, key);
  if (s === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(s))
    throw createError('AEGLE_CONFIG_INVALID', { key, expected: allowed.join('|'), got: s });
  return s as T;
}

/**
 * Service URLs for integration tests (`AEGLE_TEST_DATABASE_URL`, `AEGLE_TEST_REDIS_URL`); null when
 * unset, and the tests that need them skip with a notice.
 */
export function testServices(env: Record<string, string | undefined> = process.env): {
  databaseUrl: string | null;
  redisUrl: string | null;
} {
  return {
    databaseUrl: url(env, 'AEGLE_TEST_DATABASE_URL', ['postgres', 'postgresql']),
    redisUrl: url(env, 'AEGLE_TEST_REDIS_URL', ['redis', 'rediss']),
  };
}
