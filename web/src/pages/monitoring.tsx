/** Monitoring: input drift per feature (PSI / KS against the training profile), request rates and latency from /metrics. */
import { useMemo, useState } from 'react';
import { Chart } from '../chart';
import { shareBarsSpec } from '../charts';
import { navigate } from '../router';
import { can, useSession } from '../session';
import { fmt, Load, Problem, useLoad } from '../ui';

interface FeatureDrift {
  feature: string;
  referenceCount: number;
  currentCount: number;
  psi: number;
  ksStatistic: number;
  ksPValue: number;
  drifted: boolean;
}
interface Drift {
  model: { name: string; version: number };
  window: { rows: number; from: string | null; to: string | null };
  method: string;
  features: FeatureDrift[];
  driftedFeatures: number;
  shareDrifted: number;
  datasetDrift: boolean;
  thresholds: { psi: number; ksConfidence: number; driftShare: number };
}

export default function Monitoring({ name }: { name?: string }) {
  const s = useSession();
  const models = useLoad((signal) => s.api.get('/api/v1/models/', { signal }), []);
  const chosen = name ?? models.data?.[0]?.name;
  return (
    <>
      <h1>Monitoring</h1>
      <Load state={models} what="models">
        {(ms) =>
          ms.length ? (
            <div className="field">
              <label htmlFor="mon-model">Model</label>
              <select
                id="mon-model"
                value={chosen}
                onChange={(e) => navigate(`/monitoring/${encodeURIComponent(e.target.value)}`)}
              >
                {ms.map((m) => (
                  <option key={m.name}>{m.name}</option>
                ))}
              </select>
            </div>
          ) : (
            <p>No models registered yet.</p>
          )
        }
      </Load>
      {chosen ? <DriftView key={chosen} name={chosen} /> : null}
      {can(s, 'metrics:read') ? <Traffic /> : null}
    </>
  );
}

function DriftView({ name }: { name: string }) {
  const s = useSession();
  const [method, setMethod] = useState<'psi' | 'ks'>('psi');
  const state = useLoad(
    (signal) =>
      s.api.get('/api/v1/models/{name}/drift', {
        path: { name },
        query: { method },
        signal,
      }) as Promise<Drift>,
    [name, method],
  );
  return (
    <section aria-labelledby="drift-h">
      <h2 id="drift-h">Input drift</h2>
      <div className="field">
        <label htmlFor="drift-method">Method</label>
        <select id="drift-method" value={method} onChange={(e) => setMethod(e.target.value as 'psi' | 'ks')}>
          <option value="psi">Population stability index (PSI ≥ 0.1 drifts)</option>
          <option value="ks">Kolmogorov–Smirnov (95% confidence)</option>
        </select>
      </div>
      <Load state={state} what="drift">
        {(d) => <DriftReport d={d} />}
      </Load>
    </section>
  );
}

