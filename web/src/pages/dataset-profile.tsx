/** A dataset version's profile: summary, warnings, columns, distributions, missingness, correlations. */
import { useMemo } from 'react';
import { Chart } from '../chart';
import { binnedHistogramSpec, correlationHeatmapSpec, shareBarsSpec } from '../charts';
import { href, useRoute } from '../router';
import { has, useSession } from '../session';
import { fmt, Load, NotAvailable, Pager, useLoad, usePage } from '../ui';

interface ColumnProfile {
  name: string;
  type: string;
  kind: string;
  role: string | null;
  count: number;
  missing: number;
  missingShare: number;
  distinct: number;
  min: number | string | null;
  max: number | string | null;
  mean: number | null;
  sd: number | null;
  top: { value: string; count: number }[];
  histogram: { edges: number[]; counts: number[] } | null;
  clinical: { measure: string; unit: string; min: number; max: number; outOfRange: number } | null;
}
interface Profile {
  dataset: string;
  version: string;
  rows: number;
  duplicateRows: number;
  columns: ColumnProfile[];
  correlations: { columns: string[]; matrix: (number | null)[][]; sampleRows: number | null };
  warnings: { kind: string; column: string | null; severity: string; message: string }[];
}

/**
 * Columns whose values identify a patient (role id, or flagged ID-like by profiling): their values
 * (min, max, most frequent) are never shown, whatever the role.
 */
function identifying(p: Profile): Set<string> {
  const out = new Set(p.columns.filter((c) => c.role === 'id').map((c) => c.name));
  for (const w of p.warnings) if (w.kind === 'id_like' && w.column) out.add(w.column);
  return out;
}

export default function DatasetProfile({ name }: { name: string }) {
  const s = useSession();
  const { query } = useRoute();
  const version = query.get('version') ?? undefined;
  const state = useLoad(
    (signal) => s.api.get('/api/v1/datasets/{name}/profile', { path: { name }, query: { version }, signal }),
    [name, version],
  );
  return (
    <>
      <p>
        <a href={href('datasets')}>← Datasets</a>
      </p>
      <h1>
        Profile of <code>{name}</code>
      </h1>
      <Load state={state} what="the profile">
        {(p) => <ProfileView p={p as Profile} />}
      </Load>
      <section aria-labelledby="clean-h">
        <h2 id="clean-h">Cleaning</h2>
        {has(s, 'POST', '/api/v1/datasets/{name}/clean') ? (
          <p>
            Run a cleaning spec from the CLI: <code>aegle clean {name} --spec spec.yaml</code>.
          </p>
        ) : (
          <NotAvailable what="Running a cleaning spec" route="POST /api/v1/datasets/{name}/clean" />
        )}
      </section>
    </>
  );
}

