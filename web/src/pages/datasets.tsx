import { useRef, useState } from 'react';
import { href } from '../router';
import { can, useSession } from '../session';
import { Field, fmt, Load, Pager, Problem, useLoad, usePage, when } from '../ui';

export default function Datasets() {
  const s = useSession();
  const list = useLoad((signal) => s.api.get('/api/v1/datasets/', { signal }), []);
  return (
    <>
      <h1>Datasets</h1>
      {can(s, 'datasets:write') ? <Upload onDone={list.reload} /> : null}
      <section aria-labelledby="ds-list">
        <h2 id="ds-list">Dataset versions</h2>
        <Load state={list} what="datasets">
          {(rows) => <DatasetTable rows={rows} />}
        </Load>
      </section>
    </>
  );
}

type Version = {
  name: string;
  version: string;
  rows: number;
  columns: unknown[];
  createdAt: string;
  format: string;
  source: string;
};

function DatasetTable({ rows }: { rows: readonly Version[] }) {
  const p = usePage(rows, 15);
  if (!rows.length) return <p>No datasets yet. Upload a CSV, TSV or Parquet file above.</p>;
  return (
    <>
      <div className="table-wrap">
        <table>
          <caption className="sr-only">Dataset versions, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Version</th>
              <th scope="col" className="num">
                Rows
              </th>
              <th scope="col" className="num">
                Columns
              </th>
              <th scope="col">Format</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {p.rows.map((d) => (
              <tr key={`${d.name}@${d.version}`}>
                <th scope="row">
                  <a href={`${href('datasets', d.name)}?version=${encodeURIComponent(d.version)}`}>
                    {d.name}
                  </a>
                </th>
                <td>
                  <code>{d.version}</code>
                </td>
                <td className="num">{fmt(d.rows)}</td>
                <td className="num">{d.columns.length}</td>
                <td>{d.format}</td>
                <td>{when(d.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <Pager {...p} label="versions" />
    </>
  );
}

function Upload({ onDone }: { onDone: () => void }) {
  const s = useSession();
  const [name, setName] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [progress, setProgress] = useState<number | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);
  const fileRef = useRef<HTMLInputElement>(null);
  return (
    <section aria-labelledby="ds-upload" className="card">
      <h2 id="ds-upload">Upload</h2>
      <form
        className="row"
        onSubmit={async (e) => {
          e.preventDefault();
          if (!file) return;
          setError(null);
          setDone(null);
          setProgress(0);
          const form = new FormData();
          form.append('name', name);
          form.append('file', file);
          try {
            const out = await s.api.upload('/api/v1/datasets/', form, setProgress);
            setDone(
              `${out.dataset.name}@${out.dataset.version}: ${fmt(out.dataset.rows)} rows × ${out.dataset.columns.length} columns${out.unchanged ? ' (unchanged: the same content was already there)' : ''}`,
            );
            setName('');
            setFile(null);
            if (fileRef.current) fileRef.current.value = '';
            onDone();
          } catch (err) {
            setError(err);
          } finally {
            setProgress(null);
          }
        }}
      >
        <Field label="File (CSV, TSV or Parquet)">
          {(id) => (
            <input
              id={id}
              ref={fileRef}
              type="file"
              accept=".csv,.tsv,.parquet"
              required
              onChange={(e) => {
                const f = e.target.files?.[0] ?? null;
                setFile(f);
                if (f && !name)
                  setName(
                    f.name
                      .replace(/\.[^.]+$/, '')
                      .replace(/[^A-Za-z0-9_]/g, '_')
                      .replace(/^[^A-Za-z]+/, '')
                      .slice(0, 64)
                      .toLowerCase(),
                  );
              }}
            />
          )}
        </Field>
        <Field
          label="Dataset name"
          hint="Starts with a letter; letters, digits, _ . -; a new version if the name exists."
        >
          {(id, hint) => (
            <input
              id={id}
              aria-describedby={hint}
              required
              pattern="[A-Za-z][A-Za-z0-9_.\-]{0,63}"
              value={name}
              onChange={(e) => setName(e.target.value)}
            />
          )}
        </Field>
        <button type="submit" className="primary" disabled={!file || !name || progress !== null}>
          Upload
        </button>
      </form>
      {progress !== null ? (
        <div className="field">
          <label htmlFor="upload-progress">{progress < 1 ? 'Uploading' : 'Ingesting on the server'}</label>
          <progress id="upload-progress" max={1} value={progress < 1 ? progress : undefined} />
        </div>
      ) : null}
      {done ? (
        <p role="status" className="ok">
          Uploaded {done}.
        </p>
      ) : null}
      <Problem error={error} title="Upload failed" />
    </section>
  );
}
