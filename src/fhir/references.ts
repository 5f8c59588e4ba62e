/**
 * Reference resolution: `Type/id`, absolute `http…/Type/id[/_history/v]`, and `urn:uuid:` /
 * `urn:oid:` references that point at another entry's `fullUrl` in the same Bundle.
 * Spec: https://hl7.org/fhir/R4/references.html and https://hl7.org/fhir/R4/bundle.html#references
 */
import type { Reference } from './types.js';

export interface ResolvedRef {
  readonly type: string | null;
  readonly id: string;
}

/** fullUrl → the entry's type and id, for the Bundle being read. */
export type FullUrlIndex = ReadonlyMap<string, ResolvedRef>;

const REL_RE = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(\/_history\/[A-Za-z0-9\-.]+)?$/;
const ABS_RE = /\/([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(\/_history\/[A-Za-z0-9\-.]+)?$/;

/** Resolves a reference string against the Bundle's fullUrls (if any). Null when it cannot be read. */
export function resolveReference(ref: string, index?: FullUrlIndex): ResolvedRef | null {
  const hit = index?.get(ref);
  if (hit) return hit;
  if (ref.startsWith('urn:uuid:') || ref.startsWith('urn:oid:'))
    return { type: null, id: ref.slice(ref.lastIndexOf(':') + 1) };
  const rel = REL_RE.exec(ref);
  if (rel) return { type: rel[1], id: rel[2] };
  const abs = ABS_RE.exec(ref);
  if (abs) return { type: abs[1], id: abs[2] };
  return null;
}

/** The id a Reference points at (when of the expected type or untyped), or null. */
export function referencedId(
  ref: Reference | undefined,
  expectedType: string,
  index?: FullUrlIndex,
): string | null {
  if (!ref || typeof ref.reference !== 'string') return null;
  const r = resolveReference(ref.reference, index);
  if (!r) return null;
  if (r.type !== null && r.type !== expectedType) return null;
  return r.id;
}
