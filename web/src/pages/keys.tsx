/** Keys (admin): list, create (the key is shown once), revoke. */
import { useState } from 'react';
import { useSession } from '../session';
import { Field, Load, Pager, Problem, useLoad, usePage, when } from '../ui';

const ROLES = ['admin', 'scientist', 'clinician', 'auditor', 'service'] as const;

export default function Keys() {
  const s = useSession();
  const list = useLoad((signal) => s.api.get('/api/v1/keys', { signal }), []);
  const [role, setRole] = useState<(typeof ROLES)[number]>('clinician');
  const [label, setLabel] = useState('');
  const [created, setCreated] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const page = usePage(list.data ?? [], 20);
  return (
    <>
      <h1>API keys</h1>
      <form
        className="card row"
        onSubmit={async (e) => {
          e.preventDefault();
          setError(null);
          setCreated(null);
          try {
            const out = await s.api.post('/api/v1/keys', { body: { role, label: label || undefined } });
            setCreated(out.key);
            setLabel('');
            list.reload();
          } catch (err) {
            setError(err);
          }
        }}
      >
        <Field label="Role">
          {(id) => (
            <select id={id} value={role} onChange={(e) => setRole(e.target.value as (typeof ROLES)[number])}>
              {ROLES.map((r) => (
                <option key={r}>{r}</option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Label">
          {(id) => <input id={id} value={label} maxLength={200} onChange={(e) => setLabel(e.target.value)} />}
        </Field>
        <button type="submit" className="primary">
          Create key
        </button>
      </form>
      {created ? (
        <div className="notice" role="status">
          New key (shown once, copy it now): <code data-testid="new-key">{created}</code>
        </div>
      ) : null}
      <Problem error={error} title="Could not change keys" />
      <Load state={list} what="keys">
        {() => (
          <>
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Key id</th>
                    <th scope="col">Role</th>
                    <th scope="col">Label</th>
                    <th scope="col">Created</th>
                    <th scope="col">Status</th>
                  </tr>
                </thead>
                <tbody>
                  {page.rows.map((k) => (
                    <tr key={k.id}>
                      <th scope="row">
                        <code>{k.id}</code>
                      </th>
                      <td>{k.role}</td>
                      <td>{k.label}</td>
                      <td>{when(k.createdAt)}</td>
                      <td>
                        {k.revokedAt ? (
                          `revoked ${when(k.revokedAt)}`
                        ) : (
                          <button
                            type="button"
                            className="danger"
                            onClick={async () => {
                              if (
                                !window.confirm(
                                  `Revoke key ${k.id} (${k.role})? Its holder loses access at once.`,
                                )
                              )
                                return;
                              setError(null);
                              try {
                                await s.api.delete('/api/v1/keys/{id}', { path: { id: k.id } });
                                list.reload();
                              } catch (err) {
                                setError(err);
                              }
                            }}
                          >
                            Revoke
                          </button>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <Pager {...page} label="keys" />
          </>
        )}
      </Load>
    </>
  );
}
