/**
 * Verification of the JWT a CDS client sends with every hook call (CDS Hooks 2.0 § Trusting CDS
 * Clients, https://cds-hooks.hl7.org/2.0/#trusting-cds-clients): the issuer must be allow-listed; the
 * signing key is found by `kid` in the JWK Set at the `jku` header URL, which must be one of the URLs
 * configured for that issuer (or, without `jku`, the issuer's only configured URL); `aud` must be the
 * service's endpoint URL; `exp` must not be past (and at most five minutes ahead, as the spec caps it);
 * `jti` must not have been seen before while its token could still be valid.
 *
 * Verification runs on node:crypto directly: each JWKS is fetched once (kept ten minutes, fetched
 * again for an unknown `kid` at most every 30 s), its keys imported once as `KeyObject`s, and an
 * ECDSA signature (≈ 1 ms of CPU for P-384) is checked on libuv's thread pool so the event loop keeps
 * serving other calls meanwhile. The checks are those of `jose`'s `jwtVerify` with a remote JWK Set
 * (RFC 7515 / 7518 / 7519), which this replaces on the hot path.
 */
import { LocalReplayGuard, type ReplayGuard } from './replay-guard.js';
import {
  constants,
  createPublicKey,
  type JsonWebKey,
  type KeyObject,
  verify as cryptoVerify,
} from 'node:crypto';
import { createError } from '../core/index.js';

export { CdsErrors } from './cds-errors.js';

/**
 * Algorithms a CDS client may sign with (the spec asks services to support ES384 and RS384), with what
 * node:crypto needs to check them (RFC 7518 § 3.1, RFC 8037).
 */
const ALGORITHMS: Readonly<
  Record<string, { kty: string; hash: string | null; crv?: string; ec?: number; pss?: true }>
> = {
  ES256: { kty: 'EC', hash: 'sha256', crv: 'P-256', ec: 64 },
  ES384: { kty: 'EC', hash: 'sha384', crv: 'P-384', ec: 96 },
  ES512: { kty: 'EC', hash: 'sha512', crv: 'P-521', ec: 132 },
  RS256: { kty: 'RSA', hash: 'sha256' },
  RS384: { kty: 'RSA', hash: 'sha384' },
  RS512: { kty: 'RSA', hash: 'sha512' },
  PS256: { kty: 'RSA', hash: 'sha256', pss: true },
  PS384: { kty: 'RSA', hash: 'sha384', pss: true },
  EdDSA: { kty: 'OKP', hash: null },
};
/** The spec: "exp … MUST be no more than five minutes in the future". */
const MAX_LIFETIME_S = 300;
const CLOCK_TOLERANCE_S = 30;
/** How long a fetched JWKS is trusted, and how soon an unknown kid may trigger another fetch. */
const JWKS_MAX_AGE_MS = 600_000;
const JWKS_COOLDOWN_MS = 30_000;
/** How soon a JWKS whose fetch failed (and whose keys have aged out) is tried again. */
const JWKS_RETRY_MS = 1000;
const JWKS_TIMEOUT_MS = 2000;
const JWKS_MAX_BYTES = 1 << 20;

export interface VerifiedClient {
  readonly iss: string;
  readonly sub: string | null;
  readonly jti: string;
}

/** One public key of a JWKS, imported once. */
interface JwksKey {
  readonly kid: string | undefined;
  readonly kty: string;
  readonly crv: string | undefined;
  readonly alg: string | undefined;
  readonly key: KeyObject;
}

interface KeySet {
  keys: readonly JwksKey[];
  /** Last successful fetch (0: never); keys older than JWKS_MAX_AGE_MS are not used. */
  fetchedAt: number;
  /** Last attempt, successful or not, and why the last one failed. */
  triedAt: number;
  error: string | null;
  pending: Promise<void> | null;
}

const reject = (reason: string) => createError('AEGLE_CDS_JWT_INVALID', { reason });

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The JSON object a base64url JWT segment encodes, or null. */
function segment(s: string): Record<string, unknown> | null {
  if (!/^[A-Za-z0-9_-]+$/.test(s)) return null;
  try {
    const v: unknown = JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));
    return isObject(v) ? v : null;
  } catch {
    return null;
  }
}

