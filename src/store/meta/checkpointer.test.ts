import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WalCheckpointer } from './checkpointer.js';
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

  it('under continuous writes the thread restarts the WAL itself, and writers wait for it without blocking', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'aegle-ckpt-'));
    dirs.push(dir);
    const meta = await MetaStore.create({ home: dir });
    const db = meta.sqlite!;
    // a pass every 20 ms; a restart once the WAL holds 400 frames (1.6 MB)
    const ckpt = (await WalCheckpointer.start(db, meta.where, 20, 400))!;
    expect(ckpt).not.toBeNull();
    const ins = db.prepare(
      "INSERT INTO prediction_log (ts, model_name, version, request_id, features_json, n_rows) VALUES ('t', 'm', 1, ?, ?, 1)",
    );
    const tx = db.transaction((k: number) => {
      for (let i = 0; i < 4; i++) ins.run(`r${k}.${i}`, 'x'.repeat(2000));
    });
    // the event loop commits back to back for 2 s, as a loaded server's group commits do; while a
    // restart holds the write lock it waits for it (as the log writer does) instead of meeting it
    let maxFrames = 0;
    let waits = 0;
    // frames appended in all: what the WAL would hold without the restarts
    let written = 0;
    let last = 0;
    const end = Date.now() + 2000;
    for (let k = 0; Date.now() < end; k++) {
      const restart = ckpt.restartInProgress();
      if (restart) {
        waits++;
        await restart;
      }
      tx(k);
      const frames = walFrames(db);
      written += frames >= last ? frames - last : frames;
      last = frames;
      maxFrames = Math.max(maxFrames, frames);
      await new Promise((r) => setImmediate(r));
    }
    const stats = (await ckpt.stop())!;
    expect(stats.restarts).toBeGreaterThan(0);
    expect(waits).toBeGreaterThan(0);
    // the WAL stayed within a few passes' worth of frames of the threshold (≈ 6,000 at most on an idle
    // machine, 28,500 once when the whole suite shared the two cores); without the restarts it holds
    // every frame written (277,000 frames, 1.1 GB, in 3 s)
    expect(maxFrames).toBeLessThan(written / 2);
    expect(maxFrames).toBeLessThan(100_000);
    expect(ckpt.restartInProgress()).toBeNull();
    await meta.close();
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
