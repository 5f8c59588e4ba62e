/**
 * Models: the registry's models, a model's versions with their metrics, two versions side by side,
 * promotion by moving an alias, a version's validation (ROC, PR, calibration and decision curves, the
 * operating table, subgroups, SHAP summary) and its full report (model card).
 */
import { useMemo, useState } from 'react';
import { Chart } from '../chart';
import { compareBarsSpec } from '../charts';
import type { Result } from '../api/client';
import type { VegaLiteSpec } from '../charts';
import { LOWER_IS_BETTER, metricEvaluation, metricValues } from '../metrics';
import { href, navigate } from '../router';
import { can, has, useSession } from '../session';
import { Field, fmt, Load, NotAvailable, Pager, Problem, useLoad, usePage, when } from '../ui';

export default function Models({
  name,
  view,
  a,
  b,
}: {
  name?: string;
  view?: string;
  a?: string;
  b?: string;
}) {
  if (!name) return <ModelList />;
  if (view === 'compare' && a && b) return <Compare name={name} a={Number(a)} b={Number(b)} />;
  if (view === 'report' && a) return <Report name={name} version={Number(a)} />;
  return <ModelVersions name={name} />;
}

function ModelList() {
  const s = useSession();
  const list = useLoad((signal) => s.api.get('/api/v1/models/', { signal }), []);
  return (
    <>
      <h1>Models</h1>
      <Load state={list} what="models">
        {(models) =>
          models.length ? (
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Model</th>
                    <th scope="col" className="num">
                      Latest version
                    </th>
                    <th scope="col">Aliases</th>
                    <th scope="col">Owner</th>
                    <th scope="col">Intended use</th>
                  </tr>
                </thead>
                <tbody>
                  {models.map((m) => (
                    <tr key={m.name}>
                      <th scope="row">
                        <a href={href('models', m.name)}>{m.name}</a>
                      </th>
                      <td className="num">{m.latestVersion ?? '—'}</td>
                      <td>
                        {Object.entries(m.aliases).map(([al, v]) => (
                          <span key={al} className="badge">
                            {al} → v{v}
                          </span>
                        ))}
                      </td>
                      <td>{m.owner ?? '—'}</td>
                      <td>{m.intendedUse ?? '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : (
            <p>No models registered yet. Train one on the Train page.</p>
          )
        }
      </Load>
    </>
  );
}

function ModelVersions({ name }: { name: string }) {
  const s = useSession();
  const versions = useLoad(
    (signal) => s.api.get('/api/v1/models/{name}/versions', { path: { name }, signal }),
    [name],
  );
  const [picked, setPicked] = useState<number[]>([]);
  const [alias, setAlias] = useState('champion');
  const [busy, setBusy] = useState<number | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);
  const writer = can(s, 'models:write');
  const rows = versions.data ?? [];
  const metricNames = useMemo(
    () => [...new Set(rows.flatMap((v) => Object.keys(metricValues(v.metrics))))].slice(0, 6),
    [rows],
  );
  const page = usePage(rows, 15);
  const promote = async (version: number) => {
    setBusy(version);
    setError(null);
    setDone(null);
    try {
      await s.api.put('/api/v1/models/{name}/aliases/{alias}', { path: { name, alias }, body: { version } });
      setDone(`'${alias}' now points at version ${version}. New predictions use it at once.`);
      versions.reload();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(null);
    }
  };
  return (
    <>
      <p>
        <a href={href('models')}>← Models</a>
      </p>
      <h1>
        Model <code>{name}</code>
      </h1>
      <Load state={versions} what="versions">
        {() => (
          <>
            <div className="row">
              {writer ? (
                <div className="field">
                  <label htmlFor="alias-name">Alias to move</label>
                  <input
                    id="alias-name"
                    value={alias}
                    onChange={(e) => setAlias(e.target.value)}
                    pattern="[A-Za-z][A-Za-z0-9_-]{0,63}"
                  />
                </div>
              ) : null}
              <button
                type="button"
                className="primary"
                disabled={picked.length !== 2}
                onClick={() =>
                  navigate(
                    `/models/${encodeURIComponent(name)}/compare/${Math.min(...picked)}/${Math.max(...picked)}`,
                  )
                }
              >
                Compare selected ({picked.length}/2)
              </button>
            </div>
            <p role="status" className="ok">
              {done}
            </p>
            <Problem error={error} title="Could not move the alias" />
            <div className="table-wrap">
              <table>
                <caption className="sr-only">Versions of {name}, newest first</caption>
                <thead>
                  <tr>
                    <th scope="col">Compare</th>
                    <th scope="col">Version</th>
                    <th scope="col">Kind</th>
                    <th scope="col">Aliases</th>
                    {metricNames.map((m) => (
                      <th key={m} scope="col" className="num">
                        {m}
                      </th>
                    ))}
                    <th scope="col">Created</th>
                    <th scope="col">Actions</th>
                  </tr>
                </thead>
                <tbody>
                  {page.rows.map((v) => {
                    const mv = metricValues(v.metrics);
                    return (
                      <tr key={v.version}>
                        <td>
                          <input
                            type="checkbox"
                            aria-label={`Compare version ${v.version}`}
                            checked={picked.includes(v.version)}
                            onChange={(e) =>
                              setPicked(
                                e.target.checked
                                  ? [...picked.filter((x) => x !== v.version).slice(-1), v.version]
                                  : picked.filter((x) => x !== v.version),
                              )
                            }
                          />
                        </td>
                        <th scope="row">v{v.version}</th>
                        <td>
                          {v.kind} · {v.task}
                        </td>
                        <td>
                          {v.aliases.map((al) => (
                            <span key={al} className="badge">
                              {al}
                            </span>
                          ))}
                          {v.archivedAt ? <span className="badge muted">archived</span> : null}
                        </td>
                        {metricNames.map((m) => (
                          <td key={m} className="num">
                            {fmt(mv[m])}
                          </td>
                        ))}
                        <td>{when(v.createdAt)}</td>
                        <td className="actions">
                          <a href={href('models', name, 'report', v.version)}>Report</a>
                          {writer && !v.aliases.includes(alias) ? (
                            <button
                              type="button"
                              disabled={busy !== null || !alias}
                              onClick={() => promote(v.version)}
                            >
                              {busy === v.version ? 'Moving…' : `Make ${alias || '…'}`}
                            </button>
                          ) : null}
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
            <Pager {...page} label="versions" />
          </>
        )}
      </Load>
      <Curves name={name} versions={rows.map((v) => v.version)} />
    </>
  );
}

type Evaluation = Result<'/api/v1/models/{name}/versions/{version}/evaluation', 'get'>;

/**
 * ROC / PR / calibration / decision curves, the operating table, subgroups and the SHAP summary of a
 * version on a dataset (default: the one it was trained on), computed by the server on request.
 */
function Curves({ name, versions }: { name: string; versions: number[] }) {
  const s = useSession();
  const available = has(s, 'GET', '/api/v1/models/{name}/versions/{version}/evaluation');
  const reader = can(s, 'datasets:read');
  const datasets = useLoad(
    (signal) => (available && reader ? s.api.get('/api/v1/datasets/', { signal }) : Promise.resolve([])),
    [available, reader],
  );
  const [version, setVersion] = useState<number | null>(null);
  const [dataset, setDataset] = useState('');
  const [group, setGroup] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [res, setRes] = useState<Evaluation | null>(null);
  const v = version ?? versions[0];
  const names = [...new Set((datasets.data ?? []).map((d) => d.name))];
  const run = async () => {
    setBusy(true);
    setError(null);
    setRes(null);
    try {
      setRes(
        await s.api.get('/api/v1/models/{name}/versions/{version}/evaluation', {
          path: { name, version: v },
          query: { dataset: dataset || undefined, group: group || undefined },
        }),
      );
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section aria-labelledby="curves-h">
      <h2 id="curves-h">Validation</h2>
      {!available ? (
        <NotAvailable
          what="ROC, precision–recall, calibration and decision curves, SHAP and subgroups"
          route="GET /api/v1/models/{name}/versions/{version}/evaluation"
        />
      ) : !reader ? (
        <p className="muted">Validation reads a dataset; your role may not read datasets.</p>
      ) : v === undefined ? null : (
        <>
          <form
            className="card form"
            onSubmit={(e) => {
              e.preventDefault();
              void run();
            }}
          >
            <div className="row">
              <Field label="Version">
                {(id) => (
                  <select id={id} value={v} onChange={(e) => setVersion(Number(e.target.value))}>
                    {versions.map((x) => (
                      <option key={x} value={x}>
                        v{x}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
              <Field
                label="Evaluation dataset"
                hint="Data with the outcome column; best a held-out or external set."
              >
                {(id, hint) => (
                  <select
                    id={id}
                    aria-describedby={hint}
                    value={dataset}
                    onChange={(e) => setDataset(e.target.value)}
                  >
                    <option value="">the training dataset</option>
                    {names.map((n) => (
                      <option key={n}>{n}</option>
                    ))}
                  </select>
                )}
              </Field>
              <Field label="Subgroup columns" hint="Comma-separated, e.g. sex,diabetes.">
                {(id, hint) => (
                  <input
                    id={id}
                    aria-describedby={hint}
                    value={group}
                    onChange={(e) => setGroup(e.target.value)}
                  />
                )}
              </Field>
            </div>
            <button type="submit" className="primary" disabled={busy}>
              {busy ? 'Computing…' : 'Show validation'}
            </button>
            <Problem error={error} title="Could not compute the validation" />
          </form>
          {res ? <EvaluationView e={res} /> : null}
        </>
      )}
    </section>
  );
}

const CHART_ORDER = ['roc', 'pr', 'calibration', 'decision', 'shapSummary', 'importance'];

function EvaluationView({ e }: { e: Evaluation }) {
  const d = e.discrimination;
  const c = e.calibration;
  const rank = (k: string) => (CHART_ORDER.includes(k) ? CHART_ORDER.indexOf(k) : CHART_ORDER.length);
  const charts = Object.entries(e.charts).sort(([a], [b]) => rank(a) - rank(b));
  return (
    <div data-testid="evaluation">
      {e.dataset.includesTrainingRows ? (
        <div className="notice" role="note">
          Evaluated on <code>{e.dataset.name}</code>, the dataset this version was trained on: these figures
          include training rows and are optimistic. Choose a held-out or external dataset for an honest check.
        </div>
      ) : null}
      <dl className="stats">
        <div>
          <dt>AUROC (95% CI)</dt>
          <dd data-testid="auroc">
            {fmt(d.auroc)} ({fmt(d.aurocCI?.[0])}–{fmt(d.aurocCI?.[1])})
          </dd>
        </div>
        <div>
          <dt>AUPRC</dt>
          <dd>{fmt(d.auprc)}</dd>
        </div>
        <div>
          <dt>Calibration-in-the-large</dt>
          <dd>{fmt(c.calibrationInTheLarge)}</dd>
        </div>
        <div>
          <dt>Calibration slope</dt>
          <dd>{fmt(c.slope)}</dd>
        </div>
        <div>
          <dt>Brier</dt>
          <dd>{fmt(c.brier)}</dd>
        </div>
        <div>
          <dt>Rows / events</dt>
          <dd>
            {fmt(e.n)} / {fmt(e.events)}
          </dd>
        </div>
      </dl>
      <div className="grid">
        {charts.map(([k, ch]) => (
          <Chart
            key={k}
            spec={ch.spec as VegaLiteSpec}
            label={`${ch.title} of ${e.model.name} v${e.model.version}`}
          />
        ))}
      </div>
      <h3>SHAP summary</h3>
      <div className="table-wrap">
        <table data-testid="shap-table">
          <caption className="sr-only">Mean absolute SHAP value per feature ({e.shap.space})</caption>
          <thead>
            <tr>
              <th scope="col">Feature</th>
              <th scope="col" className="num">
                Mean |SHAP| ({e.shap.space})
              </th>
              <th scope="col" className="num">
                Permutation importance
              </th>
            </tr>
          </thead>
          <tbody>
            {e.shap.features.map((f) => (
              <tr key={f.feature}>
                <th scope="row">{f.feature}</th>
                <td className="num">{fmt(f.meanAbsShap, 4)}</td>
                <td className="num">
                  {fmt(f.permutationMean, 4)} ± {fmt(f.permutationSd, 4)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h3>Operating points</h3>
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              {['Threshold', 'Sensitivity', 'Specificity', 'PPV', 'NPV', 'Alert rate', 'Net benefit'].map(
                (h) => (
                  <th key={h} scope="col" className="num">
                    {h}
                  </th>
                ),
              )}
            </tr>
          </thead>
          <tbody>
            {e.operatingTable.map((o) => (
              <tr key={String(o.threshold)} className={o.threshold === e.threshold ? 'better' : undefined}>
                <th scope="row" className="num">
                  {fmt(o.threshold, 2)}
                </th>
                <td className="num">{fmt(o.sensitivity)}</td>
                <td className="num">{fmt(o.specificity)}</td>
                <td className="num">{fmt(o.ppv)}</td>
                <td className="num">{fmt(o.npv)}</td>
                <td className="num">{fmt(o.alertRate)}</td>
                <td className="num">{fmt(o.netBenefit)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {e.subgroups.map((g) => (
        <div key={g.column}>
          <h3>Subgroups by {g.column}</h3>
          <div className="table-wrap">
            <table data-testid="subgroup-table">
              <thead>
                <tr>
                  {[
                    'Group',
                    'n',
                    'Events',
                    'AUROC',
                    'Calibration slope',
                    'O/E',
                    'TPR',
                    'FPR',
                    'Alert rate',
                  ].map((h) => (
                    <th key={h} scope="col" className={h === 'Group' ? undefined : 'num'}>
                      {h}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {g.rows.map((r) => (
                  <tr key={r.group}>
                    <th scope="row">
                      {r.group}
                      {r.tooSmall ? <span className="muted small"> (too small to judge)</span> : null}
                    </th>
                    <td className="num">{fmt(r.n)}</td>
                    <td className="num">{fmt(r.events)}</td>
                    <td className="num">{fmt(r.auroc)}</td>
                    <td className="num">{fmt(r.calibrationSlope)}</td>
                    <td className="num">{fmt(r.observedExpectedRatio)}</td>
                    <td className="num">{fmt(r.tpr)}</td>
                    <td className="num">{fmt(r.fpr)}</td>
                    <td className="num">{fmt(r.alertRate)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <p className="muted small">
            Equalised-odds difference {fmt(g.equalizedOddsDifference)}; demographic-parity difference{' '}
            {fmt(g.demographicParityDifference)} (threshold {fmt(g.threshold, 2)}).
          </p>
        </div>
      ))}
    </div>
  );
}

function Compare({ name, a, b }: { name: string; a: number; b: number }) {
  const s = useSession();
  const state = useLoad(
    (signal) =>
      Promise.all(
        [a, b].map(
          (version) =>
            s.api.get('/api/v1/models/{name}/versions/{version}/report', {
              path: { name, version },
              signal,
            }) as Promise<Card>,
        ),
      ),
    [name, a, b],
  );
  return (
    <>
      <p>
        <a href={href('models', name)}>← {name}</a>
      </p>
      <h1>
        Compare {name} v{a} and v{b}
      </h1>
      <Load state={state} what="the two versions">
        {(cards) => <CompareView cards={cards} />}
      </Load>
    </>
  );
}

interface Card {
  model: {
    name: string;
    version: number;
    kind: string;
    task: string;
    owner: string | null;
    intendedUse: string | null;
    description: string | null;
  };
  inputs: {
    name: string;
    type: string;
    unit?: string;
    range?: [number, number];
    rangeSource?: string;
    levels?: string[];
  }[];
  target: string;
  classes: string[] | null;
  threshold: number | null;
  metrics: unknown;
  lineage: Record<string, unknown> | null;
  artifactHash: string;
}

function CompareView({ cards }: { cards: Card[] }) {
  const [x, y] = cards;
  const mx = metricValues(x.metrics);
  const my = metricValues(y.metrics);
  const names = [...new Set([...Object.keys(mx), ...Object.keys(my)])];
  const spec = useMemo(() => {
    const byVersion = cards.map((c) => ({ version: `v${c.model.version}`, values: metricValues(c.metrics) }));
    const metrics = [...new Set(byVersion.flatMap((v) => Object.keys(v.values)))];
    return compareBarsSpec(
      metrics.flatMap((metric) =>
        byVersion
          .filter((v) => v.values[metric] !== undefined)
          .map((v) => ({ metric, version: v.version, value: v.values[metric] })),
      ),
    );
  }, [cards]);
  const inputsX = new Set(x.inputs.map((f) => f.name));
  const inputsY = new Set(y.inputs.map((f) => f.name));
  const rows: [string, string, string][] = [
    ['Kind', x.model.kind, y.model.kind],
    ['Evaluation', metricEvaluation(x.metrics) ?? '—', metricEvaluation(y.metrics) ?? '—'],
    ['Threshold', fmt(x.threshold), fmt(y.threshold)],
    ['Inputs', String(x.inputs.length), String(y.inputs.length)],
    ['Dataset', lineageText(x.lineage), lineageText(y.lineage)],
    ['Artifact', x.artifactHash.slice(0, 12), y.artifactHash.slice(0, 12)],
  ];
  return (
    <>
      <div className="table-wrap">
        <table data-testid="compare-table">
          <thead>
            <tr>
              <th scope="col">Metric</th>
              <th scope="col" className="num">
                v{x.model.version}
              </th>
              <th scope="col" className="num">
                v{y.model.version}
              </th>
              <th scope="col" className="num">
                Difference
              </th>
            </tr>
          </thead>
          <tbody>
            {names.map((m) => {
              const d = my[m] !== undefined && mx[m] !== undefined ? my[m] - mx[m] : null;
              const better =
                d === null || d === 0 ? '' : d > 0 !== LOWER_IS_BETTER.has(m) ? 'better' : 'worse';
              return (
                <tr key={m}>
                  <th scope="row">{m}</th>
                  <td className="num">{fmt(mx[m])}</td>
                  <td className="num">{fmt(my[m])}</td>
                  <td className={`num ${better}`}>
                    {d === null
                      ? '—'
                      : `${d > 0 ? '+' : ''}${d.toFixed(3)}${better ? ` (v${y.model.version} ${better})` : ''}`}
                  </td>
                </tr>
              );
            })}
            {rows.map(([k, p, q]) => (
              <tr key={k}>
                <th scope="row">{k}</th>
                <td className="num">{p}</td>
                <td className="num">{q}</td>
                <td className="num">{p === q ? 'same' : 'differs'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {[...inputsX].some((f) => !inputsY.has(f)) || [...inputsY].some((f) => !inputsX.has(f)) ? (
        <p>
          Inputs only in v{x.model.version}:{' '}
          {[...inputsX].filter((f) => !inputsY.has(f)).join(', ') || 'none'}; only in v{y.model.version}:{' '}
          {[...inputsY].filter((f) => !inputsX.has(f)).join(', ') || 'none'}.
        </p>
      ) : null}
      {names.length ? (
        <Chart
          spec={spec}
          label={`Metrics of versions ${x.model.version} and ${y.model.version} side by side`}
        />
      ) : null}
    </>
  );
}

function lineageText(l: Record<string, unknown> | null): string {
  if (!l) return '—';
  const ds = (l.dataset ?? l.datasetName) as unknown;
  if (ds && typeof ds === 'object') {
    const d = ds as { name?: string; version?: string };
    return `${d.name ?? '?'}@${d.version ?? '?'}`;
  }
  return typeof ds === 'string' ? `${ds}${l.datasetVersion ? `@${l.datasetVersion}` : ''}` : '—';
}

function Report({ name, version }: { name: string; version: number }) {
  const s = useSession();
  const state = useLoad(
    (signal) =>
      s.api.get('/api/v1/models/{name}/versions/{version}/report', {
        path: { name, version },
        signal,
      }) as Promise<Card>,
    [name, version],
  );
  return (
    <>
      <p>
        <a href={href('models', name)}>← {name}</a>
      </p>
      <h1>
        {name} v{version}: model card
      </h1>
      <Load state={state} what="the report">
        {(c) => <ReportView c={c} />}
      </Load>
    </>
  );
}

function ReportView({ c }: { c: Card }) {
  const mv = metricValues(c.metrics);
  const page = usePage(c.inputs, 25);
  return (
    <>
      <section aria-labelledby="use-h" className="card">
        <h2 id="use-h">Intended use</h2>
        <p>{c.model.intendedUse ?? 'Not stated.'}</p>
        {c.model.description ? <p>{c.model.description}</p> : null}
        <dl className="stats">
          <div>
            <dt>Kind</dt>
            <dd>{c.model.kind}</dd>
          </div>
          <div>
            <dt>Task</dt>
            <dd>{c.model.task}</dd>
          </div>
          <div>
            <dt>Target</dt>
            <dd>{c.target}</dd>
          </div>
          <div>
            <dt>Classes</dt>
            <dd>{c.classes?.join(', ') ?? '—'}</dd>
          </div>
          <div>
            <dt>Threshold</dt>
            <dd>{fmt(c.threshold)}</dd>
          </div>
          <div>
            <dt>Owner</dt>
            <dd>{c.model.owner ?? '—'}</dd>
          </div>
        </dl>
      </section>
      <section aria-labelledby="met-h">
        <h2 id="met-h">
          Metrics{' '}
          {metricEvaluation(c.metrics) ? (
            <span className="muted small">({metricEvaluation(c.metrics)})</span>
          ) : null}
        </h2>
        <dl className="stats">
          {Object.entries(mv).map(([k, v]) => (
            <div key={k}>
              <dt>{k}</dt>
              <dd>{fmt(v)}</dd>
            </div>
          ))}
        </dl>
      </section>
      <section aria-labelledby="in-h">
        <h2 id="in-h">Inputs</h2>
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Feature</th>
                <th scope="col">Type</th>
                <th scope="col">Unit</th>
                <th scope="col">Allowed range</th>
              </tr>
            </thead>
            <tbody>
              {page.rows.map((f) => (
                <tr key={f.name}>
                  <th scope="row">{f.name}</th>
                  <td>{f.type}</td>
                  <td>{f.unit ?? '—'}</td>
                  <td>
                    {f.range
                      ? `${f.range[0]} – ${f.range[1]} (${f.rangeSource ?? 'declared'})`
                      : f.levels
                        ? f.levels.join(', ')
                        : '—'}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <Pager {...page} label="inputs" />
      </section>
      <section aria-labelledby="lin-h">
        <h2 id="lin-h">Lineage</h2>
        <pre className="log">{JSON.stringify(c.lineage, null, 2)}</pre>
        <p className="muted small">Artifact sha256 {c.artifactHash}</p>
      </section>
    </>
  );
}
