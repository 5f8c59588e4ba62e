/**
 * Analysis: Table 1, Kaplan–Meier curves with numbers at risk, Cox, correlations, clusters on a PCA
 * scatter, anomalies, association rules, time series and maps over a stored dataset, through
 * `POST /api/v1/analysis/{kind}` — the same `runAnalysis` and the same Vega-Lite specs as
 * `aegle analyze`, so the charts here are the CLI's charts.
 */
import { useMemo, useState } from 'react';
import type { Result } from '../api/client';
import { Chart } from '../chart';
import type { VegaLiteSpec } from '../charts';
import { has, useSession } from '../session';
import { Field, fmt, Load, NotAvailable, Problem, useLoad } from '../ui';

type AnalysisKind =
  | 'table1'
  | 'km'
  | 'cox'
  | 'corr'
  | 'crosstab'
  | 'kmeans'
  | 'dbscan'
  | 'hclust'
  | 'iforest'
  | 'mahalanobis'
  | 'rules'
  | 'trend'
  | 'news2'
  | 'map';
type Output = Result<'/api/v1/analysis/{kind}', 'post'>;
type Options = Record<string, unknown>;

/** What each option of the form is: a column, several columns, a number or a choice. */
type OptionField =
  | { key: string; label: string; type: 'column' | 'columns'; optional?: boolean; numeric?: boolean }
  | { key: string; label: string; type: 'number'; value: number; step?: number }
  | { key: string; label: string; type: 'choice'; values: string[] };

const KINDS: readonly { kind: AnalysisKind; what: string; fields: OptionField[] }[] = [
  {
    kind: 'table1',
    what: 'Table 1 (baseline characteristics)',
    fields: [
      { key: 'strata', label: 'Stratify by', type: 'column', optional: true },
      { key: 'variables', label: 'Variables (none: all)', type: 'columns', optional: true },
    ],
  },
  {
    kind: 'km',
    what: 'Kaplan–Meier survival curves',
    fields: [
      { key: 'time', label: 'Follow-up time', type: 'column', numeric: true },
      { key: 'event', label: 'Event (0/1)', type: 'column' },
      { key: 'group', label: 'Group (adds the log-rank test)', type: 'column', optional: true },
    ],
  },
  {
    kind: 'cox',
    what: 'Cox proportional hazards',
    fields: [
      { key: 'time', label: 'Follow-up time', type: 'column', numeric: true },
      { key: 'event', label: 'Event (0/1)', type: 'column' },
      { key: 'covariates', label: 'Covariates', type: 'columns' },
    ],
  },
  {
    kind: 'corr',
    what: 'Correlation heatmap',
    fields: [
      {
        key: 'columns',
        label: 'Columns (none: all numeric)',
        type: 'columns',
        optional: true,
        numeric: true,
      },
      { key: 'method', label: 'Method', type: 'choice', values: ['pearson', 'spearman'] },
    ],
  },
  {
    kind: 'kmeans',
    what: 'k-means clusters on a PCA scatter',
    fields: [
      { key: 'columns', label: 'Columns', type: 'columns', numeric: true },
      { key: 'k', label: 'Clusters (k)', type: 'number', value: 3 },
    ],
  },
  {
    kind: 'dbscan',
    what: 'DBSCAN clusters on a PCA scatter',
    fields: [
      { key: 'columns', label: 'Columns', type: 'columns', numeric: true },
      { key: 'eps', label: 'Radius (eps, standardised)', type: 'number', value: 0.5, step: 0.05 },
      { key: 'minSamples', label: 'Core-point threshold', type: 'number', value: 5 },
    ],
  },
  {
    kind: 'hclust',
    what: 'Hierarchical clustering (dendrogram)',
    fields: [
      { key: 'columns', label: 'Columns', type: 'columns', numeric: true },
      { key: 'k', label: 'Clusters (k)', type: 'number', value: 3 },
      { key: 'linkage', label: 'Linkage', type: 'choice', values: ['ward', 'average', 'complete', 'single'] },
    ],
  },
  {
    kind: 'iforest',
    what: 'Anomalies (isolation forest)',
    fields: [
      { key: 'columns', label: 'Columns', type: 'columns', numeric: true },
      { key: 'top', label: 'Rows to show', type: 'number', value: 10 },
    ],
  },
  {
    kind: 'rules',
    what: 'Association rules',
    fields: [
      { key: 'id', label: 'Transaction id', type: 'column' },
      { key: 'item', label: 'Item', type: 'column' },
      { key: 'minSupport', label: 'Minimum support', type: 'number', value: 0.05, step: 0.01 },
      { key: 'minConfidence', label: 'Minimum confidence', type: 'number', value: 0.5, step: 0.05 },
    ],
  },
  {
    kind: 'trend',
    what: 'Time series trend',
    fields: [
      { key: 'value', label: 'Value', type: 'column', numeric: true },
      { key: 'time', label: 'Time (none: row order)', type: 'column', optional: true },
    ],
  },
  {
    kind: 'map',
    what: 'Map (mean by US state)',
    fields: [
      { key: 'region', label: 'Region (state name or code)', type: 'column' },
      { key: 'value', label: 'Value', type: 'column', numeric: true },
    ],
  },
];

