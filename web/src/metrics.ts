/** Metrics as the registry stores them: `{ evaluation, values: {auroc: 0.8, …}, sd? }` or a flat map. */
export function metricValues(m: unknown): Record<string, number> {
  if (!m || typeof m !== 'object') return {};
  const o = m as Record<string, unknown>;
  const src = o.values && typeof o.values === 'object' ? (o.values as Record<string, unknown>) : o;
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(src)) if (typeof v === 'number' && Number.isFinite(v)) out[k] = v;
  return out;
}

export function metricEvaluation(m: unknown): string | null {
  const e = (m as { evaluation?: unknown } | null)?.evaluation;
  return typeof e === 'string' ? e : null;
}

/** Metrics where lower is better. */
export const LOWER_IS_BETTER = new Set(['brier', 'log_loss', 'mae', 'rmse']);
