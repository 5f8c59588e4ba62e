/**
 * Verification of the JWT a CDS client sends with every hook call (CDS Hooks 2.0 § Trusting CDS
 * Clients, https://cds-hooks.hl7.org/2.0/#trusting-cds-clients): the issuer must be allow-listed; the
 * signing key is found by `kid` in the JWK Set at the `jku` header URL, which must be one of the URLs
 * configured for that issuer (or, without `jku`, the issuer's only configured URL); `aud` must be the
 * service's endpoint URL; `exp` must not be past (and at most five minutes ahead, as the spec caps it);
 * `jti` must not have been seen before while its token could still be valid.
 */
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, type JWTVerifyGetKey, jwtVerify } from 'jose';
import { createError, defineErrors } from '../core/index.js';

export const CdsErrors = defineErrors({
  AEGLE_CDS_JWT_INVALID: {
    message: 'The CDS client JWT is not accepted: {reason}.',
    status: 401,
    fix: 'Sign a fresh JWT (iss allow-listed in AEGLE_CDS_ISSUERS, jku/kid of its JWKS, aud = the service URL, exp ≤ 5 min, a new jti) and send it as Authorization: Bearer.',
  },
  AEGLE_CDS_SERVICE_NOT_FOUND: {
    message: "No CDS service '{id}'.",
    status: 404,
    fix: "GET /cds-services lists the services; a model becomes one when its '{alias}' alias points at a version.",
  },
  AEGLE_CDS_BAD_REQUEST: {
    message: 'The hook request is not valid: {problems}.',
    status: 400,
    fix: 'Send a CDS Hooks 2.0 request: hook, hookInstance, context (patientId for patient-view), optional prefetch, fhirServer, fhirAuthorization.',
  },
  AEGLE_CDS_DATA_MISSING: {
    message: 'Data the model needs is missing: {missing}.',
    status: 412,
    fix: 'Send the prefetch the discovery document lists, or fhirServer + fhirAuthorization for a server on AEGLE_CDS_FHIR_SERVERS.',
  },
  AEGLE_CDS_FHIR_SERVER_NOT_ALLOWED: {
    message: "The FHIR server '{server}' is not on the allow-list.",
    status: 403,
    fix: 'Add its base URL to AEGLE_CDS_FHIR_SERVERS, or send the data as prefetch.',
  },
  AEGLE_CDS_FHIR_FETCH: {
    message: "Fetching '{query}' from the FHIR server failed: {reason}.",
    status: 502,
    fix: 'Check that the FHIR server is up and that the access token allows the read; or send the data as prefetch.',
  },
  AEGLE_FHIR_NO_FEATURE_SPEC: {
    message: 'Model {model} carries no FHIR feature spec, so it cannot score FHIR resources.',
    status: 422,
    fix: 'Train the model on a dataset built by `aegle fhir-features` (its spec is stored in the artifact lineage as featureSpec).',
  },
  AEGLE_FHIR_BAD_INPUT: {
    message: 'The request is not a usable FHIR input: {reason}.',
    status: 400,
    fix: "Send one patient's resources as a FHIR R4 Bundle (collection, searchset or transaction).",
  },
});

/** Algorithms a CDS client may sign with (the spec asks services to support ES384 and RS384). */
const ALGORITHMS = ['ES384', 'RS384', 'ES256', 'RS256', 'ES512', 'RS512', 'PS256', 'PS384', 'EdDSA'];
/** The spec: "exp … MUST be no more than five minutes in the future". */
const MAX_LIFETIME_S = 300;
const CLOCK_TOLERANCE_S = 30;

export interface VerifiedClient {
  readonly iss: string;
  readonly sub: string | null;
  readonly jti: string;
}

const reject = (reason: string) => createError('AEGLE_CDS_JWT_INVALID', { reason });

/** Verifies CDS client JWTs against an issuer → JWKS URL allow-list; remembers `jti`s until they expire. */
export class CdsJwtVerifier {
  private readonly keySets = new Map<string, JWTVerifyGetKey>();
  private readonly seen = new Map<string, number>();
  private lastPrune = 0;