/** The keys of a JWK Set document that can verify signatures (RFC 7517 § 4–5), imported. */
function importJwks(doc: unknown): JwksKey[] {
  if (!isObject(doc) || !Array.isArray(doc.keys)) throw new Error('not a JSON Web Key Set');
  const out: JwksKey[] = [];
  for (const jwk of doc.keys) {
    if (!isObject(jwk) || typeof jwk.kty !== 'string') continue;
    if (jwk.use !== undefined && jwk.use !== 'sig') continue;
    if (jwk.key_ops !== undefined && !(Array.isArray(jwk.key_ops) && jwk.key_ops.includes('verify')))
      continue;
    // a set whose members carry private parts is refused as jose refuses it
    if (jwk.d !== undefined) throw new Error('JSON Web Key Set members must be public keys');
    let key: KeyObject;
    try {
      key = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
    } catch {
      continue; // a key type node cannot import is one no token can use
    }
    out.push({
      kid: typeof jwk.kid === 'string' ? jwk.kid : undefined,
      kty: jwk.kty,
      crv: typeof jwk.crv === 'string' ? jwk.crv : undefined,
      alg: typeof jwk.alg === 'string' ? jwk.alg : undefined,
      key,
    });
  }
  return out;
}

/** Checks one signature; ECDSA goes to the thread pool, the cheap RSA / EdDSA checks stay inline. */
function checkSignature(alg: string, data: Buffer, key: KeyObject, sig: Buffer): Promise<boolean> {
  const a = ALGORITHMS[alg];
  if (a.kty === 'RSA') {
    if ((key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) return Promise.resolve(false);
    const k = a.pss
      ? { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }
      : key;
    return Promise.resolve(cryptoVerify(a.hash, data, k, sig));
  }
  if (a.kty === 'OKP') return Promise.resolve(cryptoVerify(null, data, key, sig));
  if (sig.length !== a.ec) return Promise.resolve(false);
  return new Promise((resolve) => {
    cryptoVerify(a.hash, data, { key, dsaEncoding: 'ieee-p1363' }, sig, (err, ok) => resolve(!err && ok));
  });
}

/** Verifies CDS client JWTs against an issuer → JWKS URL allow-list; remembers `jti`s until they expire. */
export class CdsJwtVerifier {
  private readonly keySets = new Map<string, KeySet>();
  constructor(
    private readonly issuers: Readonly<Record<string, readonly string[]>>,
    /** Where used `jti`s are remembered: this process, or Redis shared by every replica. */
    private readonly replay: ReplayGuard = new LocalReplayGuard(),
  ) {}

  /** True when at least one issuer is trusted (else every JWT is refused). */
  get enabled(): boolean {
    return Object.keys(this.issuers).length > 0;
  }

  /** Fetches the JWKS at `jku` (one fetch at a time per URL); throws saying why it could not. */
  private fetchKeys(jku: string, ks: KeySet): Promise<void> {
    ks.pending ??= (async () => {
      ks.triedAt = Date.now();
      try {
        const res = await fetch(jku, {
          headers: { accept: 'application/json, application/jwk-set+json' },
          signal: AbortSignal.timeout(JWKS_TIMEOUT_MS),
          redirect: 'error',
        });
        if (!res.ok) {
          await res.arrayBuffer().catch(() => {});
          throw new Error(`HTTP ${res.status}`);
        }
        const text = await res.text();
        if (text.length > JWKS_MAX_BYTES) throw new Error('larger than 1 MiB');
        ks.keys = importJwks(JSON.parse(text));
        ks.fetchedAt = Date.now();
        ks.error = null;
      } catch (e) {
        const err = e as Error;
        ks.error = err.name === 'TimeoutError' ? `no answer within ${JWKS_TIMEOUT_MS} ms` : err.message;
        throw new Error(ks.error);
      } finally {
        ks.pending = null;
      }
    })();
    return ks.pending;
  }

  /**
   * The keys of `jku` that may check an `alg` signature with `kid`. The JWKS is fetched when it was
   * never fetched or has aged out, and again for an unknown kid (key rotation) at most every 30 s.
   */
  private async candidates(jku: string, kid: string, alg: string): Promise<JwksKey[]> {
    let ks = this.keySets.get(jku);
    if (!ks) {
      ks = { keys: [], fetchedAt: 0, triedAt: 0, error: null, pending: null };
      this.keySets.set(jku, ks);
    }
    const a = ALGORITHMS[alg];
    const match = (k: JwksKey) =>
      k.kid === kid &&
      k.kty === a.kty &&
      (a.crv === undefined || k.crv === a.crv) &&
      (a.kty !== 'OKP' || k.crv === 'Ed25519' || k.crv === 'Ed448') &&
      (k.alg === undefined || k.alg === alg);
    const now = Date.now();
    const fresh = ks.fetchedAt > 0 && now - ks.fetchedAt <= JWKS_MAX_AGE_MS;
    let found = fresh ? ks.keys.filter(match) : [];
    if (found.length === 0) {
      if (ks.pending || now - ks.triedAt >= (fresh ? JWKS_COOLDOWN_MS : JWKS_RETRY_MS)) {
        try {
          await this.fetchKeys(jku, ks);
        } catch (e) {
          throw reject(`the issuer's JWKS could not be read (${(e as Error).message})`);
        }
        found = ks.keys.filter(match);
      } else if (!fresh) throw reject(`the issuer's JWKS could not be read (${ks.error ?? 'not fetched'})`);
    }
    if (found.length === 0) throw reject(`no key '${kid}' in the issuer's JWKS`);
    return found;
  }

  /** Verifies `token` for the service at `audience`; throws AEGLE_CDS_JWT_INVALID saying why not. */
  async verify(token: string, audience: string): Promise<VerifiedClient> {
    const parts = token.split('.');
    const header = parts.length === 3 ? segment(parts[0]) : null;
    const payload = header ? segment(parts[1]) : null;
    if (!header || !payload || !/^[A-Za-z0-9_-]+$/.test(parts[2])) throw reject('not a JWT');
    const iss = payload.iss;
    const allowed = typeof iss === 'string' ? this.issuers[iss] : undefined;
    if (typeof iss !== 'string' || !allowed?.length)
      throw reject(`issuer '${String(iss).slice(0, 100)}' is not allowed`);
    const jku = typeof header.jku === 'string' ? header.jku : allowed.length === 1 ? allowed[0] : undefined;
    if (!jku) throw reject('no jku header and the issuer has several JWKS URLs');
    if (!allowed.includes(jku.replace(/\/+$/, '')))
      throw reject(`jku '${jku.slice(0, 200)}' is not allowed for issuer '${iss}'`);
    if (typeof header.kid !== 'string' || !header.kid) throw reject('no kid header');
    const alg = header.alg;
    if (typeof alg !== 'string' || !Object.hasOwn(ALGORITHMS, alg))
      throw reject(`algorithm ${String(alg).slice(0, 20)} is not allowed`);
    // RFC 7515 § 4.1.11: a critical extension this verifier does not understand makes the JWS invalid
    if (header.crit !== undefined)
      throw reject('the crit header names extensions this service does not support');

    // signature (RFC 7515 § 5.2) against each key of the issuer's JWKS that fits kid and alg
    const data = Buffer.from(`${parts[0]}.${parts[1]}`);
    const sig = Buffer.from(parts[2], 'base64url');
    let ok = false;
    for (const k of await this.candidates(jku, header.kid, alg)) {
      if (await checkSignature(alg, data, k.key, sig)) {
        ok = true;
        break;
      }
    }
    if (!ok) throw reject('the signature does not verify');

    // claims (RFC 7519 § 4.1, CDS Hooks 2.0 § Trusting CDS Clients)
    const now = Math.floor(Date.now() / 1000);
    const { exp, nbf, iat, aud, jti } = payload;
    if (exp === undefined) throw reject('claim exp: missing required "exp" claim');
    if (typeof exp !== 'number' || !Number.isFinite(exp))
      throw reject('claim exp: "exp" claim must be a number');
    for (const [name, v] of [
      ['nbf', nbf],
      ['iat', iat],
    ] as const)
      if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v)))
        throw reject(`claim ${name}: "${name}" claim must be a number`);
    if (aud !== audience && !(Array.isArray(aud) && aud.includes(audience)))
      throw reject(`aud must be ${audience}`);
    if (typeof nbf === 'number' && nbf > now + CLOCK_TOLERANCE_S)
      throw reject('claim nbf: "nbf" claim timestamp check failed');
    if (exp <= now - CLOCK_TOLERANCE_S) throw reject('it has expired (exp)');
    if (exp > now + MAX_LIFETIME_S + CLOCK_TOLERANCE_S) throw reject('exp is more than five minutes ahead');
    if (typeof jti !== 'string' || !jti) throw reject('claim jti: missing required "jti" claim');
    if (!(await this.replay.claim(`${iss}\u0000${jti}`, exp + CLOCK_TOLERANCE_S, now)))
      throw reject('jti was used before (replay)');
    return { iss, sub: typeof payload.sub === 'string' ? payload.sub : null, jti };
  }
}
