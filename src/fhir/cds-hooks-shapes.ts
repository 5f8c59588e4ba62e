/**
 * Shape checks for CDS Hooks 2.0 documents, written from the specification's attribute tables
 * (https://cds-hooks.hl7.org/2.0/): the discovery response (§ Discovery, "Response"), the service
 * response with its cards, suggestions, actions, links and system actions (§ CDS Service Response,
 * "Card Attributes", "Suggestion", "Action", "Link"), and feedback (§ Feedback). Each returns the
 * problems found, by JSON path; empty means valid. Pure, so tests and the service share them.
 */
import { isObject } from './types.js';

type Out = string[];

const str = (v: unknown) => typeof v === 'string';
const nonEmpty = (v: unknown) => typeof v === 'string' && v.length > 0;

function requireString(o: Record<string, unknown>, k: string, path: string, out: Out): void {
  if (!nonEmpty(o[k])) out.push(`${path}.${k}: is required (string)`);
}
function optionalString(o: Record<string, unknown>, k: string, path: string, out: Out): void {
  if (o[k] !== undefined && !str(o[k])) out.push(`${path}.${k}: must be a string`);
}
function oneOf(
  o: Record<string, unknown>,
  k: string,
  values: readonly string[],
  path: string,
  out: Out,
): void {
  if (typeof o[k] !== 'string' || !values.includes(o[k] as string))
    out.push(`${path}.${k}: must be one of ${values.join('|')}`);
}
function array(v: unknown, path: string, out: Out, each: (x: unknown, p: string) => void): void {
  if (!Array.isArray(v)) {
    out.push(`${path}: must be an array`);
    return;
  }
  v.forEach((x, i) => {
    each(x, `${path}[${i}]`);
  });
}

/** A FHIR Coding (https://cds-hooks.hl7.org/2.0/#coding): `code` and `system` required, `display`. */
function coding(v: unknown, path: string, out: Out, requireSystemAndCode = true): void {
  if (!isObject(v)) {
    out.push(`${path}: must be an object`);
    return;
  }
  if (requireSystemAndCode) {
    requireString(v, 'code', path, out);
    requireString(v, 'system', path, out);
  } else {
    optionalString(v, 'code', path, out);
    optionalString(v, 'system', path, out);
  }
  optionalString(v, 'display', path, out);
}

/** https://cds-hooks.hl7.org/2.0/#response — `services` of {hook, title?, description, id, prefetch?, usageRequirements?}. */
export function validateDiscoveryResponse(doc: unknown): string[] {
  const out: Out = [];
  if (!isObject(doc)) return ['(root): must be an object'];
  array(doc.services, 'services', out, (s, p) => {
    if (!isObject(s)) {
      out.push(`${p}: must be an object`);
      return;
    }
    requireString(s, 'hook', p, out);
    optionalString(s, 'title', p, out);
    requireString(s, 'description', p, out);
    requireString(s, 'id', p, out);
    if (str(s.id) && !/^[^/\s]+$/.test(s.id as string))
      out.push(`${p}.id: must be usable as a URL path segment`);
    if (s.prefetch !== undefined) {
      if (!isObject(s.prefetch)) out.push(`${p}.prefetch: must be an object of key → template`);
      else
        for (const [k, t] of Object.entries(s.prefetch))
          if (!str(t)) out.push(`${p}.prefetch.${k}: must be a string (a FHIR query template)`);
    }
    optionalString(s, 'usageRequirements', p, out);
  });
  return out;
}

/**
 * https://cds-hooks.hl7.org/2.0/#action — type (required), description (optional in 2.0, required in
 * 1.0), resource (create/update), resourceId (delete).
 */
function action(a: unknown, p: string, out: Out): void {
  if (!isObject(a)) {
    out.push(`${p}: must be an object`);
    return;
  }
  oneOf(a, 'type', ['create', 'update', 'delete'], p, out);
  optionalString(a, 'description', p, out);
  if ((a.type === 'create' || a.type === 'update') && !isObject(a.resource))
    out.push(`${p}.resource: is required for ${a.type} (a FHIR resource)`);
  if (a.type === 'delete' && a.resourceId === undefined && a.resource === undefined)
    out.push(`${p}.resourceId: is required for delete`);
}

