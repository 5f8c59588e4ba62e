import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MetaStore } from './meta-store.js';

describe('background WAL checkpoints', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  const fill = (db: NonNullable<MetaStore['sqlite']>, txs: number) => {
    const ins = db.prepare(
      "INSERT INTO prediction_log (ts, model_name, version, request_id, features_json, n_rows) VALUES ('t', 'm', 1, ?, ?, 1)",
    );
    const tx = db.transaction((k: number) => ins.run(`r${k}`, 'x'.repeat(8000)));
    for (let k = 0; k < txs; k++) tx(k);
  };
  /** [busy, frames in the WAL, frames checkpointed] as the committing connection sees them. */
  const walFrames = (db: NonNullable<MetaStore['sqlite']>) =>
    (db.pragma('wal_checkpoint(NOOP)') as unknown as { log: number }[])[0]?.log;

  it('a worker thread checkpoints; the committing connection does not, and the WAL restarts small', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'aegle-ckpt-'));
    dirs.push(dir);
    const meta = await MetaStore.create({ home: dir, backgroundCheckpoint: true });
    const db = meta.sqlite!;
    expect(meta.checkpointsInBackground).toBe(true);
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    fill(db, 1500); // ~12 MB: past the default 1,000-page automatic checkpoint
    // nothing checkpointed it on this connection: every frame is still in the WAL
    expect(statSync(path.join(dir, 'meta.sqlite-wal')).size).toBeGreaterThan(8e6);
    await new Promise((r) => setTimeout(r, 800));
    fill(db, 1); // the writer restarts the WAL once the thread has copied it all
    expect(walFrames(db)).toBeLessThan(20);
    await meta.close();
    expect(meta.checkpointsInBackground).toBe(false);
  });

  it('without the option, the connection checkpoints as SQLite does by default', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'aegle-ckpt-'));
    dirs.push(dir);
    const meta = await MetaStore.create({ home: dir });
    expect(meta.checkpointsInBackground).toBe(false);
    expect(meta.sqlite!.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    await meta.close();
  });
});
