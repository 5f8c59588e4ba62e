/**
 * Predict: a form generated from the model's input schema (units and allowed ranges from its manifest),
 * the risk with its top factors, and the same request as a curl command.
 */
import { useMemo, useState } from 'react';
import { href, navigate } from '../router';
import { can, useSession } from '../session';
import { Field, fmt, Load, Problem, useLoad } from '../ui';

interface Feature {
  name: string;
  type: string;
  unit?: string;
  range?: [number, number];
  rangeSource?: string;
  levels?: string[];
}
interface PredictResult {
  model: { name: string; version: number };
  requestId: string;
  predictions: { probability: number | null; label: string | null; value?: number; factors: unknown[] }[];
}

const LAST_MODEL = 'aegle.predict.model';

export default function Predict({ name }: { name?: string }) {
  const s = useSession();
  const canList = can(s, 'models:read');
  const models = useLoad(
    (signal) => (canList ? s.api.get('/api/v1/models/', { signal }) : Promise.resolve(null)),
    [canList],
  );
  const [typed, setTyped] = useState(name ?? localStorage.getItem(LAST_MODEL) ?? '');
  const chosen = name ?? (canList ? models.data?.[0]?.name : undefined);
  return (
    <>
      <h1>Predict</h1>
      {canList ? (
        <Load state={models} what="models">
          {(ms) =>
            ms?.length ? (
              <div className="field">
                <label htmlFor="pick-model">Model</label>
                <select
                  id="pick-model"
                  value={chosen}
                  onChange={(e) => navigate(`/predict/${encodeURIComponent(e.target.value)}`)}
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
      ) : (
        <form
          className="row"
          onSubmit={(e) => {
            e.preventDefault();
            localStorage.setItem(LAST_MODEL, typed);
            navigate(`/predict/${encodeURIComponent(typed)}`);
          }}
        >
          <Field
            label="Model name"
            hint="Your role may score models but not list them; ask for the model's name."
          >
            {(id, hint) => (
              <input
                id={id}
                aria-describedby={hint}
                required
                value={typed}
                onChange={(e) => setTyped(e.target.value)}
              />
            )}
          </Field>
          <button type="submit">Open</button>
        </form>
      )}
      {chosen ? <PredictModel key={chosen} name={chosen} /> : null}
    </>
  );
}

function PredictModel({ name }: { name: string }) {
  const s = useSession();
  const canRead = can(s, 'models:read');
  const state = useLoad(
    async (signal) => {
      if (canRead) {
        const model = await s.api.get('/api/v1/models/{name}', { path: { name }, signal });
        const version = model.aliases.champion ?? model.latestVersion;
        if (!version) throw new Error(`Model '${name}' has no versions.`);
        const card = (await s.api.get('/api/v1/models/{name}/versions/{version}/report', {
          path: { name, version },
          signal,
        })) as { inputs: Feature[]; threshold: number | null };
        return {
          features: card.inputs,
          aliases: model.aliases,
          version,
          threshold: card.threshold,
          units: true,
        };
      }
      const meta = await s.api.get('/v2/models/{model}', { path: { model: name }, signal });
      const features: Feature[] = meta.inputs.map((i: { name: string; datatype: string }) => ({
        name: i.name,
        type: i.datatype === 'BYTES' ? 'categorical' : 'numeric',
      }));
      return {
        features,
        aliases: {} as Record<string, number>,
        version: null,
        threshold: null,
        units: false,
      };
    },
    [name, canRead],
  );
  return (
    <Load state={state} what="the model's inputs">
      {(m) => <PredictForm name={name} {...m} />}
    </Load>
  );
}

function PredictForm({
  name,
  features,
  aliases,
  units,
}: {
  name: string;
  features: Feature[];
  aliases: Record<string, number>;
  version: number | null;
  threshold: number | null;
  units: boolean;
}) {
  const s = useSession();
  const [values, setValues] = useState<Record<string, string>>({});
  const aliasNames = Object.keys(aliases);
  const [target, setTarget] = useState(aliasNames.includes('champion') ? 'alias:champion' : '');
  const [result, setResult] = useState<PredictResult | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [copied, setCopied] = useState<string | null>(null);
  const row = useMemo(() => {
    const r: Record<string, string | number | null> = {};
    for (const f of features) {
      const v = values[f.name];
      r[f.name] = v === undefined || v === '' ? null : f.type === 'categorical' ? v : Number(v);
    }
    return r;
  }, [features, values]);
  const query = target.startsWith('alias:')
    ? `?alias=${encodeURIComponent(target.slice(6))}`
    : target.startsWith('v:')
      ? `?version=${target.slice(2)}`
      : '';
  const body = JSON.stringify({ rows: [row] });
  const curl = `curl -sS -X POST '${window.location.origin}/api/v1/models/${encodeURIComponent(name)}/predict${query}' \\\n  -H "Authorization: Bearer $AEGLE_API_KEY" \\\n  -H 'Content-Type: application/json' \\\n  -d '${body.replace(/'/g, "'\\''")}'`;
  const p = result?.predictions[0];
  return (
    <form
      className="card form"
      onSubmit={async (e) => {
        e.preventDefault();
        setBusy(true);
        setError(null);
        setResult(null);
        try {
          const q = target.startsWith('alias:')
            ? { alias: target.slice(6) }
            : target.startsWith('v:')
              ? { version: Number(target.slice(2)) }
              : {};
          setResult(
            (await s.api.post('/api/v1/models/{name}/predict', {
              path: { name },
              query: q,
              body: { rows: [row] },
            })) as PredictResult,
          );
        } catch (err) {
          setError(err);
        } finally {
          setBusy(false);
        }
      }}
    >
      {aliasNames.length ? (
        <Field label="Version">
          {(id) => (
            <select id={id} value={target} onChange={(e) => setTarget(e.target.value)}>
              <option value="">default (champion, else latest)</option>
              {aliasNames.map((a) => (
                <option key={a} value={`alias:${a}`}>
                  {a} (v{aliases[a]})
                </option>
              ))}
            </select>
          )}
        </Field>
      ) : null}
      <fieldset>
        <legend>Patient inputs</legend>
        {!units ? (
          <p className="muted small">
            Units and allowed ranges are shown to roles that may read the registry.
          </p>
        ) : null}
        <div className="params">
          {features.map((f) => {
            const hint = [
              f.unit ? `Unit ${f.unit}` : null,
              f.range ? `allowed ${f.range[0]} – ${f.range[1]}` : null,
              'leave empty if unknown',
            ]
              .filter(Boolean)
              .join('; ');
            return (
              <Field key={f.name} label={`${f.name}${f.unit ? ` (${f.unit})` : ''}`} hint={hint}>
                {(id, hintId) =>
                  f.type === 'categorical' && f.levels?.length ? (
                    <select
                      id={id}
                      aria-describedby={hintId}
                      value={values[f.name] ?? ''}
                      onChange={(e) => setValues({ ...values, [f.name]: e.target.value })}
                    >
                      <option value="">unknown</option>
                      {f.levels.map((l) => (
                        <option key={l}>{l}</option>
                      ))}
                    </select>
                  ) : (
                    <input
                      id={id}
                      name={f.name}
                      aria-describedby={hintId}
                      type={f.type === 'categorical' ? 'text' : 'number'}
                      step="any"
                      min={f.range?.[0]}
                      max={f.range?.[1]}
                      value={values[f.name] ?? ''}
                      onChange={(e) => setValues({ ...values, [f.name]: e.target.value })}
                    />
                  )
                }
              </Field>
            );
          })}
        </div>
      </fieldset>
      <button type="submit" className="primary" disabled={busy}>
        {busy ? 'Scoring…' : 'Predict'}
      </button>
      <Problem error={error} title="The model refused the request" />
      {p ? (
        <section aria-labelledby="risk-h" className="result" aria-live="polite">
          <h2 id="risk-h">Result</h2>
          {p.probability !== null ? (
            <p className="risk">
              Risk <strong data-testid="risk">{(100 * p.probability).toFixed(1)}%</strong> · label{' '}
              <strong>{p.label}</strong>
            </p>
          ) : (
            <p className="risk">
              Prediction <strong data-testid="risk">{fmt(p.value)}</strong>
            </p>
          )}
          <p className="muted small">
            {result?.model.name} version {result?.model.version} · request <code>{result?.requestId}</code>
            {can(s, 'models:read') ? (
              <>
                {' '}
                · <a href={href('models', name, 'report', result?.model.version ?? 1)}>model card</a>
              </>
            ) : null}
          </p>
          <h3>Top factors</h3>
          {p.factors.length ? (
            <ol>
              {p.factors.slice(0, 8).map((f) => {
                const x = f as { feature?: string; name?: string; contribution?: number; value?: unknown };
                return (
                  <li key={x.feature ?? x.name ?? JSON.stringify(f)}>
                    {x.feature ?? x.name ?? JSON.stringify(f)}
                    {typeof x.contribution === 'number'
                      ? `: ${x.contribution > 0 ? '+' : ''}${x.contribution.toFixed(3)}`
                      : ''}
                  </li>
                );
              })}
            </ol>
          ) : (
            <p className="muted">This server returned no factors for this model.</p>
          )}
        </section>
      ) : null}
      <section aria-labelledby="curl-h">
        <h2 id="curl-h">The same request with curl</h2>
        <pre className="log" data-testid="curl">
          {curl}
        </pre>
        <button
          type="button"
          onClick={async () => {
            try {
              await navigator.clipboard.writeText(curl);
              setCopied('Copied.');
            } catch {
              setCopied('Copying is blocked here: select the text above instead.');
            }
          }}
        >
          Copy curl command
        </button>{' '}
        <span role="status">{copied}</span>
      </section>
    </form>
  );
}
