/**
 * Worker-thread entry of the CDS Hooks services (see cds-pool.ts): takes a hook request as
 * the raw text the EHR sent and does everything that needs no I/O — JSON parse, the request checks,
 * the resources of the prefetch, the feature row, the score and its TreeSHAP factors — so the event
 * loop only authenticates, audits and answers. The model is loaded here from its (immutable) artifact
 * folder once and kept; a request whose prefetch lacks a template is handed back, and the event
 * loop fetches from the FHIR server as before.
 *
 * Errors come back as plain fields (class identity does not survive the thread boundary).
 */
import { createHash } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
import './cds-errors.js';
import { createError, toWireError, type WireError } from '../core/index.js';
import {
  type CdsHookRequest,
  type FeatureSpec,
  type PatientResource,
  parseCdsHookRequest,
  prefetchTemplates,
} from '../fhir/index.js';
import { NativeModel } from '../runtime/native-model.js';
import { featureSpecOf, resourcesOf, scorePatient, warmLeafWeights } from './fhir-scoring.js';

/** A model as the scoring thread loads it: artifact folder and registry reference. */
export interface CdsModelRef {
  /** The folder of a registered version never changes. */
  readonly artifactPath: string;
  readonly name: string;
  readonly version: number;
}

export interface CdsScoreTask extends CdsModelRef {
  /** The request body as received. */
  readonly body: string;
  /** The service id the request was sent to (for messages). */
  readonly serviceId: string;
  readonly indexMs: number;
}

/** What the card, the audit entry and the prediction log need from a scored call. */
export interface CdsScoreResult {
  readonly probability: number;
  readonly label: string | null;
  readonly raw: (number | string | null)[];
  readonly factors: ReadonlyArray<{ readonly feature: string; readonly sentence: string }>;
  readonly basisCount: number;
  readonly ignored: readonly string[];
  readonly indexMs: number;
  readonly hookInstance: string;
  /** SHA-256 of the body, for the audit entry (what `inputHash` computes on the event loop). */
  readonly inputHash: string;
}

export type CdsScoreReply =
  | { readonly ok: true; readonly kind: 'scored'; readonly result: CdsScoreResult }
  /** The prefetch lacks a template's data: the event loop gathers it (FHIR server) and scores itself. */
  | { readonly ok: true; readonly kind: 'fetch' }
  | { readonly ok: false; readonly error: WireError };

/** Models this thread has loaded, least recently used first. */
const models = new Map<string, NativeModel>();
const MAX_MODELS = 8;

function modelFor(task: CdsModelRef): NativeModel {
  const key = `${task.artifactPath}\n${task.name}@${task.version}`;
  let m = models.get(key);
  if (m) {
    models.delete(key);
  } else {
    m = NativeModel.load(task.artifactPath, { name: task.name, version: task.version });
    if (models.size >= MAX_MODELS) models.delete(models.keys().next().value as string);
  }
  models.set(key, m);
  return m;
}

const templateKeys = new WeakMap<FeatureSpec, string[]>();

function score(task: CdsScoreTask): CdsScoreReply {
  let body: unknown;
  try {
    body = JSON.parse(task.body);
  } catch (e) {
    throw createError('AEGLE_CDS_BAD_REQUEST', {
      problems: `body is not valid JSON: ${(e as Error).message.slice(0, 200)}`,
    });
  }
  const parsed = parseCdsHookRequest(body);
  if (!parsed.ok) throw createError('AEGLE_CDS_BAD_REQUEST', { problems: parsed.problems.join('; ') });
  const r: CdsHookRequest = parsed.request;
  if (r.hook !== 'patient-view')
    throw createError('AEGLE_CDS_BAD_REQUEST', {
      problems: `hook '${r.hook}' is not served by ${task.serviceId} (patient-view)`,
    });
  const model = modelFor(task);
  const spec = featureSpecOf(model);
  // the event loop sends only models with a feature spec (others are not CDS services)
  if (!spec) throw new Error(`model ${task.name}@${task.version} has no FHIR feature spec`);
  let keys = templateKeys.get(spec);
  if (!keys) {
    keys = Object.keys(prefetchTemplates(spec));
    templateKeys.set(spec, keys);
  }
  const items: PatientResource[] = [];
  for (const key of keys) {
    const doc = r.prefetch?.[key];
    if (doc === undefined || doc === null) return { ok: true, kind: 'fetch' };
    const { items: its, errors } = resourcesOf(doc, `prefetch.${key}`);
    if (errors.length)
      throw createError('AEGLE_CDS_BAD_REQUEST', { problems: errors.slice(0, 3).join('; ') });
    for (const it of its) items.push(it);
  }
  const s = scorePatient(model, items, { indexMs: task.indexMs, patientId: r.context.patientId });
  if ('missing' in s) throw createError('AEGLE_CDS_DATA_MISSING', { missing: s.missing.join(', ') });
  return {
    ok: true,
    kind: 'scored',
    result: {
      probability: s.probability,
      label: s.label,
      raw: s.raw,
      factors: s.factors.map((f) => ({ feature: f.feature, sentence: f.sentence })),
      basisCount: s.features.basis.length,
      ignored: s.ignored,
      indexMs: s.indexMs,
      hookInstance: r.hookInstance,
      inputHash: createHash('sha256').update(task.body).digest('hex'),
    },
  };
}

export function run(task: CdsScoreTask): CdsScoreReply {
  try {
    return score(task);
  } catch (e) {
    return { ok: false, error: toWireError(e) };
  }
}

/** Loads a model and builds its TreeSHAP tables ahead of its first call; false when it cannot load. */
export function warm(ref: CdsModelRef): boolean {
  try {
    warmLeafWeights(modelFor(ref));
    return true;
  } catch {
    return false; // its first call reports why
  }
}

// as a worker thread: one reply per message, in order
parentPort?.on('message', (m: { id: number; task?: CdsScoreTask; warm?: CdsModelRef }) => {
  if (m.warm) parentPort!.postMessage({ id: m.id, warmed: warm(m.warm) });
  else parentPort!.postMessage({ id: m.id, reply: run(m.task!) });
});
