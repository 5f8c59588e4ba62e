/**
 * Keyed pseudonyms, reversible tokens and per-patient date offsets.
 *
 * - Pseudonyms are HMAC-SHA-256 of the value under a secret key (never a bare hash: a bare hash of an
 *   MRN or a name is reversed by hashing every candidate). Same key ⇒ same pseudonym in every table and
 *   every run, so joins survive.
 * - Tokens are deterministic AES-256-GCM (the IV is an HMAC of the plaintext, as in SIV constructions):
 *   the same value always gives the same token, an authorised holder of the key can reverse it, and any
 *   change to a token is detected.
 * - Date offsets are derived from the key and the patient id, so every date of one patient moves by the
 *   same number of days and intervals survive.
 * Sub-keys for each purpose come from HKDF-SHA-256 (RFC 5869) over the one secret.
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync } from 'node:crypto';
import { createError } from '../core/index.js';
import './errors.js';

export const DAY_MS = 86_400_000;

/**
 * Parses a 256-bit key given as 64 hex digits or base64/base64url of 32 bytes.
 * @param what names the key in the error (never echoes the value).
 */
export function parseKey(text: string, what = 'The key'): Uint8Array {
  const s = text.trim();
  let bytes: Buffer | null = null;
  if (/^[0-9a-fA-F]{64}$/.test(s)) bytes = Buffer.from(s, 'hex');
  else if (/^[A-Za-z0-9+/_-]{42,44}={0,2}$/.test(s))
    bytes = Buffer.from(s.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (bytes?.length !== 32) {
    throw createError('AEGLE_PRIVACY_BAD_KEY', {
      what,
      expected: '32 bytes as 64 hex digits or base64',
      got: `${s.length} characters`,
    });
  }
  return new Uint8Array(bytes);
}

function subKey(key: Uint8Array, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), `aegle/privacy/${purpose}`, 32));
}

const B32 = 'abcdefghijklmnopqrstuvwxyz234567';
function base32(bytes: Uint8Array, chars: number): string {
  let out = '';
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < bytes.length && out.length < chars; i++) {
    acc = (acc << 8) | bytes[i];
    bits += 8;
    while (bits >= 5 && out.length < chars) {
      out += B32[(acc >>> (bits - 5)) & 31];
      bits -= 5;
    }
    acc &= (1 << bits) - 1;
  }
  return out;
}

/** Keyed pseudonymisation functions bound to one secret. */
export interface Pseudonymizer {
  /**
   * A stable pseudonym for `value`: `prefix` + 16 base32 characters (80 bits) of HMAC-SHA-256 over
   * `domain` and the value. Use one domain per kind of identifier (`mrn`, `patient`, …) so that equal
   * strings of different kinds do not share a pseudonym.
   */
  pseudonym(value: string, domain?: string, prefix?: string): string;
  /** Raw HMAC-SHA-256 bytes (for callers that need numbers, e.g. DICOM UIDs). */
  hmac(value: string, domain: string): Buffer;
  /** A reversible, deterministic, authenticated token `tok1.<base64url>` (AES-256-GCM). */
  token(value: string): string;
  /** Opens a token made by `token` with the same key; throws AEGLE_PRIVACY_BAD_TOKEN otherwise. */
  reveal(token: string): string;
  /**
   * The per-patient date offset in whole days, in [−maxDays, −1] ∪ [1, maxDays] (never 0, so no date
   * is left unshifted). Same key and patient ⇒ same offset.
   */
  dateOffsetDays(patientKey: string, maxDays?: number): number;
  /** Shifts epoch milliseconds by the patient's offset (NaN stays NaN). */
  shiftDate(ms: number, patientKey: string, maxDays?: number): number;
}

/** Creates the pseudonymiser for a 32-byte secret (see `parseKey`). */
export function createPseudonymizer(secret: Uint8Array): Pseudonymizer {
  if (!(secret instanceof Uint8Array) || secret.length !== 32) {
    throw createError('AEGLE_PRIVACY_BAD_KEY', {
      what: 'The pseudonym secret',
      expected: '32 bytes',
      got: `${secret?.length ?? 0} bytes`,
    });
  }
  const kPseud = subKey(secret, 'pseudonym');
  const kIv = subKey(secret, 'token-iv');
  const kEnc = subKey(secret, 'token-enc');
  const kDate = subKey(secret, 'date-offset');
  const hmac = (value: string, domain: string): Buffer =>
    createHmac('sha256', kPseud).update(domain).update('\u0000').update(value).digest();
  const dateOffsetDays = (patientKey: string, maxDays = 365): number => {
    if (!Number.isInteger(maxDays) || maxDays < 1) {
      throw createError('AEGLE_CORE_INVALID_PARAM', {
        param: 'maxDays',
        owner: 'dateOffsetDays',
        expected: 'an integer ≥ 1',
        got: maxDays,
      });
    }
    const h = createHmac('sha256', kDate).update(patientKey).digest();
    const u = h.readUInt32BE(0) % (2 * maxDays);
    return u < maxDays ? u - maxDays : u - maxDays + 1;
  };
  return {
    hmac,
    pseudonym(value, domain = 'id', prefix = '') {
      return prefix + base32(hmac(value, domain), 16);
    },
    token(value) {
      const iv = createHmac('sha256', kIv).update(value).digest().subarray(0, 12);
      const c = createCipheriv('aes-256-gcm', kEnc, iv);
      const ct = Buffer.concat([c.update(value, 'utf8'), c.final()]);
      return `tok1.${Buffer.concat([iv, ct, c.getAuthTag()]).toString('base64url')}`;
    },
    reveal(token) {
      if (typeof token !== 'string' || !token.startsWith('tok1.')) {
        throw createError('AEGLE_PRIVACY_BAD_TOKEN', { reason: "it does not start with 'tok1.'" });
      }
      const raw = Buffer.from(token.slice(5), 'base64url');
      if (raw.length < 28) throw createError('AEGLE_PRIVACY_BAD_TOKEN', { reason: 'it is too short' });
      try {
        const d = createDecipheriv('aes-256-gcm', kEnc, raw.subarray(0, 12));
        d.setAuthTag(raw.subarray(raw.length - 16));
        return Buffer.concat([d.update(raw.subarray(12, raw.length - 16)), d.final()]).toString('utf8');
      } catch {
        throw createError('AEGLE_PRIVACY_BAD_TOKEN', {
          reason: 'authentication failed (altered, or another key)',
        });
      }
    },
    dateOffsetDays,
    shiftDate(ms, patientKey, maxDays = 365) {
      if (Number.isNaN(ms)) return ms;
      return ms + dateOffsetDays(patientKey, maxDays) * DAY_MS;
    },
  };
}
