import { describe, expect, it } from 'vitest';
import { isAegleError } from '../core/index.js';
import { createPseudonymizer, parseKey } from './keys.js';

const K1 = new Uint8Array(32).fill(1);
const K2 = new Uint8Array(32).fill(2);

describe('keyed pseudonyms', () => {
  it('are stable for a key, differ across keys and domains, and are not a bare hash', () => {
    const a = createPseudonymizer(K1);
    const b = createPseudonymizer(new Uint8Array(K1));
    expect(a.pseudonym('12345678', 'mrn')).toBe(b.pseudonym('12345678', 'mrn'));
    expect(a.pseudonym('12345678', 'mrn')).not.toBe(createPseudonymizer(K2).pseudonym('12345678', 'mrn'));
    expect(a.pseudonym('12345678', 'mrn')).not.toBe(a.pseudonym('12345678', 'patient'));
    expect(a.pseudonym('x', 'mrn', 'P-')).toMatch(/^P-[a-z2-7]{16}$/);
  });
  it('reversible tokens round-trip, are deterministic, and refuse tampering or another key', () => {
    const p = createPseudonymizer(K1);
    const t = p.token('Jane Doe');
    expect(p.token('Jane Doe')).toBe(t);
    expect(p.reveal(t)).toBe('Jane Doe');
    const bad = t.slice(0, -2) + (t.at(-2) === 'A' ? 'B' : 'A') + t.at(-1);
    expect(() => p.reveal(bad)).toThrow(/authentication failed/);
    expect(() => createPseudonymizer(K2).reveal(t)).toThrow();
    expect(() => p.reveal('nope')).toThrowError(expect.objectContaining({ code: 'AEGLE_PRIVACY_BAD_TOKEN' }));
  });
  it('date offsets are per patient, never zero, within range, and the same for every date', () => {
    const p = createPseudonymizer(K1);
    const seen = new Set<number>();
    for (let i = 0; i < 500; i++) {
      const d = p.dateOffsetDays(`P${i}`, 30);
      expect(d).not.toBe(0);
      expect(Math.abs(d)).toBeLessThanOrEqual(30);
      seen.add(d);
    }
    expect(seen.size).toBeGreaterThan(40);
    const t1 = Date.UTC(2020, 0, 1);
    const t2 = Date.UTC(2020, 5, 17);
    expect(p.shiftDate(t2, 'P1') - p.shiftDate(t1, 'P1')).toBe(t2 - t1);
  });
  it('parses hex and base64 keys and rejects others without echoing them', () => {
    expect(parseKey('ab'.repeat(32))).toHaveLength(32);
    expect(parseKey(Buffer.alloc(32, 9).toString('base64'))).toHaveLength(32);
    try {
      parseKey('hunter2-secret');
      expect.unreachable();
    } catch (e) {
      expect(isAegleError(e, 'AEGLE_PRIVACY_BAD_KEY')).toBe(true);
      expect((e as Error).message).not.toContain('hunter2');
    }
  });
});
