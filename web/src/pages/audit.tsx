/** Audit (auditor, admin): the hash-chained trail, filterable and paged, with the chain's verification status. */
import { useState } from 'react';
import { useSession } from '../session';
import { Field, Load, useLoad, when } from '../ui';

const PAGE = 50;

export default function Audit() {
  const s = useSession();
  const [filters, setFilters] = useState({ actor: '', action: '', resource: '' });
  const [applied, setApplied] = useState(filters);
  const [cursor, setCursor] = useState<number[]>([0]);
  const after = cursor[cursor.length - 1];
  const verify = useLoad((signal) => s.api.get('/api/v1/audit/verify', { signal }), []);
  const list = useLoad(
    (signal) =>
      s.api.get('/api/v1/audit', {
        query: { after, limit: PAGE, ...Object.fromEntries(Object.entries(applied).filter(([, v]) => v)) },
        signal,
      }),
    [after, applied],
  );
  return (
    <>
      <h1>Audit trail</h1>
      <Load state={verify} what="the chain status">
        {(v) => (
          <p className={v.ok ? 'ok' : 'problem'} role="status" data-testid="chain-status">
            {v.ok
              ? `Chain intact: ${v.entries} entries verified, head ${v.head.slice(0, 16)}…`
              : `Chain BROKEN at entry ${v.problem?.seq}: ${v.problem?.reason}`}
          </p>
        )}
      </Load>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          setCursor([0]);
          setApplied(filters);
        }}
      >
        {(['action', 'actor', 'resource'] as const).map((k) => (
          <Field
            key={k}
            label={`${k[0].toUpperCase()}${k.slice(1)}`}
            hint={
              k === 'action'
                ? 'e.g. predict, alias.set, train'
                : k === 'actor'
                  ? 'a key id'
                  : 'e.g. model:risk'
            }
          >
            {(id, hint) => (
              <input
                id={id}
                aria-describedby={hint}
                value={filters[k]}
                onChange={(e) => setFilters({ ...filters, [k]: e.target.value })}
              />
            )}
          </Field>
        ))}
        <button type="submit">Filter</button>
      </form>
      <Load state={list} what="the trail">
        {(page) => (
          <>
            <div className="table-wrap">
              <table data-testid="audit-table">
                <thead>
                  <tr>
                    <th scope="col" className="num">
                      #
                    </th>
                    <th scope="col">When</th>
                    <th scope="col">Actor</th>
                    <th scope="col">Role</th>
                    <th scope="col">Action</th>
                    <th scope="col">Resource</th>
                    <th scope="col">Model version</th>
                    <th scope="col">Output</th>
                    <th scope="col">Input hash</th>
                  </tr>
                </thead>
                <tbody>
                  {page.entries.map((e) => (
                    <tr key={e.seq}>
                      <td className="num">{e.seq}</td>
                      <td>{when(e.ts)}</td>
                      <td>
                        <code>{e.actor}</code>
                      </td>
                      <td>{e.role}</td>
                      <td>{e.action}</td>
                      <td>{e.resource}</td>
                      <td>{e.modelVersion ?? ''}</td>
                      <td>{e.outputSummary ?? ''}</td>
                      <td>
                        {e.inputHash ? <code title={e.inputHash}>{e.inputHash.slice(0, 10)}…</code> : ''}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            {!page.entries.length ? <p>No entries match.</p> : null}
            <nav className="pager" aria-label="Audit pages">
              <button
                type="button"
                disabled={cursor.length < 2}
                onClick={() => setCursor(cursor.slice(0, -1))}
              >
                Previous
              </button>
              <span>Page {cursor.length}</span>
              <button
                type="button"
                disabled={page.next === null}
                onClick={() => page.next !== null && setCursor([...cursor, page.next])}
              >
                Next
              </button>
            </nav>
          </>
        )}
      </Load>
    </>
  );
}
