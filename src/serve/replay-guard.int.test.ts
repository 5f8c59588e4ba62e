/**
 * One-time token ids (CDS Hooks `jti`): in one process, and shared by replicas through Redis (real
 * Redis at AEGLE_TEST_REDIS_URL; skipped with a notice without it).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalReplayGuard, RedisReplayGuard } from './replay-guard.js';

const redisUrl = process.env.AEGLE_TEST_REDIS_URL;
if (!redisUrl)
  process.stderr.write('NOTICE: AEGLE_TEST_REDIS_URL is not set: shared replay-guard tests skipped\n');

describe('local replay guard', () => {
  it('accepts an id once until it expires, then forgets it', async () => {
    const g = new LocalReplayGuard();
    expect(await g.claim('a', 1_000, 900)).toBe(true);
    expect(await g.claim('a', 1_000, 901)).toBe(false);
    expect(await g.claim('b', 1_000, 901)).toBe(true);
    expect(await g.claim('a', 1_200, 1_001)).toBe(true); // expired at 1,000: usable again
  });
});

describe.skipIf(!redisUrl)('shared replay guard (Redis)', () => {
  const prefix = `aegle:test:jti:${randomBytes(4).toString('hex')}:`;
  const open: RedisReplayGuard[] = [];
  afterAll(async () => {
    await Promise.all(open.map((g) => g.close()));
  });

  it('refuses a token id replayed to another replica', async () => {
    const a = await RedisReplayGuard.connect(redisUrl!, { prefix });
    const b = await RedisReplayGuard.connect(redisUrl!, { prefix });
    open.push(a, b);
    const now = Math.floor(Date.now() / 1000);
    expect(await a.claim('issuer\u0000jti-1', now + 300, now)).toBe(true);
    expect(await b.claim('issuer\u0000jti-1', now + 300, now)).toBe(false);
    expect(await a.claim('issuer\u0000jti-1', now + 300, now)).toBe(false);
    expect(await b.claim('issuer\u0000jti-2', now + 300, now)).toBe(true);
  });

  it('remembers ids in this process when Redis cannot be reached', async () => {
    const dead = await RedisReplayGuard.connect('redis://127.0.0.1:1', { prefix });
    open.push(dead);
    const now = Math.floor(Date.now() / 1000);
    expect(await dead.claim('x', now + 60, now)).toBe(true);
    expect(await dead.claim('x', now + 60, now)).toBe(false);
  });
});