  constructor(private readonly issuers: Readonly<Record<string, readonly string[]>>) {}

  /** True when at least one issuer is trusted (else every JWT is refused). */
  get enabled(): boolean {
    return Object.keys(this.issuers).length > 0;
  }

  private keySet(jku: string): JWTVerifyGetKey {
    let ks = this.keySets.get(jku);
    if (!ks) {
      ks = createRemoteJWKSet(new URL(jku), {
        timeoutDuration: 2000,
        cooldownDuration: 30_000,
        cacheMaxAge: 600_000,
      });
      this.keySets.set(jku, ks);
    }
    return ks;
  }

  /** Verifies `token` for the service at `audience`; throws AEGLE_CDS_JWT_INVALID saying why not. */
  async verify(token: string, audience: string): Promise<VerifiedClient> {
    let header: ReturnType<typeof decodeProtectedHeader>;
    let unverified: ReturnType<typeof decodeJwt>;
    try {
      header = decodeProtectedHeader(token);
      unverified = decodeJwt(token);
    } catch {
      throw reject('not a JWT');
    }
    const iss = unverified.iss;
    const allowed = typeof iss === 'string' ? this.issuers[iss] : undefined;
    if (!allowed?.length) throw reject(`issuer '${String(iss).slice(0, 100)}' is not allowed`);
    const jku = header.jku ?? (allowed.length === 1 ? allowed[0] : undefined);
    if (!jku) throw reject('no jku header and the issuer has several JWKS URLs');
    if (!allowed.includes(jku.replace(/\/+$/, '')))
      throw reject(`jku '${jku.slice(0, 200)}' is not allowed for issuer '${iss}'`);
    if (!header.kid) throw reject('no kid header');
    let payload: Awaited<ReturnType<typeof jwtVerify>>['payload'];
    try {
      ({ payload } = await jwtVerify(token, this.keySet(jku), {
        issuer: iss,
        audience,
        algorithms: ALGORITHMS,
        requiredClaims: ['exp', 'jti'],
        clockTolerance: CLOCK_TOLERANCE_S,
      }));
    } catch (e) {
      const err = e as { code?: string; claim?: string; message?: string };
      if (err.code === 'ERR_JWT_EXPIRED') throw reject('it has expired (exp)');
      if (err.code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED') throw reject('the signature does not verify');
      if (err.code === 'ERR_JWKS_NO_MATCHING_KEY')
        throw reject(`no key '${header.kid}' in the issuer's JWKS`);
      if (err.code === 'ERR_JWT_CLAIM_VALIDATION_FAILED')
        throw reject(err.claim === 'aud' ? `aud must be ${audience}` : `claim ${err.claim}: ${err.message}`);
      if (err.code === 'ERR_JOSE_ALG_NOT_ALLOWED') throw reject(`algorithm ${header.alg} is not allowed`);
      if (err.code?.startsWith('ERR_JWKS') || err.code === 'ERR_JOSE_GENERIC')
        throw reject(`the issuer's JWKS could not be read (${err.message ?? err.code})`);
      throw reject(err.message ?? 'verification failed');
    }
    const now = Math.floor(Date.now() / 1000);
    if (payload.exp! > now + MAX_LIFETIME_S + CLOCK_TOLERANCE_S)
      throw reject('exp is more than five minutes ahead');
    const jti = String(payload.jti);
    this.prune(now);
    const key = `${iss}\u0000${jti}`;
    if (this.seen.has(key)) throw reject('jti was used before (replay)');
    this.seen.set(key, payload.exp! + CLOCK_TOLERANCE_S);
    return { iss: iss as string, sub: typeof payload.sub === 'string' ? payload.sub : null, jti };
  }

  /** Forgets jtis whose tokens can no longer verify (at most once a second). */
  private prune(now: number): void {
    if (now === this.lastPrune) return;
    this.lastPrune = now;
    for (const [k, exp] of this.seen) if (exp < now) this.seen.delete(k);
  }
}
