/** The shell: sign-in, role-aware navigation, and the page for the current route. */
import { lazy, type ReactNode, Suspense, useEffect, useRef, useState } from 'react';
import { href, navigate, useRoute } from './router';
import { can, openSession, type Session, SessionContext, STORAGE_KEY } from './session';
import { SignIn } from './pages/sign-in';
import { Forbidden, Loading, Problem } from './ui';

// Pages load on demand: the first page (sign-in) carries only the shell.
const Datasets = lazy(() => import('./pages/datasets'));
const DatasetProfile = lazy(() => import('./pages/dataset-profile'));
const Analysis = lazy(() => import('./pages/analysis'));
const Train = lazy(() => import('./pages/train'));
const Jobs = lazy(() => import('./pages/jobs'));
const Models = lazy(() => import('./pages/models'));
const Predict = lazy(() => import('./pages/predict'));
const Monitoring = lazy(() => import('./pages/monitoring'));
const Audit = lazy(() => import('./pages/audit'));
const Keys = lazy(() => import('./pages/keys'));

interface NavItem {
  readonly path: string;
  readonly label: string;
  readonly permission: string;
  /** What the role may not do, in the words of the refusal. */
  readonly refusal: string;
}

export const NAV: readonly NavItem[] = [
  { path: 'datasets', label: 'Datasets', permission: 'datasets:read', refusal: 'read datasets' },
  { path: 'analysis', label: 'Analysis', permission: 'datasets:read', refusal: 'analyse datasets' },
  { path: 'train', label: 'Train', permission: 'jobs:write', refusal: 'submit training jobs' },
  { path: 'jobs', label: 'Jobs', permission: 'jobs:read', refusal: 'read jobs' },
  { path: 'models', label: 'Models', permission: 'models:read', refusal: 'read the model registry' },
  { path: 'predict', label: 'Predict', permission: 'models:predict', refusal: 'request predictions' },
  { path: 'monitoring', label: 'Monitoring', permission: 'models:read', refusal: 'read monitoring' },
  { path: 'audit', label: 'Audit', permission: 'audit:read', refusal: 'read the audit log' },
  { path: 'keys', label: 'Keys', permission: 'keys:manage', refusal: 'manage API keys' },
];

function page(parts: string[]): ReactNode {
  const [top, a, b, c, d] = parts;
  switch (top) {
    case 'datasets':
      return a ? <DatasetProfile name={a} /> : <Datasets />;
    case 'analysis':
      return <Analysis />;
    case 'train':
      return <Train />;
    case 'jobs':
      return <Jobs id={a} />;
    case 'models':
      return <Models name={a} view={b} a={c} b={d} />;
    case 'predict':
      return <Predict name={a} />;
    case 'monitoring':
      return <Monitoring name={a} />;
    case 'audit':
      return <Audit />;
    case 'keys':
      return <Keys />;
    default:
      return null;
  }
}

export function App() {
  const [session, setSession] = useState<Session | null>(null);
  const [restoring, setRestoring] = useState(() => Boolean(sessionStorage.getItem(STORAGE_KEY)));
  const [restoreError, setRestoreError] = useState<unknown>(null);
  useEffect(() => {
    const key = sessionStorage.getItem(STORAGE_KEY);
    if (!key) return;
    openSession(key).then(
      (s) => {
        setSession(s);
        setRestoring(false);
      },
      (e) => {
        sessionStorage.removeItem(STORAGE_KEY);
        setRestoreError(e);
        setRestoring(false);
      },
    );
  }, []);
  if (restoring) return <Loading what="Signing in" />;
  if (!session)
    return (
      <SignIn
        error={restoreError}
        onSignedIn={(s, key) => {
          sessionStorage.setItem(STORAGE_KEY, key);
          setSession(s);
        }}
      />
    );
  return (
    <SessionContext.Provider value={session}>
      <Shell
        onSignOut={() => {
          sessionStorage.removeItem(STORAGE_KEY);
          setSession(null);
          navigate('/');
        }}
      />
    </SessionContext.Provider>
  );
}

function Shell({ onSignOut }: { onSignOut: () => void }) {
  const { parts } = useRoute();
  return (
    <SessionContext.Consumer>
      {(s) => <ShellInner session={s as Session} parts={parts} onSignOut={onSignOut} />}
    </SessionContext.Consumer>
  );
}

function ShellInner({
  session,
  parts,
  onSignOut,
}: {
  session: Session;
  parts: string[];
  onSignOut: () => void;
}) {
  const allowed = NAV.filter((n) => can(session, n.permission));
  const top = parts[0];
  const item = NAV.find((n) => n.path === top);
  const mainRef = useRef<HTMLElement>(null);
  useEffect(() => {
    if (!top && allowed[0]) navigate(`/${allowed[0].path}`);
  }, [top, allowed]);
  // move focus to the page on navigation, so keyboard and screen-reader users land on the new content
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs per route
  useEffect(() => {
    mainRef.current?.focus({ preventScroll: true });
  }, [parts.join('/')]);
  let content: ReactNode;
  if (!item)
    content = top ? <Problem error={new Error(`There is no page '${top}'.`)} title="Not found" /> : null;
  else if (!can(session, item.permission)) content = <Forbidden role={session.role} what={item.refusal} />;
  else content = page(parts);
  return (
    <div className="layout">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <a className="brand" href={href(allowed[0]?.path ?? '')}>
          Aegle
        </a>
        <span className="who">
          {session.role ? (
            <>
              Signed in as <strong data-testid="role">{session.role}</strong>
            </>
          ) : (
            'Signed in'
          )}
        </span>
        <button type="button" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      <nav className="side" aria-label="Main">
        <ul>
          {allowed.map((n) => (
            <li key={n.path}>
              <a href={href(n.path)} aria-current={n.path === top ? 'page' : undefined}>
                {n.label}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" ref={mainRef} tabIndex={-1}>
        <Suspense fallback={<Loading what="Loading the page" />}>{content}</Suspense>
      </main>
    </div>
  );
}