/** https://cds-hooks.hl7.org/2.0/#card-attributes */
export function validateCard(c: unknown, p = 'card'): string[] {
  const out: Out = [];
  if (!isObject(c)) return [`${p}: must be an object`];
  optionalString(c, 'uuid', p, out);
  requireString(c, 'summary', p, out);
  // "summary: … brief, … less than 140 characters"
  if (str(c.summary) && (c.summary as string).length >= 140)
    out.push(`${p}.summary: must be under 140 characters`);
  optionalString(c, 'detail', p, out);
  oneOf(c, 'indicator', ['info', 'warning', 'critical'], p, out);
  if (!isObject(c.source)) out.push(`${p}.source: is required (object)`);
  else {
    requireString(c.source, 'label', `${p}.source`, out);
    optionalString(c.source, 'url', `${p}.source`, out);
    optionalString(c.source, 'icon', `${p}.source`, out);
    if (c.source.topic !== undefined) coding(c.source.topic, `${p}.source.topic`, out, false);
  }
  if (c.suggestions !== undefined) {
    array(c.suggestions, `${p}.suggestions`, out, (s, sp) => {
      if (!isObject(s)) {
        out.push(`${sp}: must be an object`);
        return;
      }
      requireString(s, 'label', sp, out);
      optionalString(s, 'uuid', sp, out);
      if (s.isRecommended !== undefined && typeof s.isRecommended !== 'boolean')
        out.push(`${sp}.isRecommended: must be a boolean`);
      if (s.actions !== undefined) array(s.actions, `${sp}.actions`, out, (a, ap) => action(a, ap, out));
    });
    // "selectionBehavior … MUST be provided if a card contains any suggestions"
    oneOf(c, 'selectionBehavior', ['at-most-one', 'any'], p, out);
  } else if (c.selectionBehavior !== undefined) oneOf(c, 'selectionBehavior', ['at-most-one', 'any'], p, out);
  if (c.overrideReasons !== undefined)
    array(c.overrideReasons, `${p}.overrideReasons`, out, (r, rp) => coding(r, rp, out));
  if (c.links !== undefined)
    array(c.links, `${p}.links`, out, (l, lp) => {
      if (!isObject(l)) {
        out.push(`${lp}: must be an object`);
        return;
      }
      requireString(l, 'label', lp, out);
      requireString(l, 'url', lp, out);
      oneOf(l, 'type', ['absolute', 'smart'], lp, out);
      optionalString(l, 'appContext', lp, out);
    });
  return out;
}

/** https://cds-hooks.hl7.org/2.0/#cds-service-response — `cards` (required, may be empty), `systemActions`. */
export function validateCardsResponse(doc: unknown): string[] {
  const out: Out = [];
  if (!isObject(doc)) return ['(root): must be an object'];
  array(doc.cards, 'cards', out, (c, p) => out.push(...validateCard(c, p)));
  if (doc.systemActions !== undefined)
    array(doc.systemActions, 'systemActions', out, (a, p) => action(a, p, out));
  return out;
}

/** https://cds-hooks.hl7.org/2.0/#feedback — one entry per card: card, outcome, acceptedSuggestions, overrideReason, outcomeTimestamp. */
export function validateFeedback(doc: unknown): string[] {
  const out: Out = [];
  if (!isObject(doc)) return ['(root): must be an object'];
  array(doc.feedback, 'feedback', out, (f, p) => {
    if (!isObject(f)) {
      out.push(`${p}: must be an object`);
      return;
    }
    requireString(f, 'card', p, out);
    oneOf(f, 'outcome', ['accepted', 'overridden'], p, out);
    if (f.acceptedSuggestions !== undefined)
      array(f.acceptedSuggestions, `${p}.acceptedSuggestions`, out, (s, sp) => {
        if (!isObject(s) || !nonEmpty(s.id)) out.push(`${sp}.id: is required (string)`);
      });
    if (f.overrideReason !== undefined) {
      if (!isObject(f.overrideReason)) out.push(`${p}.overrideReason: must be an object`);
      else {
        if (f.overrideReason.reason !== undefined)
          coding(f.overrideReason.reason, `${p}.overrideReason.reason`, out);
        optionalString(f.overrideReason, 'userComment', `${p}.overrideReason`, out);
      }
      if (f.outcome !== 'overridden') out.push(`${p}.overrideReason: only with outcome 'overridden'`);
    }
    if (!str(f.outcomeTimestamp) || Number.isNaN(Date.parse(f.outcomeTimestamp as string)))
      out.push(`${p}.outcomeTimestamp: is required (an instant)`);
  });
  return out;
}
