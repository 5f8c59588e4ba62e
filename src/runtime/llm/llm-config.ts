/**
 * The LLM backends file (YAML or JSON, named by AEGLE_LLM_CONFIG): which backends exist, the models
 * each serves, which may see PHI (`local`) and which may not (`external`), the policy, and quotas.
 * docs/LLM.md describes every field. Relative paths are resolved against the file's folder.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { createError } from '../../core/index.js';
import './errors.js';
import { LlamaBackend } from './llama-backend.js';
import { OpenAiBackend } from './openai-backend.js';
import type { QuotaLimits } from './quota.js';
import type { BackendKind, LlmBackend, ModelRoute } from './types.js';

export interface LlamaBackendSpec {
  readonly type: 'llama-cpp';
  readonly name: string;
  readonly kind: BackendKind;
  /** Public model id (default: the file name without .gguf). */
  readonly id: string;
  readonly modelPath: string;
  readonly contextSize?: number;
  readonly threads?: number;
  readonly template: 'raw' | 'chat';
}

export interface OpenAiBackendSpec {
  readonly type: 'openai';
  readonly name: string;
  readonly kind: BackendKind;
  readonly baseUrl: string;
  readonly apiKey: string | null;
  /** Public id → upstream model name. */
  readonly models: ReadonlyArray<{ readonly id: string; readonly upstream: string }>;
  readonly timeoutMs: number;
  readonly retries: number;
  readonly backoffMs: number;
  readonly failureThreshold: number;
  readonly resetMs: number;
  readonly headers: Readonly<Record<string, string>>;
}

export type BackendSpec = LlamaBackendSpec | OpenAiBackendSpec;

export interface LlmPolicy {
  /** Roles that may never reach an external backend. */
  readonly denyExternalForRoles: readonly string[];
  /** Datasets (named by the caller's `dataset`) whose text may never reach an external backend. */
  readonly denyExternalForDatasets: readonly string[];
  /** Run the PHI gate for local backends too (default false: local backends may see PHI). */
  readonly deidentifyLocal: boolean;
}

export interface LlmSettings {
  readonly backends: readonly BackendSpec[];
  readonly policy: LlmPolicy;
  readonly quotas: QuotaLimits;
  readonly keyQuotas: Readonly<Record<string, Partial<QuotaLimits>>>;
}

export const DEFAULT_POLICY: LlmPolicy = {
  denyExternalForRoles: [],
  denyExternalForDatasets: [],
  deidentifyLocal: false,
};

type Obj = Record<string, unknown>;

/** Reads and validates a backends file. */
export function loadLlmConfigFile(file: string): LlmSettings {
  let parsed: unknown;
  try {
    parsed = parseYaml(readFileSync(file, 'utf8'));
  } catch (e) {
    throw createError('AEGLE_LLM_BAD_CONFIG', { file, reason: (e as Error).message.split('\n')[0] });
  }
  return parseLlmConfig(parsed, file, path.dirname(path.resolve(file)));
}

