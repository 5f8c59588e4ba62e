/** Jobs: the list, and one job's live progress over Server-Sent Events (status, iteration, loss curve, log), with cancel. */
import { useEffect, useMemo, useState } from 'react';
import { Chart } from '../chart';
import { lineSpec } from '../charts';
import { href } from '../router';
import { can, useSession } from '../session';
import { fmt, Load, Pager, Problem, useLoad, usePage, when } from '../ui';

interface Job {
  id: string;
  type: string;
  status: string;
  params: unknown;
  result: unknown;
  error: string | null;
  progress: unknown;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}
const FINAL = new Set(['succeeded', 'failed', 'cancelled']);

export default function Jobs({ id }: { id?: string }) {
  return id ? <JobView id={id} /> : <JobList />;
}

function JobList() {
  const s = useSession();
  const list = useLoad((signal) => s.api.get('/api/v1/jobs/', { query: { limit: 500 }, signal }), []);
  return (
    <>
      <h1>Jobs</h1>
      <Load state={list} what="jobs">
        {(jobs) => <JobTable jobs={jobs as Job[]} />}
      </Load>
    </>
  );
}

function JobTable({ jobs }: { jobs: Job[] }) {
  const p = usePage(jobs, 20);
  if (!jobs.length) return <p>No jobs yet.</p>;
  return (
    <>
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Job</th>
              <th scope="col">Type</th>
              <th scope="col">Status</th>
              <th scope="col">Created</th>
              <th scope="col">Finished</th>
            </tr>
          </thead>
          <tbody>
            {p.rows.map((j) => (
              <tr key={j.id}>
                <th scope="row">
                  <a href={href('jobs', j.id)}>
                    <code>{j.id}</code>
                  </a>
                </th>
                <td>{j.type}</td>
                <td>
                  <span className={`status status-${j.status}`}>{j.status}</span>
                </td>
                <td>{when(j.createdAt)}</td>
                <td>{when(j.finishedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <Pager {...p} label="jobs" />
    </>
  );
}

interface Progress {
  fraction?: number;
  message?: string;
  iteration?: number;
  loss?: number;
}

function JobView({ id }: { id: string }) {
  const s = useSession();
  const [job, setJob] = useState<Job | null>(null);
  const [progress, setProgress] = useState<Progress | null>(null);
  const [losses, setLosses] = useState<{ iteration: number; loss: number }[]>([]);
  const [logs, setLogs] = useState<string[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [live, setLive] = useState(false);
  const [cancelError, setCancelError] = useState<unknown>(null);

  useEffect(() => {
    const ac = new AbortController();
    setLive(true);
    s.api
      .events(
        `/api/v1/jobs/${encodeURIComponent(id)}/events`,
        (event, data) => {
          if (event === 'status') setJob(data as Job);
          else if (event === 'progress') {
            const p = data as Progress;
            setProgress(p);
            if (typeof p.loss === 'number' && typeof p.iteration === 'number') {
              const point = { iteration: p.iteration, loss: p.loss };
              setLosses((l) =>
                l.length && l[l.length - 1].iteration === point.iteration ? l : [...l, point],
              );
            }
          } else if (event === 'log') {
            const line = data as { message?: string } | string;
            setLogs((l) => [
              ...l.slice(-199),
              typeof line === 'string' ? line : (line.message ?? JSON.stringify(line)),
            ]);
          }
        },
        ac.signal,
      )
      .catch((e: Error) => e.name !== 'AbortError' && setError(e))
      .finally(() => !ac.signal.aborted && setLive(false));
    return () => ac.abort();
  }, [s, id]);

  // lines written before the stream opened come from the log endpoint once the job is over
  const final = job !== null && FINAL.has(job.status);
  useEffect(() => {
    if (!final) return;
    const ac = new AbortController();
    s.api.get('/api/v1/jobs/{id}/logs', { path: { id }, signal: ac.signal }).then(
      (lines) => setLogs(lines.map((l) => `${l.ts.slice(11, 19)} ${l.message}`)),
      () => {},
    );
    return () => ac.abort();
  }, [s, id, final]);

  // the loss curve redraws at most twice a second while training
  const [shownLosses, setShownLosses] = useState(losses);
  useEffect(() => {
    const t = setTimeout(() => setShownLosses(losses), 500);
    return () => clearTimeout(t);
  }, [losses]);
  const lossSpec = useMemo(
    () =>
      shownLosses.length > 1
        ? lineSpec(shownLosses, { x: 'iteration', y: 'loss', title: 'Training loss', yTitle: 'loss' })
        : null,
    [shownLosses],
  );

  const status = job?.status ?? 'connecting';
  const fraction = job?.status === 'succeeded' ? 1 : progress?.fraction;
  const result = job?.result as {
    metrics?: Record<string, unknown>;
    registered?: { name: string; version: number } | null;
    rows?: unknown;
  } | null;
  return (
    <>
      <p>
        <a href={href('jobs')}>← Jobs</a>
      </p>
      <h1>
        Job <code>{id}</code>
      </h1>
      <Problem error={error} title="Lost the live progress" />
      <dl className="stats">
        <div>
          <dt>Type</dt>
          <dd>{job?.type ?? '…'}</dd>
        </div>
        <div>
          <dt>Status</dt>
          <dd>
            <span className={`status status-${status}`} data-testid="job-status" aria-live="polite">
              {status}
            </span>
          </dd>
        </div>
        <div>
          <dt>Iteration</dt>
          <dd>{progress?.iteration !== undefined ? fmt(progress.iteration) : '—'}</dd>
        </div>
        <div>
          <dt>Loss</dt>
          <dd>{progress?.loss !== undefined ? fmt(progress.loss, 4) : '—'}</dd>
        </div>
        <div>
          <dt>Live</dt>
          <dd>{live ? 'streaming' : 'closed'}</dd>
        </div>
      </dl>
      <div className="field">
        <label htmlFor="job-progress">{progress?.message ?? (FINAL.has(status) ? status : 'Waiting')}</label>
        <progress id="job-progress" max={1} value={fraction ?? undefined} />
      </div>
      {job && !FINAL.has(job.status) && can(s, 'jobs:write') ? (
        <p>
          <button
            type="button"
            className="danger"
            onClick={async () => {
              setCancelError(null);
              try {
                setJob((await s.api.post('/api/v1/jobs/{id}/cancel', { path: { id } })) as Job);
              } catch (e) {
                setCancelError(e);
              }
            }}
          >
            Cancel job
          </button>
        </p>
      ) : null}
      <Problem error={cancelError} title="Could not cancel" />
      {job?.error ? <Problem error={new Error(job.error)} title="The job failed" /> : null}
      {lossSpec ? (
        <Chart spec={lossSpec} label={`Training loss over ${shownLosses.length} iterations`} />
      ) : null}
      {job?.status === 'succeeded' && result ? (
        <section aria-labelledby="result-h" className="card">
          <h2 id="result-h">Result</h2>
          {result.registered ? (
            <p>
              Registered as{' '}
              <a href={href('models', result.registered.name)}>
                {result.registered.name} version {result.registered.version}
              </a>
              .
            </p>
          ) : null}
          {result.metrics ? <MetricList metrics={result.metrics} /> : null}
        </section>
      ) : null}
      <section aria-labelledby="log-h">
        <h2 id="log-h">Log</h2>
        <pre className="log" aria-live="off">
          {logs.length ? logs.join('\n') : 'No log lines yet.'}
        </pre>
      </section>
    </>
  );
}

export function MetricList({ metrics }: { metrics: Record<string, unknown> }) {
  const flat = Object.entries(metrics).filter(
    ([, v]) => typeof v === 'number' || (v && typeof v === 'object' && 'value' in (v as object)),
  );
  return (
    <dl className="stats">
      {flat.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{fmt(typeof v === 'number' ? v : (v as { value: number }).value)}</dd>
        </div>
      ))}
    </dl>
  );
}
