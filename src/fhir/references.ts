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

/** Whether `s[from, to)` is a resource type name: `[A-Z][A-Za-z]+`. */
function isTypeName(s: string, from: number, to: number): boolean {
  if (to - from < 2) return false;
  const c0 = s.charCodeAt(from);
  if (c0 < 65 || c0 > 90) return false;
  for (let i = from + 1; i < to; i++) {
    const c = s.charCodeAt(i) | 32; // A-Z → a-z
    if (c < 97 || c > 122) return false;
  }
  return true;
}

/** Whether `s[from, to)` is an id: `[A-Za-z0-9\-.]{1,64}`. */
function isId(s: string, from: number, to: number): boolean {
  if (to - from < 1 || to - from > 64) return false;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    const letter = (c | 32) >= 97 && (c | 32) <= 122;
    if (!letter && !(c >= 48 && c <= 57) && c !== 45 && c !== 46) return false;
  }
  return true;
}

/** Resolves a reference string against the Bundle's fullUrls (if any). Null when it cannot be read. */
export function resolveReference(ref: string, index?: FullUrlIndex): ResolvedRef | null {
  const hit = index?.get(ref);
  if (hit) return hit;
  if (ref.startsWith('urn:uuid:') || ref.startsWith('urn:oid:'))
    return { type: null, id: ref.slice(ref.lastIndexOf(':') + 1) };
  // `Type/id`, the form of nearly every reference, without the regular expression
  const slash = ref.indexOf('/');
  if (slash > 0 && ref.indexOf('/', slash + 1) === -1) {
    if (isTypeName(ref, 0, slash) && isId(ref, slash + 1, ref.length))
      return { type: ref.slice(0, slash), id: ref.slice(slash + 1) };
    return null;
  }
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