/** Validates a parsed backends document (`file` names it in errors; `baseDir` resolves paths). */
export function parseLlmConfig(doc: unknown, file = '(inline)', baseDir = process.cwd()): LlmSettings {
  const bad = (reason: string): never => {
    throw createError('AEGLE_LLM_BAD_CONFIG', { file, reason });
  };
  if (!isObj(doc)) bad('the top level must be a mapping with a `backends` list');
  const d = doc as Obj;
  known(d, ['backends', 'policy', 'quotas'], 'top level', bad);
  if (!Array.isArray(d.backends) || d.backends.length === 0) bad('`backends` must be a non-empty list');
  const names = new Set<string>();
  const ids = new Set<string>();
  const backends = (d.backends as unknown[]).map((b, i): BackendSpec => {
    const where = `backends[${i}]`;
    if (!isObj(b)) return bad(`${where} must be a mapping`);
    const o = b as Obj;
    const name = str(o, 'name', where, bad);
    if (names.has(name)) bad(`backend name '${name}' is used twice`);
    names.add(name);
    const kind = o.kind ?? (o.type === 'llama-cpp' ? 'local' : undefined);
    if (kind !== 'local' && kind !== 'external')
      bad(`${where}.kind must be 'local' or 'external' (say which explicitly for upstreams)`);
    const claim = (id: string) => {
      if (ids.has(id)) bad(`model id '${id}' is served by two backends`);
      ids.add(id);
    };
    if (o.type === 'llama-cpp') {
      known(o, ['type', 'name', 'kind', 'id', 'model', 'contextSize', 'threads', 'template'], where, bad);
      const modelPath = path.resolve(baseDir, str(o, 'model', where, bad));
      const id =
        o.id === undefined ? path.basename(modelPath).replace(/\.gguf$/i, '') : str(o, 'id', where, bad);
      claim(id);
      const template = o.template ?? 'chat';
      if (template !== 'raw' && template !== 'chat') bad(`${where}.template must be 'raw' or 'chat'`);
      return {
        type: 'llama-cpp',
        name,
        kind: kind as BackendKind,
        id,
        modelPath,
        contextSize: optInt(o, 'contextSize', 16, 1 << 20, where, bad),
        threads: optInt(o, 'threads', 1, 1024, where, bad),
        template: template as 'raw' | 'chat',
      };
    }
    if (o.type === 'openai') {
      known(
        o,
        [
          'type',
          'name',
          'kind',
          'baseUrl',
          'apiKey',
          'apiKeyFile',
          'models',
          'timeoutMs',
          'retries',
          'backoffMs',
          'breaker',
          'headers',
        ],
        where,
        bad,
      );
      const baseUrl = str(o, 'baseUrl', where, bad);
      if (!/^https?:\/\//.test(baseUrl)) bad(`${where}.baseUrl must be an http(s) URL`);
      let apiKey: string | null = o.apiKey === undefined ? null : str(o, 'apiKey', where, bad);
      if (o.apiKeyFile !== undefined) {
        const f = path.resolve(baseDir, str(o, 'apiKeyFile', where, bad));
        try {
          apiKey = readFileSync(f, 'utf8').trim();
        } catch (e) {
          bad(`${where}.apiKeyFile cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
        }
      }
      if (!Array.isArray(o.models) || o.models.length === 0) bad(`${where}.models must be a non-empty list`);
      const models = (o.models as unknown[]).map((m, j) => {
        if (typeof m === 'string') return { id: m, upstream: m };
        if (isObj(m) && typeof (m as Obj).id === 'string') {
          const mm = m as Obj;
          return {
            id: mm.id as string,
            upstream: typeof mm.upstream === 'string' ? mm.upstream : (mm.id as string),
          };
        }
        return bad(`${where}.models[${j}] must be a string or {id, upstream}`);
      });
      for (const m of models) claim(m.id);
      const breaker = isObj(o.breaker) ? (o.breaker as Obj) : {};
      const headers = isObj(o.headers) ? (o.headers as Record<string, string>) : {};
      return {
        type: 'openai',
        name,
        kind: kind as BackendKind,
        baseUrl,
        apiKey,
        models,
        timeoutMs: optInt(o, 'timeoutMs', 1, 3_600_000, where, bad) ?? 60_000,
        retries: optInt(o, 'retries', 0, 10, where, bad) ?? 2,
        backoffMs: optInt(o, 'backoffMs', 0, 60_000, where, bad) ?? 200,
        failureThreshold: optInt(breaker, 'failureThreshold', 1, 1000, `${where}.breaker`, bad) ?? 5,
        resetMs: optInt(breaker, 'resetMs', 1, 3_600_000, `${where}.breaker`, bad) ?? 30_000,
        headers,
      };
    }
    return bad(`${where}.type must be 'llama-cpp' or 'openai'`);
  });
  const p = isObj(d.policy) ? (d.policy as Obj) : {};
  if (d.policy !== undefined)
    known(p, ['denyExternalForRoles', 'denyExternalForDatasets', 'deidentifyLocal'], 'policy', bad);
  const q = isObj(d.quotas) ? (d.quotas as Obj) : {};
  if (d.quotas !== undefined) known(q, ['tokensPerDay', 'requestsPerMinute', 'keys'], 'quotas', bad);
  const keyQuotas: Record<string, Partial<QuotaLimits>> = {};
  if (isObj(q.keys)) {
    for (const [k, v] of Object.entries(q.keys as Obj)) {
      if (!isObj(v)) bad(`quotas.keys.${k} must be a mapping`);
      const lim: { tokensPerWindow?: number; requestsPerMinute?: number } = {};
      const t = optInt(v as Obj, 'tokensPerDay', 0, Number.MAX_SAFE_INTEGER, `quotas.keys.${k}`, bad);
      const r = optInt(v as Obj, 'requestsPerMinute', 0, 1e9, `quotas.keys.${k}`, bad);
      if (t !== undefined) lim.tokensPerWindow = t;
      if (r !== undefined) lim.requestsPerMinute = r;
      keyQuotas[k] = lim;
    }
  }
  return {
    backends,
    policy: {
      denyExternalForRoles: strList(p, 'denyExternalForRoles', bad),
      denyExternalForDatasets: strList(p, 'denyExternalForDatasets', bad),
      deidentifyLocal: p.deidentifyLocal === true,
    },
    quotas: {
      tokensPerWindow: optInt(q, 'tokensPerDay', 0, Number.MAX_SAFE_INTEGER, 'quotas', bad) ?? null,
      requestsPerMinute: optInt(q, 'requestsPerMinute', 0, 1e9, 'quotas', bad) ?? null,
    },
    keyQuotas,
  };
}

/** Builds the backends a settings object describes and the model routes onto them. */
export function createModelRoutes(settings: Pick<LlmSettings, 'backends'>): ModelRoute[] {
  const routes: ModelRoute[] = [];
  for (const b of settings.backends) {
    if (b.type === 'llama-cpp') {
      const backend: LlmBackend = new LlamaBackend({
        name: b.name,
        kind: b.kind,
        modelPath: b.modelPath,
        contextSize: b.contextSize,
        threads: b.threads,
        template: b.template,
      });
      routes.push({ id: b.id, backend, upstreamModel: b.id });
    } else {
      const backend = new OpenAiBackend({
        name: b.name,
        kind: b.kind,
        baseUrl: b.baseUrl,
        apiKey: b.apiKey,
        headers: b.headers,
        timeoutMs: b.timeoutMs,
        retries: b.retries,
        backoff: { baseMs: b.backoffMs },
        breaker: { failureThreshold: b.failureThreshold, resetMs: b.resetMs },
      });
      for (const m of b.models) routes.push({ id: m.id, backend, upstreamModel: m.upstream });
    }
  }
  return routes;
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function known(o: Obj, keys: string[], where: string, bad: (r: string) => never): void {
  for (const k of Object.keys(o))
    if (!keys.includes(k)) bad(`unknown field '${k}' in ${where} (known: ${keys.join(', ')})`);
}

function str(o: Obj, k: string, where: string, bad: (r: string) => never): string {
  const v = o[k];
  if (typeof v !== 'string' || v.length === 0) return bad(`${where}.${k} must be a non-empty string`);
  return v;
}

function optInt(
  o: Obj,
  k: string,
  min: number,
  max: number,
  where: string,
  bad: (r: string) => never,
): number | undefined {
  const v = o[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
    return bad(`${where}.${k} must be an integer in [${min}, ${max}]`);
  return v;
}

function strList(o: Obj, k: string, bad: (r: string) => never): string[] {
  const v = o[k];
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string'))
    return bad(`policy.${k} must be a list of strings`);
  return v as string[];
}
