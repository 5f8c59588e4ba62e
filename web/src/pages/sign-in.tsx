import { useState } from 'react';
import { openSession, type Session } from '../session';
import { Problem } from '../ui';

export function SignIn({
  onSignedIn,
  error: initial,
}: {
  onSignedIn: (s: Session, key: string) => void;
  error?: unknown;
}) {
  const [key, setKey] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(initial ?? null);
  return (
    <main className="signin" id="main">
      <h1>Aegle</h1>
      <p className="muted">Clinical data, models, predictions, monitoring and audit.</p>
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          setError(null);
          try {
            onSignedIn(await openSession(key), key.trim());
          } catch (err) {
            setError(err);
            setBusy(false);
          }
        }}
      >
        <div className="field">
          <label htmlFor="api-key">API key</label>
          <input
            id="api-key"
            name="key"
            type="password"
            autoComplete="off"
            spellCheck={false}
            required
            value={key}
            onChange={(e) => setKey(e.target.value)}
            aria-describedby="api-key-hint"
          />
          <div id="api-key-hint" className="muted small">
            An <code>aegle_…</code> key from your administrator (<code>aegle keys create --role ROLE</code>).
            It is kept in this tab only.
          </div>
        </div>
        <button type="submit" className="primary" disabled={busy || !key.trim()}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      <Problem error={error} title="Could not sign in" />
    </main>
  );
}
