/**
 * Drift of a registered model: live inputs (prediction log) against the training profile stored in
 * the artifact's manifest. The manifest keeps, per numeric feature, quantile bin edges with counts
 * (not the raw training values), so the reference sample is rebuilt from it — `count` points spread
 * evenly inside each bin, which reproduces the training CDF exactly at every edge and linearly
 * between — and the PSI/KS tests of `drift.ts` run on that. Categorical features compare level
 * shares (codes in the training level order; unseen live levels share one extra code).
 */
import type { ArtifactManifest, FeatureProfile } from '../registry/index.js';
import { type DriftMethod, type DriftReport, driftReport } from './drift.js';

/** Largest reference rebuilt per feature (the KS p-value uses this size). */
const MAX_REFERENCE = 20_000;

export function referenceSample(p: FeatureProfile): Float64Array {
  const total = p.counts.reduce((a, b) => a + b, 0);
  const scale = total > MAX_REFERENCE ? MAX_REFERENCE / total : 1;
  const out: number[] = [];
  if (p.type === 'categorical') {
    p.counts.forEach((c, k) => {
      for (let i = 0; i < Math.round(c * scale); i++) out.push(k);
    });
  } else {
    const { edges, counts } = p;
    if (edges.length === 1) for (let i = 0; i < Math.round(counts[0] * scale); i++) out.push(edges[0]);
    counts.forEach((c, b) => {
      const m = Math.round(c * scale);
      const lo = edges[b];
      const hi = edges[b + 1] ?? lo;
      for (let i = 0; i < m; i++) out.push(lo + ((i + 0.5) / m) * (hi - lo));
    });
  }
  return Float64Array.from(out);
}

function liveColumn(p: FeatureProfile, values: readonly (number | string | null)[]): Float64Array {
  const out = new Float64Array(values.length);
  if (p.type === 'categorical') {
    const index = new Map(p.levels.map((l, k) => [l, k]));
    values.forEach((v, i) => {
      out[i] = v === null ? Number.NaN : (index.get(String(v)) ?? p.levels.length);
    });
  } else {
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      out[i] = typeof v === 'number' ? v : Number.NaN;
    }
  }
  return out;
}

export interface ModelDriftReport extends DriftReport {
  readonly reference: 'artifact-profile';
  readonly currentRows: number;
}

/** Drift per input feature of a model version; `live` is one array per input-schema feature. */
export function modelDrift(
  manifest: ArtifactManifest,
  live: readonly (readonly (number | string | null)[])[],
  method: DriftMethod = 'psi',
): ModelDriftReport {
  const names: string[] = [];
  const refs: Float64Array[] = [];
  const curs: Float64Array[] = [];
  manifest.inputSchema.features.forEach((f, j) => {
    const p = manifest.profile?.[f.name];
    if (!p?.counts.length) return;
    names.push(f.name);
    refs.push(referenceSample(p));
    curs.push(liveColumn(p, live[j] ?? []));
  });
  return {
    ...driftReport(names, refs, curs, method),
    reference: 'artifact-profile',
    currentRows: live[0]?.length ?? 0,
  };
}
