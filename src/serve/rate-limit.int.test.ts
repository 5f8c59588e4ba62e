/**
 * Per-key rate limits: in one process, and shared by replicas through Redis (real Redis at
 * AEGLE_TEST_REDIS_URL; skipped with a notice without it).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalRateLimiter, RedisRateLimiter } from './rate-limit.js';

const redisUrl = process.env.AEGLE_TEST_REDIS_URL;
if (!redisUrl)
  process.stderr.write('NOTICE: AEGLE_TEST_REDIS_URL is not set: shared rate-limit tests skipped\n');

const T0 = Date.UTC(2026, 10, 28, 12, 0, 10); // 10 s into a minute

describe('local rate limiter', () => {
  it('allows `limit` requests per key per minute, then answers with the seconds left', async () => {
    const rl = new LocalRateLimiter();
    const got = [];
    for (let i = 0; i < 4; i++) got.push(await rl.hit('k1', 3, T0 + i));
    expect(got.map((d) => d.allowed)).toEqual([true, true, true, false]);
    expect(got[3].retryAfter).toBe(60);
    expect((await rl.hit('k2', 3, T0)).allowed).toBe(true); // other keys have their own window
    expect((await rl.hit('k1', 3, T0 + 60_000)).allowed).toBe(true); // a new window
    await rl.close();
  });
});

describe.skipIf(!redisUrl)('shared rate limiter (Redis)', () => {
  const prefix = `aegle:test:rl:${randomBytes(4).toString('hex')}:`;
  const open: RedisRateLimiter[] = [];
  afterAll(async () => {
    await Promise.all(open.map((r) => r.close()));
  });

  it('counts one key across replicas: the limit holds for the fleet, not per process', async () => {
    const a = await RedisRateLimiter.connect(redisUrl!, { prefix });
    const b = await RedisRateLimiter.connect(redisUrl!, { prefix });
    open.push(a, b);
    const seq = [];
    for (let i = 0; i < 3; i++) seq.push(await a.hit('key', 5, T0 + i));
    for (let i = 0; i < 3; i++) seq.push(await b.hit('key', 5, T0 + 10 + i));
    expect(seq.map((d) => d.count)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(seq.map((d) => d.allowed)).toEqual([true, true, true, true, true, false]);
    expect(seq[5].retryAfter).toBe(50);
    // the next minute starts a new window
    expect((await a.hit('key', 5, T0 + 60_000)).count).toBe(1);
  });

  it('keeps limiting in this process when Redis cannot be reached', async () => {
    const dead = await RedisRateLimiter.connect('redis://127.0.0.1:1', { prefix });
    open.push(dead);
    const got = [];
    for (let i = 0; i < 3; i++) got.push(await dead.hit('key', 2, T0 + i));
    expect(got.map((d) => d.allowed)).toEqual([true, true, false]);
  });
});
