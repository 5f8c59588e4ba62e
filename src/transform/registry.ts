/**
 * Restores fitted transformers from `toJSON()` output, by kind. Built-in kinds are registered by
 * `catalog.ts` (loaded by the folder's index).
 */
import { createError } from '../core/index.js';
import { FITTED_FORMAT_VERSION, type FittedJSON, type FittedTransformer } from './base.js';

type Restore = (params: Record<string, unknown>, state: Record<string, unknown>) => FittedTransformer;
const restorers = new Map<string, Restore>();

export function registerFitted(kind: string, restore: Restore): void {
  restorers.set(kind, restore);
}

/** Rebuilds a fitted transformer (or pipeline) from its JSON form. */
export function fittedFromJSON(json: unknown): FittedTransformer {
  const j = (typeof json === 'string' ? JSON.parse(json) : json) as Partial<FittedJSON> | null;
  if (!j || typeof j !== 'object' || j.format !== 'aegle.transform') {
    throw createError('AEGLE_TRANSFORM_BAD_STATE', { reason: "not an object with format 'aegle.transform'" });
  }
  if (typeof j.version !== 'number' || Math.floor(j.version) !== FITTED_FORMAT_VERSION) {
    throw createError('AEGLE_CORE_FORMAT_VERSION', {
      what: 'Fitted transformer',
      got: j.version,
      expected: FITTED_FORMAT_VERSION,
    });
  }
  const restore = restorers.get(String(j.kind));
  if (!restore) {
    throw createError('AEGLE_TRANSFORM_UNKNOWN_KIND', {
      kind: String(j.kind),
      where: ' in fitted state',
      known: [...restorers.keys()].join(', '),
    });
  }
  return restore(j.params ?? {}, j.state ?? {});
}
