/**
 * CDS Hooks 2.0 types (https://cds-hooks.hl7.org/2.0/), request parsing and prefetch-template
 * rendering. The routes live in serve/; this file is pure.
 */
import { isObject } from './types.js';

/** https://cds-hooks.hl7.org/2.0/#fhir-resource-access */
export interface FhirAuthorization {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
  subject: string;
  patient?: string;
}

/** https://cds-hooks.hl7.org/2.0/#http-request-1 */
export interface CdsHookRequest {
  hook: string;
  hookInstance: string;
  fhirServer?: string;
  fhirAuthorization?: FhirAuthorization;
  context: Record<string, unknown> & { userId?: string; patientId?: string; encounterId?: string };
  prefetch?: Record<string, unknown>;
}

/** https://cds-hooks.hl7.org/2.0/#response */
export interface CdsService {
  hook: string;
  title?: string;
  description: string;
  id: string;
  prefetch?: Record<string, string>;
  usageRequirements?: string;
}
export interface CdsDiscoveryResponse {
  services: CdsService[];
}

/** https://cds-hooks.hl7.org/2.0/#card-attributes */
export interface CdsCard {
  uuid?: string;
  summary: string;
  detail?: string;
  indicator: 'info' | 'warning' | 'critical';
  source: {
    label: string;
    url?: string;
    icon?: string;
    topic?: { system?: string; code?: string; display?: string };
  };
  suggestions?: Array<{
    label: string;
    uuid?: string;
    isRecommended?: boolean;
    actions?: Array<{
      type: 'create' | 'update' | 'delete';
      description: string;
      resource?: unknown;
      resourceId?: string;
    }>;
  }>;
  selectionBehavior?: 'at-most-one' | 'any';
  overrideReasons?: Array<{ code?: string; system?: string; display?: string }>;
  links?: Array<{ label: string; url: string; type: 'absolute' | 'smart'; appContext?: string }>;
}
export interface CdsCardsResponse {
  cards: CdsCard[];
  systemActions?: Array<{
    type: 'create' | 'update' | 'delete';
    description: string;
    resource?: unknown;
    resourceId?: string;
  }>;
}

/** https://cds-hooks.hl7.org/2.0/#feedback */
export interface CdsFeedback {
  feedback: Array<{
    card: string;
    outcome: 'accepted' | 'overridden';
    acceptedSuggestions?: Array<{ id: string }>;
    overrideReason?: { reason?: { code?: string; system?: string; display?: string }; userComment?: string };
    outcomeTimestamp: string;
  }>;
}

/** Parses a hook call body; returns the request or the list of problems (paths named). */
export function parseCdsHookRequest(
  body: unknown,
): { ok: true; request: CdsHookRequest } | { ok: false; problems: string[] } {
  const problems: string[] = [];
  if (!isObject(body)) return { ok: false, problems: ['body: must be a JSON object'] };
  if (typeof body.hook !== 'string' || !body.hook) problems.push('hook: is required (string)');
  if (typeof body.hookInstance !== 'string' || !body.hookInstance)
    problems.push('hookInstance: is required (string)');
  if (!isObject(body.context)) problems.push('context: is required (object)');
  if (
    body.fhirServer !== undefined &&
    (typeof body.fhirServer !== 'string' || !/^https?:\/\//.test(body.fhirServer))
  )
    problems.push('fhirServer: must be an http(s) URL');
  if (body.fhirAuthorization !== undefined) {
    const a = body.fhirAuthorization;
    if (!isObject(a)) problems.push('fhirAuthorization: must be an object');
    else {
      if (body.fhirServer === undefined) problems.push('fhirAuthorization: needs fhirServer');
      for (const k of ['access_token', 'scope', 'subject'])
        if (typeof a[k] !== 'string') problems.push(`fhirAuthorization.${k}: is required (string)`);
      if (a.token_type !== 'Bearer') problems.push("fhirAuthorization.token_type: must be 'Bearer'");
      if (typeof a.expires_in !== 'number')
        problems.push('fhirAuthorization.expires_in: is required (number)');
    }
  }
  if (body.prefetch !== undefined && !isObject(body.prefetch)) problems.push('prefetch: must be an object');
  if (isObject(body.context)) {
    for (const k of ['patientId', 'userId', 'encounterId'])
      if (body.context[k] !== undefined && typeof body.context[k] !== 'string')
        problems.push(`context.${k}: must be a string`);
    if (body.hook === 'patient-view' && typeof body.context.patientId !== 'string')
      problems.push('context.patientId: is required for patient-view');
  }
  return problems.length ? { ok: false, problems } : { ok: true, request: body as unknown as CdsHookRequest };
}

/**
 * Renders a prefetch template (https://cds-hooks.hl7.org/2.0/#prefetch-tokens): `{{context.x}}` takes
 * the context value (URL-encoded), `{{userPractitionerId}}` etc. take the id part of `context.userId`
 * when its type matches. Returns null when a token has no value (the service must then fetch itself).
 */
export function renderPrefetchTemplate(template: string, context: Record<string, unknown>): string | null {
  let missing = false;
  const out = template.replace(/\{\{\s*([A-Za-z0-9_.]+)\s*\}\}/g, (_, token: string) => {
    let v: unknown;
    if (token.startsWith('context.')) v = context[token.slice('context.'.length)];
    else {
      const m = /^user(Practitioner|PractitionerRole|Patient|RelatedPerson)Id$/.exec(token);
      const user = typeof context.userId === 'string' ? context.userId : '';
      if (m && user.startsWith(`${m[1]}/`)) v = user.slice(m[1].length + 1);
    }
    if (typeof v !== 'string' && typeof v !== 'number') {
      missing = true;
      return '';
    }
    return encodeURIComponent(String(v));
  });
  return missing ? null : out;
}
