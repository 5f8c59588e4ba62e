/**
 * A dataset version's profile: summary, warnings, columns, distributions, missingness, correlations;
 * and running a cleaning spec on it (a new version plus the cleaning report).
 */
import { useMemo, useState } from 'react';
import type { Result } from '../api/client';
import { Chart } from '../chart';
import { binnedHistogramSpec, correlationHeatmapSpec, shareBarsSpec } from '../charts';
import { href, useRoute } from '../router';
import { can, has, useSession } from '../session';
import { Field, fmt, Load, NotAvailable, Pager, Problem, useLoad, usePage } from '../ui';

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
        {!has(s, 'POST', '/api/v1/datasets/{name}/clean') ? (
          <NotAvailable what="Running a cleaning spec" route="POST /api/v1/datasets/{name}/clean" />
        ) : can(s, 'datasets:write') ? (
          <Clean name={name} version={version} />
        ) : (
          <p className="muted">Your role may read this dataset but not write a cleaned version of it.</p>
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

const EXAMPLE_SPEC = `# docs/CLEANING.md: steps run in order, each fitted on this data
steps:
  - dedupe: {}
  - outliers: { method: clinical, action: set_missing }
  - impute: { strategy: median }
`;

type CleanResult = Result<'/api/v1/datasets/{name}/clean', 'post'>;

/** Runs a cleaning spec (YAML or JSON) into a new dataset and shows its report. */
function Clean({ name, version }: { name: string; version?: string }) {
  const s = useSession();
  const [spec, setSpec] = useState(EXAMPLE_SPEC);
  const [out, setOut] = useState(`${name}_clean`);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [res, setRes] = useState<CleanResult | null>(null);
  const run = async () => {
    setBusy(true);
    setError(null);
    setRes(null);
    try {
      setRes(
        await s.api.post('/api/v1/datasets/{name}/clean', {
          path: { name },
          body: { spec, out, ...(version ? { version } : {}) },
        }),
      );
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <form
        className="card form"
        onSubmit={(e) => {
          e.preventDefault();
          void run();
        }}
      >
        <Field
          label="Cleaning spec (YAML or JSON)"
          hint="Steps: dedupe, units, outliers, impute, scale, log, onehot, ordinal."
        >
          {(id, hint) => (
            <textarea
              id={id}
              aria-describedby={hint}
              rows={7}
              spellCheck={false}
              value={spec}
              onChange={(e) => setSpec(e.target.value)}
            />
          )}
        </Field>
        <Field label="Cleaned dataset name">
          {(id) => (
            <input
              id={id}
              required
              pattern="[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}"
              value={out}
              onChange={(e) => setOut(e.target.value)}
            />
          )}
        </Field>
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Cleaning…' : 'Run cleaning'}
        </button>
        <Problem error={error} title="Cleaning failed" />
      </form>
      {res ? <CleanReport res={res} /> : null}
    </>
  );
}

function CleanReport({ res }: { res: CleanResult }) {
  const r = res.report;
  const totals = Object.entries(r.totals).filter(([, c]) => Object.values(c).some((v) => v > 0));
  return (
    <section aria-labelledby="clean-report-h" data-testid="clean-report">
      <h3 id="clean-report-h">Cleaning report</h3>
      <p role="status">
        {res.unchanged ? 'Unchanged: this spec on this data is already ' : 'Wrote '}
        <a href={`${href('datasets', res.dataset)}?version=${encodeURIComponent(res.version)}`}>
          {res.dataset}@{res.version.slice(0, 12)}
        </a>{' '}
        from {res.parent}: {res.rowsOut} of {res.rowsIn} rows kept.
      </p>
      <div className="table-wrap">
        <table>
          <caption className="sr-only">Steps</caption>
          <thead>
            <tr>
              <th scope="col">Step</th>
              <th scope="col" className="num">
                Rows in
              </th>
              <th scope="col" className="num">
                Rows out
              </th>
              <th scope="col" className="num">
                Dropped
              </th>
              <th scope="col" className="num">
                Value problems
              </th>
              <th scope="col">Columns added / removed</th>
            </tr>
          </thead>
          <tbody>
            {r.steps.map((st) => (
              <tr key={st.step}>
                <th scope="row">
                  {st.step}
                  {st.skipped ? <span className="muted small"> (skipped)</span> : null}
                </th>
                <td className="num">{fmt(st.rowsIn)}</td>
                <td className="num">{fmt(st.rowsOut)}</td>
                <td className="num">{fmt(st.dropped)}</td>
                <td className="num">{fmt(st.errors)}</td>
                <td>
                  {[...st.added.map((c) => `+${c}`), ...st.removed.map((c) => `−${c}`)].join(', ') || '—'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {totals.length ? (
        <div className="table-wrap">
          <table>
            <caption>Changes by column</caption>
            <thead>
              <tr>
                <th scope="col">Column</th>
                {['imputed', 'clipped', 'setMissing', 'converted', 'unconvertible', 'transformed'].map(
                  (k) => (
                    <th key={k} scope="col" className="num">
                      {k}
                    </th>
                  ),
                )}
              </tr>
            </thead>
            <tbody>
              {totals.map(([col, c]) => (
                <tr key={col}>
                  <th scope="row">{col}</th>
                  {['imputed', 'clipped', 'setMissing', 'converted', 'unconvertible', 'transformed'].map(
                    (k) => (
                      <td key={k} className="num">
                        {c[k] ? fmt(c[k]) : ''}
                      </td>
                    ),
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p>No values changed.</p>
      )}
      {r.droppedTotal ? (
        <details>
          <summary>
            {r.droppedTotal} dropped rows
            {r.droppedTotal > r.dropped.length ? ` (first ${r.dropped.length})` : ''}
          </summary>
          <ul className="small">
            {r.dropped.map((d) => (
              <li key={`${d.step}-${d.row}`}>
                row {d.row}: {d.reason} ({d.step}){d.keptRow !== undefined ? `, kept row ${d.keptRow}` : ''}
              </li>
            ))}
          </ul>
        </details>
      ) : null}
      {r.errorsTotal ? (
        <details>
          <summary>{r.errorsTotal} value problems</summary>
          <ul className="small">
            {r.errors.map((e) => (
              <li key={`${e.step}-${e.row}-${e.column}`}>
                row {e.row}, {e.column}: {e.message} ({e.step})
              </li>
            ))}
          </ul>
        </details>
      ) : null}
    </section>
  );
}
