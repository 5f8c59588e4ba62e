/**
 * Train: a form whose model parameters are generated from the estimators' parameter schemas the
 * server publishes (no copy kept here), submitted as a `train` job; the job page shows live progress.
 */
import { useMemo, useState } from 'react';
import { navigate } from '../router';
import type { Result } from '../api/client';
import { has, useSession } from '../session';
import { Field, Load, NotAvailable, Problem, useLoad } from '../ui';

/** One hyperparameter as the server declares it (`GET /api/v1/estimators`, from src/core/params.ts). */
export type ParamDef = Result<'/api/v1/estimators', 'get'>[number]['params'][number];
export type EstimatorInfo = Result<'/api/v1/estimators', 'get'>[number];

export default function Train() {
  const s = useSession();
  const datasets = useLoad((signal) => s.api.get('/api/v1/datasets/', { signal }), []);
  const published = has(s, 'GET', '/api/v1/estimators');
  const estimators = useLoad(
    (signal) =>
      published ? s.api.get('/api/v1/estimators', { signal }) : Promise.resolve<EstimatorInfo[] | null>(null),
    [published],
  );
  return (
    <>
      <h1>Train a model</h1>
      <Load state={datasets} what="datasets">
        {(ds) =>
          ds.length ? (
            <Load state={estimators} what="estimator schemas">
              {(est) => <TrainForm datasets={ds} estimators={est ?? null} />}
            </Load>
          ) : (
            <p>No datasets yet: upload one on the Datasets page first.</p>
          )
        }
      </Load>
    </>
  );
}

type Ds = {
  name: string;
  version: string;
  columns: { name: string; kind: string }[];
  roles: Record<string, string>;
};

