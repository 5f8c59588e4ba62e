import { describe, expect, it } from 'vitest';
import { BatchQueue } from './batch-queue.js';

describe('BatchQueue', () => {
  it('group commit: commits arriving together share one write, each resolves after it', async () => {
    const writes: number[][] = [];
    const q = new BatchQueue<number>({
      name: 't',
      flushMs: 10_000,
      batchSize: 100,
      write: (b) => void writes.push(b),
    });
    const done = await Promise.all([q.commit(1), q.commit(2), q.commit(3)]);
    expect(done).toHaveLength(3);
    expect(writes).toEqual([[1, 2, 3]]);
    // arrivals during a running (async) write go together into the next one
    const slow: number[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const q2 = new BatchQueue<number>({
      name: 't2',
      flushMs: 10_000,
      batchSize: 100,
      write: async (b) => {
        slow.push(b);
        if (slow.length === 1) await gate;
      },
    });
    const a = q2.commit(1);
    await new Promise((r) => setImmediate(r));
    const rest = [q2.commit(2), q2.commit(3)];
    release();
    await Promise.all([a, ...rest]);
    expect(slow).toEqual([[1], [2, 3]]);
  });

  it('push writes behind; a failed write rejects its waiters, keeps the items and retries', async () => {
    const written: number[] = [];
    let fail = true;
    const q = new BatchQueue<number>({
      name: 't',
      flushMs: 1,
      batchSize: 100,
      write: (b) => {
        if (fail) throw new Error('database away');
        written.push(...b);
      },
    });
    q.push(1);
    await expect(q.commit(2)).rejects.toThrow(/database away/);
    fail = false;
    await q.close();
    expect(written).toEqual([1, 2]);
    await expect(q.commit(3)).rejects.toThrow(/closed/);
  });
});