type Ds = Result<'/api/v1/datasets/', 'get'>[number];

export default function Analysis() {
  const s = useSession();
  const available = has(s, 'POST', '/api/v1/analysis/{kind}');
  const datasets = useLoad(
    (signal) => (available ? s.api.get('/api/v1/datasets/', { signal }) : Promise.resolve([] as Ds[])),
    [available],
  );
  return (
    <>
      <h1>Analysis</h1>
      {available ? (
        <Load state={datasets} what="datasets">
          {(ds) =>
            ds.length ? (
              <AnalysisForm datasets={ds} />
            ) : (
              <p>No datasets yet: upload one on the Datasets page.</p>
            )
          }
        </Load>
      ) : (
        <>
          <NotAvailable what="Analysis" route="POST /api/v1/analysis/{kind}" />
          <p>
            The analyses run from the command line meanwhile: <code>aegle analyze --help</code>.
          </p>
        </>
      )}
    </>
  );
}

function AnalysisForm({ datasets }: { datasets: readonly Ds[] }) {
  const s = useSession();
  const names = useMemo(() => [...new Set(datasets.map((d) => d.name))], [datasets]);
  const [dataset, setDataset] = useState(names[0]);
  const [kind, setKind] = useState<AnalysisKind>('table1');
  const [options, setOptions] = useState<Options>({});
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [out, setOut] = useState<Output | null>(null);
  const ds = datasets.find((d) => d.name === dataset) ?? datasets[0];
  const spec = KINDS.find((k) => k.kind === kind) ?? KINDS[0];
  const set = (k: string, v: unknown) => {
    const next = { ...options };
    if (v === undefined || v === '' || (Array.isArray(v) && v.length === 0)) delete next[k];
    else next[k] = v;
    setOptions(next);
  };
  const run = async () => {
    setBusy(true);
    setError(null);
    setOut(null);
    try {
      const body: Options = {};
      for (const f of spec.fields) {
        const v =
          options[f.key] ?? (f.type === 'number' ? f.value : f.type === 'choice' ? f.values[0] : undefined);
        if (v !== undefined) body[f.key] = v;
      }
      setOut(
        await s.api.post('/api/v1/analysis/{kind}', {
          path: { kind },
          body: { dataset: `${ds.name}@${ds.version}`, options: body },
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
        <div className="row">
          <Field label="Dataset">
            {(id) => (
              <select
                id={id}
                value={dataset}
                onChange={(e) => {
                  setDataset(e.target.value);
                  setOptions({});
                }}
              >
                {names.map((n) => (
                  <option key={n}>{n}</option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Analysis">
            {(id) => (
              <select
                id={id}
                value={kind}
                onChange={(e) => {
                  setKind(e.target.value as AnalysisKind);
                  setOptions({});
                  setOut(null);
                }}
              >
                {KINDS.map((k) => (
                  <option key={k.kind} value={k.kind}>
                    {k.what}
                  </option>
                ))}
              </select>
            )}
          </Field>
        </div>
        <div className="row">
          {spec.fields.map((f) => (
            <OptionInput key={`${kind}-${f.key}`} f={f} ds={ds} value={options[f.key]} set={set} />
          ))}
        </div>
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Running…' : 'Run analysis'}
        </button>
        <Problem error={error} title="The analysis failed" />
      </form>
      {out ? <AnalysisResult out={out} /> : null}
    </>
  );
}

function OptionInput({
  f,
  ds,
  value,
  set,
}: {
  f: OptionField;
  ds: Ds;
  value: unknown;
  set: (k: string, v: unknown) => void;
}) {
  const cols = ds.columns.filter((c) => !('numeric' in f && f.numeric) || c.kind !== 'categorical');
  if (f.type === 'number')
    return (
      <Field label={f.label}>
        {(id) => (
          <input
            id={id}
            type="number"
            step={f.step ?? 1}
            value={value === undefined ? f.value : String(value)}
            onChange={(e) => set(f.key, e.target.value === '' ? undefined : Number(e.target.value))}
          />
        )}
      </Field>
    );
  if (f.type === 'choice')
    return (
      <Field label={f.label}>
        {(id) => (
          <select id={id} value={String(value ?? f.values[0])} onChange={(e) => set(f.key, e.target.value)}>
            {f.values.map((v) => (
              <option key={v}>{v}</option>
            ))}
          </select>
        )}
      </Field>
    );
  if (f.type === 'column')
    return (
      <Field label={f.label}>
        {(id) => (
          <select
            id={id}
            required={!f.optional}
            value={String(value ?? '')}
            onChange={(e) => set(f.key, e.target.value || undefined)}
          >
            <option value="">{f.optional ? '(none)' : 'Choose a column'}</option>
            {cols.map((c) => (
              <option key={c.name}>{c.name}</option>
            ))}
          </select>
        )}
      </Field>
    );
  const picked = (value as string[] | undefined) ?? [];
  return (
    <fieldset className="checks">
      <legend>{f.label}</legend>
      {cols.map((c) => (
        <label key={c.name}>
          <input
            type="checkbox"
            checked={picked.includes(c.name)}
            onChange={(e) =>
              set(f.key, e.target.checked ? [...picked, c.name] : picked.filter((x) => x !== c.name))
            }
          />{' '}
          {c.name}
        </label>
      ))}
    </fieldset>
  );
}

function chartLabel(out: Output): string {
  const t = (out.chart as { title?: unknown } | null)?.title;
  const title = typeof t === 'string' ? t : (t as { text?: string } | undefined)?.text;
  return `${title ?? out.kind} (${out.dataset}@${out.version.slice(0, 12)})`;
}

function AnalysisResult({ out }: { out: Output }) {
  const r = out.result as Record<string, unknown>;
  return (
    <section aria-labelledby="result-h" data-testid="analysis-result">
      <h2 id="result-h">
        Result <span className="muted small">({out.rows} rows)</span>
      </h2>
      {out.chart ? <Chart spec={out.chart as VegaLiteSpec} label={chartLabel(out)} /> : null}
      {out.kind === 'table1' ? <Table1View t={r as unknown as Table1} /> : null}
      {out.kind === 'km' ? <KmView r={r as unknown as KmResult} /> : null}
      {out.kind === 'rules' ? <RulesView r={r as unknown as RulesResult} /> : null}
      {Array.isArray(r.profiles) ? <ProfilesView profiles={r.profiles as Profile[]} /> : null}
      {out.kind !== 'table1' ? (
        <details open={!out.chart}>
          <summary>Summary as text</summary>
          <pre className="log">{out.text}</pre>
        </details>
      ) : null}
    </section>
  );
}

interface Table1 {
  strata: string[];
  columns: string[];
  rows: { variable: string; level?: string; kind: string; summary?: string; cells: string[]; p?: number }[];
}

function Table1View({ t }: { t: Table1 }) {
  return (
    <div className="table-wrap">
      <table data-testid="table1">
        <caption className="sr-only">Table 1</caption>
        <thead>
          <tr>
            <th scope="col">Variable</th>
            {t.columns.map((c) => (
              <th key={c} scope="col" className="num">
                {c}
              </th>
            ))}
            <th scope="col" className="num">
              p
            </th>
          </tr>
        </thead>
        <tbody>
          {t.rows.map((row) => (
            <tr key={`${row.variable}-${row.level ?? ''}-${row.kind}`}>
              <th scope="row">
                {row.kind === 'level' ? <span className="muted">&nbsp;&nbsp;{row.level}</span> : row.variable}
                {row.summary ? <span className="muted small"> {row.summary}</span> : null}
              </th>
              {t.columns.map((c, i) => (
                <td key={c} className="num">
                  {row.cells[i] ?? ''}
                </td>
              ))}
              <td className="num">
                {row.p === undefined ? '' : row.p < 0.001 ? '<0.001' : row.p.toFixed(3)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

interface KmResult {
  groups: { name: string; nRisk: number[]; median: number | null }[];
  logrank?: { chisq: number; df: number; p: number };
}

function KmView({ r }: { r: KmResult }) {
  return (
    <>
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Group</th>
              <th scope="col" className="num">
                At risk at start
              </th>
              <th scope="col" className="num">
                Median survival
              </th>
            </tr>
          </thead>
          <tbody>
            {r.groups.map((g) => (
              <tr key={g.name}>
                <th scope="row">{g.name}</th>
                <td className="num">{fmt(g.nRisk[0])}</td>
                <td className="num">{g.median === null ? 'not reached' : fmt(g.median)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {r.logrank ? (
        <p>
          Log-rank χ² = {fmt(r.logrank.chisq)} (df {r.logrank.df}), p = {fmt(r.logrank.p, 4)}
        </p>
      ) : null}
    </>
  );
}

interface RulesResult {
  transactions: number;
  rules: { antecedent: string[]; consequent: string[]; support: number; confidence: number; lift: number }[];
}

function RulesView({ r }: { r: RulesResult }) {
  if (!r.rules.length) return <p>No rules at these thresholds ({r.transactions} transactions).</p>;
  return (
    <div className="table-wrap">
      <table>
        <caption className="sr-only">Association rules</caption>
        <thead>
          <tr>
            <th scope="col">If</th>
            <th scope="col">Then</th>
            <th scope="col" className="num">
              Support
            </th>
            <th scope="col" className="num">
              Confidence
            </th>
            <th scope="col" className="num">
              Lift
            </th>
          </tr>
        </thead>
        <tbody>
          {r.rules.map((x) => (
            <tr key={`${x.antecedent.join(',')}→${x.consequent.join(',')}`}>
              <td>{x.antecedent.join(', ')}</td>
              <td>{x.consequent.join(', ')}</td>
              <td className="num">{fmt(x.support)}</td>
              <td className="num">{fmt(x.confidence)}</td>
              <td className="num">{fmt(x.lift)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

interface Profile {
  cluster: number;
  size: number;
  distinguishing: { feature: string; diff: number }[];
}

function ProfilesView({ profiles }: { profiles: Profile[] }) {
  return (
    <div className="table-wrap">
      <table>
        <caption className="sr-only">Cluster profiles</caption>
        <thead>
          <tr>
            <th scope="col">Cluster</th>
            <th scope="col" className="num">
              Size
            </th>
            <th scope="col">Distinguishing features (difference from the rest, in SD)</th>
          </tr>
        </thead>
        <tbody>
          {profiles.map((p) => (
            <tr key={p.cluster}>
              <th scope="row">{p.cluster}</th>
              <td className="num">{p.size}</td>
              <td>
                {p.distinguishing
                  .map((d) => `${d.feature} ${d.diff > 0 ? '+' : ''}${d.diff.toFixed(2)}`)
                  .join(', ')}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