function TrainForm({
  datasets,
  estimators,
}: {
  datasets: readonly Ds[];
  estimators: EstimatorInfo[] | null;
}) {
  const s = useSession();
  const names = useMemo(() => [...new Set(datasets.map((d) => d.name))], [datasets]);
  const [dataset, setDataset] = useState(names[0]);
  const ds = datasets.find((d) => d.name === dataset) ?? datasets[0];
  const guessTarget =
    ds.columns.find((c) => ds.roles[c.name] === 'target')?.name ??
    ds.columns[ds.columns.length - 1]?.name ??
    '';
  const [target, setTarget] = useState(guessTarget);
  const [exclude, setExclude] = useState<string[]>([]);
  const [kind, setKind] = useState(
    estimators?.some((e) => e.kind === 'logistic') ? 'logistic' : (estimators?.[0]?.kind ?? 'logistic'),
  );
  const [params, setParams] = useState<Record<string, unknown>>({});
  const [paramsJson, setParamsJson] = useState('{}');
  const [testSize, setTestSize] = useState(0.25);
  const [seed, setSeed] = useState(0);
  const [modelName, setModelName] = useState(`${dataset.replace(/[^A-Za-z0-9_-]/g, '_')}_risk`);
  const [alias, setAlias] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const est = estimators?.find((e) => e.kind === kind) ?? null;

  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      let modelParams: Record<string, unknown> = params;
      if (!est) {
        try {
          modelParams = JSON.parse(paramsJson || '{}');
        } catch (e) {
          throw new Error(`Model parameters are not valid JSON: ${(e as Error).message}`);
        }
      }
      const spec = {
        name: modelName,
        dataset: `${ds.name}@${ds.version}`,
        target,
        ...(exclude.length ? { exclude } : {}),
        split: { type: 'holdout', testSize, stratify: true, seed },
        model: { type: kind, params: modelParams },
      };
      const job = await s.api.post('/api/v1/jobs/', {
        body: { type: 'train', params: { spec, register: { name: modelName, ...(alias ? { alias } : {}) } } },
      });
      navigate(`/jobs/${encodeURIComponent(job.id)}`);
    } catch (e) {
      setError(e);
      setBusy(false);
    }
  };

  return (
    <form
      className="card form"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <fieldset>
        <legend>Data</legend>
        <Field label="Dataset">
          {(id) => (
            <select
              id={id}
              value={dataset}
              onChange={(e) => {
                setDataset(e.target.value);
                setExclude([]);
                const d = datasets.find((x) => x.name === e.target.value);
                if (d)
                  setTarget(
                    d.columns.find((c) => d.roles[c.name] === 'target')?.name ??
                      d.columns[d.columns.length - 1]?.name ??
                      '',
                  );
                setModelName(`${e.target.value.replace(/[^A-Za-z0-9_-]/g, '_')}_risk`);
              }}
            >
              {names.map((n) => (
                <option key={n}>{n}</option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Target (outcome)">
          {(id) => (
            <select id={id} value={target} onChange={(e) => setTarget(e.target.value)}>
              {ds.columns.map((c) => (
                <option key={c.name}>{c.name}</option>
              ))}
            </select>
          )}
        </Field>
        <fieldset className="checks">
          <legend>Exclude columns (e.g. follow-up time, which leaks the outcome)</legend>
          {ds.columns
            .filter((c) => c.name !== target)
            .map((c) => (
              <label key={c.name}>
                <input
                  type="checkbox"
                  checked={exclude.includes(c.name)}
                  onChange={(e) =>
                    setExclude(e.target.checked ? [...exclude, c.name] : exclude.filter((x) => x !== c.name))
                  }
                />{' '}
                {c.name}
              </label>
            ))}
        </fieldset>
        <div className="row">
          <Field label="Test share (holdout)">
            {(id) => (
              <input
                id={id}
                type="number"
                min={0.05}
                max={0.9}
                step={0.05}
                value={testSize}
                onChange={(e) => setTestSize(Number(e.target.value))}
              />
            )}
          </Field>
          <Field label="Split seed">
            {(id) => (
              <input
                id={id}
                type="number"
                min={0}
                step={1}
                value={seed}
                onChange={(e) => setSeed(Number(e.target.value))}
              />
            )}
          </Field>
        </div>
      </fieldset>
      <fieldset>
        <legend>Model</legend>
        {estimators ? (
          <>
            <Field label="Estimator" hint={est?.description}>
              {(id, hint) => (
                <select
                  id={id}
                  aria-describedby={hint}
                  value={kind}
                  onChange={(e) => {
                    setKind(e.target.value);
                    setParams({});
                  }}
                >
                  {estimators.map((e) => (
                    <option key={e.kind} value={e.kind}>
                      {e.kind}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            {est ? <ParamFields params={est.params} values={params} onChange={setParams} /> : null}
          </>
        ) : (
          <>
            <NotAvailable what="The estimators' parameter schemas" route="GET /api/v1/estimators" />
            <Field label="Estimator type" hint="e.g. logistic, gbdt, random-forest; the server checks it.">
              {(id, hint) => (
                <input
                  id={id}
                  aria-describedby={hint}
                  required
                  value={kind}
                  onChange={(e) => setKind(e.target.value)}
                />
              )}
            </Field>
            <Field label="Parameters (JSON)" hint="Empty for the estimator's defaults.">
              {(id, hint) => (
                <textarea
                  id={id}
                  aria-describedby={hint}
                  rows={3}
                  value={paramsJson}
                  onChange={(e) => setParamsJson(e.target.value)}
                />
              )}
            </Field>
          </>
        )}
      </fieldset>
      <fieldset>
        <legend>Register the result</legend>
        <div className="row">
          <Field label="Model name">
            {(id) => (
              <input
                id={id}
                required
                pattern="[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}"
                value={modelName}
                onChange={(e) => setModelName(e.target.value)}
              />
            )}
          </Field>
          <Field label="Alias (optional)" hint="e.g. challenger; promote to champion after review.">
            {(id, hint) => (
              <input
                id={id}
                aria-describedby={hint}
                value={alias}
                onChange={(e) => setAlias(e.target.value)}
              />
            )}
          </Field>
        </div>
      </fieldset>
      <button type="submit" className="primary" disabled={busy || !target}>
        {busy ? 'Submitting…' : 'Start training'}
      </button>
      <Problem error={error} title="Could not start training" />
    </form>
  );
}

/** Inputs generated from a parameter schema: enums as selects, numbers with their range, booleans as checkboxes. */
export function ParamFields({
  params,
  values,
  onChange,
}: {
  params: readonly ParamDef[];
  values: Record<string, unknown>;
  onChange: (v: Record<string, unknown>) => void;
}) {
  const set = (k: string, v: unknown) => {
    const next = { ...values };
    if (v === undefined) delete next[k];
    else next[k] = v;
    onChange(next);
  };
  return (
    <div className="params">
      {params.map((d) => {
        const k = d.name;
        const v = values[k] ?? d.default;
        const range =
          d.min !== undefined || d.max !== undefined
            ? ` Range [${d.min ?? '−∞'}, ${d.max ?? '∞'}]${d.integer ? ', integer' : ''}.`
            : '';
        return (
          <Field key={k} label={k} hint={`${d.description}${range} Default ${JSON.stringify(d.default)}.`}>
            {(id, hint) =>
              d.type === 'enum' ? (
                <select
                  id={id}
                  aria-describedby={hint}
                  value={String(v)}
                  onChange={(e) => set(k, e.target.value)}
                >
                  {(d.values ?? []).map((x) => (
                    <option key={x}>{x}</option>
                  ))}
                </select>
              ) : d.type === 'boolean' ? (
                <input
                  id={id}
                  aria-describedby={hint}
                  type="checkbox"
                  checked={Boolean(v)}
                  onChange={(e) => set(k, e.target.checked)}
                />
              ) : d.type === 'number' || d.type === 'optionalNumber' ? (
                <input
                  id={id}
                  aria-describedby={hint}
                  type="number"
                  min={d.min}
                  max={d.max}
                  step={d.integer ? 1 : 'any'}
                  value={v === null || v === undefined ? '' : String(v)}
                  onChange={(e) =>
                    set(
                      k,
                      e.target.value === ''
                        ? d.type === 'optionalNumber'
                          ? null
                          : undefined
                        : Number(e.target.value),
                    )
                  }
                />
              ) : (
                <input
                  id={id}
                  aria-describedby={hint}
                  value={v === null || v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v)}
                  onChange={(e) => {
                    const t = e.target.value;
                    if (t === '') return set(k, undefined);
                    try {
                      set(k, d.type === 'string' ? t : JSON.parse(t));
                    } catch {
                      set(k, t);
                    }
                  }}
                />
              )
            }
          </Field>
        );
      })}
    </div>
  );
}