function DriftReport({ d }: { d: Drift }) {
  const spec = useMemo(
    () =>
      shareBarsSpec(
        d.features.map((f) => ({ name: f.feature, value: d.method === 'ks' ? f.ksStatistic : f.psi })),
        {
          title: d.method === 'ks' ? 'KS statistic per feature' : 'PSI per feature',
          axis: d.method === 'ks' ? 'KS statistic' : 'PSI',
          threshold: d.method === 'ks' ? undefined : d.thresholds.psi,
        },
      ),
    [d],
  );
  if (!d.window.rows)
    return (
      <p>
        No predictions logged yet for {d.model.name} v{d.model.version}: drift needs live inputs.
      </p>
    );
  return (
    <>
      <p>
        {d.model.name} v{d.model.version}: {fmt(d.window.rows)} logged rows; {d.driftedFeatures} of{' '}
        {d.features.length} features drifted ({(100 * d.shareDrifted).toFixed(0)}%).{' '}
        <strong>{d.datasetDrift ? 'The inputs have drifted.' : 'No dataset drift.'}</strong>
      </p>
      <Chart spec={spec} label={`Drift score of each of ${d.features.length} features`} />
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Feature</th>
              <th scope="col" className="num">
                PSI
              </th>
              <th scope="col" className="num">
                KS
              </th>
              <th scope="col" className="num">
                KS p
              </th>
              <th scope="col">Drifted</th>
            </tr>
          </thead>
          <tbody>
            {d.features.map((f) => (
              <tr key={f.feature}>
                <th scope="row">{f.feature}</th>
                <td className="num">{fmt(f.psi)}</td>
                <td className="num">{fmt(f.ksStatistic)}</td>
                <td className="num">{fmt(f.ksPValue)}</td>
                <td>{f.drifted ? <span className="badge warn">drifted</span> : 'no'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

/** Parses Prometheus text into samples. */
function parseProm(text: string): { name: string; labels: Record<string, string>; value: number }[] {
  const out: { name: string; labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    out.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return out;
}

function Traffic() {
  const s = useSession();
  const state = useLoad(async (signal) => {
    const res = await fetch('/metrics', { headers: s.api.headers(), signal });
    if (!res.ok) throw new Error(`/metrics answered ${res.status}`);
    return parseProm(await res.text());
  }, []);
  return (
    <section aria-labelledby="traffic-h">
      <h2 id="traffic-h">Requests and latency (since the server started)</h2>
      <button type="button" onClick={state.reload}>
        Refresh
      </button>
      {state.error ? <Problem error={state.error} title="Could not read metrics" /> : null}
      {state.data ? <TrafficTable samples={state.data} /> : null}
    </section>
  );
}

function TrafficTable({ samples }: { samples: ReturnType<typeof parseProm> }) {
  const routes = new Map<string, { count: number; sum: number; buckets: [number, number][] }>();
  for (const x of samples) {
    if (!x.name.startsWith('aegle_http_request_duration_seconds')) continue;
    const key = `${x.labels.method} ${x.labels.route}`;
    const r = routes.get(key) ?? { count: 0, sum: 0, buckets: [] };
    if (x.name.endsWith('_count')) r.count += x.value;
    else if (x.name.endsWith('_sum')) r.sum += x.value;
    else if (x.name.endsWith('_bucket'))
      r.buckets.push([Number(x.labels.le === '+Inf' ? Number.POSITIVE_INFINITY : x.labels.le), x.value]);
    routes.set(key, r);
  }
  const p95 = (b: [number, number][], n: number) => {
    const merged = new Map<number, number>();
    for (const [le, c] of b) merged.set(le, (merged.get(le) ?? 0) + c);
    const sorted = [...merged].sort((a, c) => a[0] - c[0]);
    return sorted.find(([, c]) => c >= 0.95 * n)?.[0] ?? null;
  };
  const rows = [...routes].filter(([, r]) => r.count > 0).sort((a, b) => b[1].count - a[1].count);
  const predictions = samples.filter((x) => x.name === 'aegle_predictions_total');
  return (
    <>
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Route</th>
              <th scope="col" className="num">
                Requests
              </th>
              <th scope="col" className="num">
                Mean ms
              </th>
              <th scope="col" className="num">
                p95 ≤ ms
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.slice(0, 30).map(([k, r]) => {
              const q = p95(r.buckets, r.count);
              return (
                <tr key={k}>
                  <th scope="row">
                    <code>{k}</code>
                  </th>
                  <td className="num">{fmt(r.count)}</td>
                  <td className="num">{((1000 * r.sum) / r.count).toFixed(1)}</td>
                  <td className="num">{q === null || !Number.isFinite(q) ? '—' : (1000 * q).toFixed(0)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <p>
        Predictions served:{' '}
        {predictions.length
          ? predictions.map((x) => `${x.labels.model} v${x.labels.version}: ${fmt(x.value)}`).join('; ')
          : 'none yet'}
        .
      </p>
    </>
  );
}
