/** Shared pieces: loading and error states in words, pagination, "not available", forms. */
import { type ReactNode, useCallback, useEffect, useId, useRef, useState } from 'react';
import { ApiError } from './api/client';

export interface Loaded<T> {
  readonly data?: T;
  readonly error: Error | null;
  readonly loading: boolean;
  reload(): void;
}

/** Runs `fn` when deps change; keeps the last data while reloading. */
export function useLoad<T>(fn: (signal: AbortSignal) => Promise<T>, deps: readonly unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error: Error | null; loading: boolean }>({
    error: null,
    loading: true,
  });
  const [tick, setTick] = useState(0);
  const fnRef = useRef(fn);
  fnRef.current = fn;
  // biome-ignore lint/correctness/useExhaustiveDependencies: deps are the caller's
  useEffect(() => {
    const ac = new AbortController();
    setState((s) => ({ ...s, loading: true, error: null }));
    fnRef.current(ac.signal).then(
      (data) => !ac.signal.aborted && setState({ data, error: null, loading: false }),
      (error: Error) =>
        !ac.signal.aborted && error.name !== 'AbortError' && setState({ error, loading: false }),
    );
    return () => ac.abort();
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { ...state, reload };
}

/** An API error in words, with the field-by-field list when the server sent one. */
export function Problem({ error, title }: { error: unknown; title?: string }) {
  if (!error) return null;
  const e = error as Error;
  const api = e instanceof ApiError ? e : null;
  const hint =
    api?.status === 401
      ? 'Your key was not accepted: sign in again.'
      : api?.status === 403
        ? 'Your role may not do this; ask an administrator.'
        : api?.status === 429
          ? 'Too many requests with this key; wait a minute.'
          : null;
  return (
    <div className="problem" role="alert">
      <strong>{title ?? 'Something went wrong'}:</strong> {e.message}
      {hint ? <> {hint}</> : null}
      {api?.errors?.length ? (
        <ul>
          {api.errors.map((x) => {
            const f = x as {
              row?: number;
              field?: string;
              problem?: string;
              message?: string;
              instancePath?: string;
            };
            return (
              <li key={JSON.stringify(x)}>
                {f.field
                  ? `${f.row !== undefined ? `row ${f.row}: ` : ''}${f.field} ${f.problem ?? ''}`
                  : (f.message ?? JSON.stringify(x))}
              </li>
            );
          })}
        </ul>
      ) : null}
      {api?.code ? (
        <div className="muted small">
          code {api.code}
          {api.requestId ? ` · request ${api.requestId}` : ''}
        </div>
      ) : null}
    </div>
  );
}

export function Loading({ what = 'Loading' }: { what?: string }) {
  return (
    <p className="muted" role="status" aria-live="polite">
      {what}…
    </p>
  );
}

/** Shows the rest of a page's state: loading, an error, or the content. */
export function Load<T>({
  state,
  what,
  children,
}: {
  state: Loaded<T>;
  what?: string;
  children: (data: T) => ReactNode;
}) {
  if (state.error) return <Problem error={state.error} title={`Could not load ${what ?? 'this'}`} />;
  if (state.data === undefined) return <Loading what={`Loading ${what ?? ''}`.trim()} />;
  return <>{children(state.data)}</>;
}

/** A feature this server does not offer (the route is absent from its OpenAPI document). */
export function NotAvailable({ what, route }: { what: string; route?: string }) {
  return (
    <div className="notice" role="note">
      <strong>{what}</strong> is not available on this server
      {route ? (
        <>
          {' '}
          (it has no <code>{route}</code>)
        </>
      ) : null}
      .
    </div>
  );
}

export function Forbidden({ role, what }: { role: string | null; what: string }) {
  return (
    <div className="notice" role="alert">
      Your role
      {role ? (
        <>
          {' '}
          (<strong>{role}</strong>)
        </>
      ) : null}{' '}
      may not {what}.
    </div>
  );
}

/** Client-side pagination for long lists. */
export function usePage<T>(items: readonly T[], size = 20) {
  const [page, setPage] = useState(0);
  const pages = Math.max(1, Math.ceil(items.length / size));
  const p = Math.min(page, pages - 1);
  return { rows: items.slice(p * size, p * size + size), page: p, pages, setPage, total: items.length };
}

export function Pager({
  page,
  pages,
  setPage,
  total,
  label,
}: {
  page: number;
  pages: number;
  setPage: (p: number) => void;
  total: number;
  label: string;
}) {
  if (pages <= 1)
    return (
      <p className="muted small">
        {total} {label}
      </p>
    );
  return (
    <nav className="pager" aria-label={`${label} pages`}>
      <button type="button" onClick={() => setPage(page - 1)} disabled={page === 0}>
        Previous
      </button>
      <span aria-live="polite">
        Page {page + 1} of {pages} · {total} {label}
      </span>
      <button type="button" onClick={() => setPage(page + 1)} disabled={page >= pages - 1}>
        Next
      </button>
    </nav>
  );
}

export function Field({
  label,
  hint,
  children,
}: {
  label: string;
  hint?: ReactNode;
  children: (id: string, hintId?: string) => ReactNode;
}) {
  const id = useId();
  const hintId = hint ? `${id}-hint` : undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children(id, hintId)}
      {hint ? (
        <div id={hintId} className="muted small">
          {hint}
        </div>
      ) : null}
    </div>
  );
}

export function fmt(v: unknown, digits = 3): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'number') return Number.isInteger(v) ? v.toLocaleString('en') : v.toFixed(digits);
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

export function when(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime())
    ? iso
    : d.toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' });
}