function ProfileView({ p }: { p: Profile }) {
  const ids = useMemo(() => identifying(p), [p]);
  const numeric = p.columns.filter((c) => c.histogram && !ids.has(c.name));
  const missingSpec = useMemo(
    () =>
      shareBarsSpec(
        p.columns.map((c) => ({ name: c.name, value: c.missingShare })),
        { title: 'Missing share per column', axis: 'share missing', max: 1 },
      ),
    [p],
  );
  const corrSpec = useMemo(() => {
    const { columns, matrix } = p.correlations;
    if (columns.length < 2) return null;
    return correlationHeatmapSpec(
      columns,
      matrix.map((r) => r.map((v) => (v === null ? Number.NaN : v))),
      { title: 'Pearson correlation' },
    );
  }, [p]);
  const missingCells = p.columns.reduce((a, c) => a + c.missing, 0);
  const page = usePage(p.columns, 25);
  return (
    <>
      <dl className="stats">
        <div>
          <dt>Version</dt>
          <dd>
            <code>{p.version}</code>
          </dd>
        </div>
        <div>
          <dt>Rows</dt>
          <dd>{fmt(p.rows)}</dd>
        </div>
        <div>
          <dt>Columns</dt>
          <dd>{p.columns.length}</dd>
        </div>
        <div>
          <dt>Duplicate rows</dt>
          <dd>{fmt(p.duplicateRows)}</dd>
        </div>
        <div>
          <dt>Missing cells</dt>
          <dd>{fmt(missingCells)}</dd>
        </div>
      </dl>
      <section aria-labelledby="warn-h">
        <h2 id="warn-h">Warnings ({p.warnings.length})</h2>
        {p.warnings.length ? (
          <ul className="warnings">
            {p.warnings.map((w, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: fixed list
              <li key={i} className={`sev-${w.severity}`}>
                <span className="badge">{w.severity}</span> {w.message}
              </li>
            ))}
          </ul>
        ) : (
          <p>No warnings.</p>
        )}
      </section>
      <section aria-labelledby="cols-h">
        <h2 id="cols-h">Columns</h2>
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Column</th>
                <th scope="col">Kind</th>
                <th scope="col">Role</th>
                <th scope="col" className="num">
                  Missing
                </th>
                <th scope="col" className="num">
                  Distinct
                </th>
                <th scope="col" className="num">
                  Mean
                </th>
                <th scope="col" className="num">
                  SD
                </th>
                <th scope="col" className="num">
                  Min
                </th>
                <th scope="col" className="num">
                  Max
                </th>
                <th scope="col">Most frequent</th>
              </tr>
            </thead>
            <tbody>
              {page.rows.map((c) => {
                const hidden = ids.has(c.name);
                return (
                  <tr key={c.name}>
                    <th scope="row">
                      {c.name}
                      {c.clinical ? <span className="muted small"> ({c.clinical.unit})</span> : null}
                    </th>
                    <td>{c.kind}</td>
                    <td>{c.role ?? ''}</td>
                    <td className="num">{(100 * c.missingShare).toFixed(1)}%</td>
                    <td className="num">{fmt(c.distinct)}</td>
                    <td className="num">{hidden ? '' : fmt(c.mean)}</td>
                    <td className="num">{hidden ? '' : fmt(c.sd)}</td>
                    <td className="num">{hidden ? <span className="muted">hidden</span> : fmt(c.min)}</td>
                    <td className="num">{hidden ? <span className="muted">hidden</span> : fmt(c.max)}</td>
                    <td>
                      {hidden ? (
                        <span className="muted">identifier: values hidden</span>
                      ) : (
                        c.top
                          .slice(0, 3)
                          .map((t) => `${t.value} (${t.count})`)
                          .join(', ')
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
        <Pager {...page} label="columns" />
      </section>
      <section aria-labelledby="miss-h">
        <h2 id="miss-h">Missingness</h2>
        {missingCells ? (
          <Chart
            spec={missingSpec}
            label={`Share of missing values in each of ${p.columns.length} columns`}
          />
        ) : (
          <p>No missing values in any column.</p>
        )}
      </section>
      <section aria-labelledby="dist-h">
        <h2 id="dist-h">Distributions</h2>
        <div className="grid">
          {numeric.slice(0, 24).map((c) => (
            <Chart
              key={c.name}
              spec={binnedHistogramSpec(c.histogram!.edges, c.histogram!.counts, { field: c.name })}
              label={`Histogram of ${c.name}`}
            />
          ))}
        </div>
        {numeric.length > 24 ? (
          <p className="muted">Showing the first 24 of {numeric.length} numeric columns.</p>
        ) : null}
      </section>
      <section aria-labelledby="corr-h">
        <h2 id="corr-h">Correlations</h2>
        {corrSpec ? (
          <Chart
            spec={corrSpec}
            label={`Correlation heatmap of ${p.correlations.columns.length} numeric columns${p.correlations.sampleRows ? ` (from a sample of ${fmt(p.correlations.sampleRows)} rows)` : ''}`}
          />
        ) : (
          <p>Fewer than two numeric columns: no correlations.</p>
        )}
      </section>
    </>
  );
}
