import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { MetaStore } from '../store/index.js';
import { createApiKey, KeyVerifier, revokeApiKey } from './keys.js';

// count argon2 verifications (the real function still runs)
const argon = vi.hoisted(() => ({ verifies: 0 }));
vi.mock('@node-rs/argon2', async (importOriginal) => {
  const real = await importOriginal<typeof import('@node-rs/argon2')>();
  return {
    ...real,
    verify: (...args: Parameters<typeof real.verify>) => {
      argon.verifies++;
      return real.verify(...args);
    },
  };
});

describe('KeyVerifier', () => {
  let meta: MetaStore;
  beforeAll(async () => {
    meta = await MetaStore.create({ sqlitePath: ':memory:' });
  });
  afterAll(async () => meta.close());

  it('runs argon2 once per key, re-reads the row when a verdict expires, and honours revocation', async () => {
    const { key, info } = await createApiKey(meta, { role: 'clinician' });
    const keys = new KeyVerifier(meta, { ttlMs: 0, negativeTtlMs: 0 });
    const before = argon.verifies;
    expect(await keys.verify(key)).toEqual({ keyId: info.id, role: 'clinician', rateLimit: null });
    expect(argon.verifies).toBe(before + 1);
    // the verdict expired at once (ttl 0): the row is read again, argon2 is not run again
    for (let i = 0; i < 5; i++) expect((await keys.verify(key))?.keyId).toBe(info.id);
    expect(argon.verifies).toBe(before + 1);
    // a wrong secret with a known id still fails (and does run argon2)
    expect(await keys.verify(`${key.slice(0, -3)}AAA`)).toBeNull();
    await revokeApiKey(meta, info.id);
    expect(await keys.verify(key)).toBeNull();
  });

  it('caches verdicts within the TTL', async () => {
    const { key, info } = await createApiKey(meta, { role: 'scientist' });
    const keys = new KeyVerifier(meta, { ttlMs: 60_000 });
    expect((await keys.verify(key))?.role).toBe('scientist');
    await revokeApiKey(meta, info.id);
    // still cached in this process until the TTL ends (or `clear()` after a local revocation)
    expect((await keys.verify(key))?.role).toBe('scientist');
    keys.clear();
    expect(await keys.verify(key)).toBeNull();
  });
});
