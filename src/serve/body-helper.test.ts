import { createHash } from 'node:crypto';
import os from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '../core/index.js';
import { readRowTable } from '../runtime/index.js';
import { BODY_HELPER_MIN_BYTES, bodyHelper, bodyHelperRows, enableBodyHelper } from './body-helper.js';

/** A predict body of `n` rows (numbers and some nulls) in shared memory, as the body reader leaves it. */
function sharedBody(n: number, seed: number): Buffer {
  const r = new Rng(seed);
  const rows = Array.from({ length: n }, () => {
    const cells = Array.from(
      { length: 30 },
      (_, j) => `"feature_${j}": ${r.uniform() < 0.02 ? 'null' : (r.normal() * 40).toFixed(j % 4)}`,
    );
    return `{${cells.join(', ')}}`;
  });
  const text = Buffer.from(`{"rows": [${rows.join(', ')}]}`);
  const shared = Buffer.from(new SharedArrayBuffer(text.length));
  text.copy(shared);
  return shared;
}

afterAll(() => enableBodyHelper(false));

describe('the body helper thread', () => {
  it('reads the second half of the rows: the table one thread reads, bit for bit', () => {
    enableBodyHelper(true);
    const body = sharedBody(6000, 1);
    expect(body.length).toBeGreaterThan(BODY_HELPER_MIN_BYTES);
    const alone = readRowTable(body, 100_000)!;
    const before = bodyHelperRows();
    const helper = bodyHelper(body.length);
    if (os.availableParallelism() < 2) {
      expect(helper).toBeNull(); // one core: nothing to split across
      return;
    }
    const split = readRowTable(body, 100_000, helper!.rows)!;
    // the thread read about half of the rows (the split is at the middle byte)
    const byHelper = bodyHelperRows() - before;
    expect(byHelper).toBeGreaterThan(2500);
    expect(byHelper).toBeLessThan(3500);
    expect(split.n).toBe(alone.n);
    for (let j = 0; j < 30; j++) {
      const a = alone.columns[j] as Float64Array;
      const b = split.columns[j] as Float64Array;
      expect(
        Buffer.from(b.buffer, b.byteOffset, b.byteLength).equals(
          Buffer.from(a.buffer, a.byteOffset, a.byteLength),
        ),
      ).toBe(true);
    }
    // a body that is too small stays on this thread
    expect(bodyHelper(BODY_HELPER_MIN_BYTES - 1)).toBeNull();
  });

  it('hashes bodies on its thread part by part, several at once, each to its own SHA-256', () => {
    enableBodyHelper(true);
    const helper = bodyHelper(BODY_HELPER_MIN_BYTES);
    if (!helper) return;
    const bodies = [sharedBody(3000, 2), sharedBody(3100, 3), sharedBody(3200, 4)];
    const hashes = bodies.map(() => helper.startHash());
    // interleaved parts of uneven sizes, as bodies arriving together would send them
    for (const frac of [0.1, 0.35, 0.36, 0.8])
      for (let k = 0; k < hashes.length; k++)
        hashes[k].update(bodies[k], Math.floor(bodies[k].length * frac));
    // a dropped hash in between leaves the others alone
    const dropped = helper.startHash();
    dropped.update(bodies[0], 1000);
    dropped.drop();
    const waits = hashes.map((h, k) => h.finish(bodies[k], bodies[k].length));
    // answered in any order, each the hash of its own bytes
    for (const k of [2, 0, 1]) expect(waits[k]()).toBe(createHash('sha256').update(bodies[k]).digest('hex'));
    expect(waits[0]()).toBe(waits[0]()); // asked twice: the same answer
    // a hash of part of a buffer (the body is shorter than its pooled buffer)
    const part = helper.startHash().finish(bodies[1], 5000);
    expect(part()).toBe(createHash('sha256').update(bodies[1].subarray(0, 5000)).digest('hex'));
  });
});
