import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPairSync, sign } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { isAegleError } from '../core/index.js';
import { CdsJwtVerifier } from './cds-jwt.js';

const ISS = 'https://ehr.example.test';
const AUD = 'https://aegle.test/cds-services/diabetes';

let server: Server;
let jwksUrl: string;
const keys: JWK[] = [];
let fetches = 0;
let down = false;
const priv = new Map<string, Parameters<SignJWT['sign']>[0]>();

async function addKey(kid: string, alg: string, opts: { modulusLength?: number } = {}) {
  const kp = await generateKeyPair(alg, { extractable: true, ...opts });
  priv.set(kid, kp.privateKey);
  keys.push({ ...(await exportJWK(kp.publicKey)), kid, alg, use: 'sig' });
}

beforeAll(async () => {
  server = createServer((_req, res) => {
    fetches++;
    if (down) {
      res.statusCode = 503;
      res.end('{}');
    } else res.end(JSON.stringify({ keys }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
  for (const alg of ['ES384', 'RS384', 'ES256', 'PS256', 'EdDSA']) await addKey(alg, alg);
});
afterAll(() => server.close());
afterEach(() => {
  vi.useRealTimers();
  down = false;
});

const now = () => Math.floor(Date.now() / 1000);
let n = 0;
function token(
  o: {
    kid?: string;
    alg?: string;
    iss?: string;
    aud?: string | string[];
    exp?: number;
    nbf?: number;
    jti?: string | null;
    jku?: string | null;
    crit?: string[];
    key?: string;
  } = {},
): Promise<string> {
  const kid = o.kid ?? 'ES384';
  const alg = o.alg ?? (priv.has(kid) ? kid : 'ES384');
  const header: Record<string, unknown> = { alg, kid, typ: 'JWT' };
  if (o.jku !== null) header.jku = o.jku ?? jwksUrl;
  if (o.crit) Object.assign(header, { crit: o.crit, [o.crit[0]]: true });
  let t = new SignJWT(o.nbf ? { nbf: o.nbf } : {})
    .setProtectedHeader(header as never)
    .setIssuer(o.iss ?? ISS)
    .setAudience(o.aud ?? AUD)
    .setIssuedAt(now())
    .setExpirationTime(o.exp ?? now() + 240);
  if (o.jti !== null) t = t.setJti(o.jti ?? `jti-${++n}`);
  return t.sign(priv.get(o.key ?? kid)!, o.crit ? { crit: { [o.crit[0]]: true } } : undefined);
}

const verifier = () => new CdsJwtVerifier({ [ISS]: [jwksUrl] });

async function rejects(v: CdsJwtVerifier, t: string | Promise<string>, why: RegExp, aud = AUD) {
  const e = await v.verify(await t, aud).then(
    () => null,
    (err: unknown) => err,
  );
  expect(e, 'should be refused').not.toBeNull();
  expect(isAegleError(e, 'AEGLE_CDS_JWT_INVALID')).toBe(true);
  expect((e as Error).message).toMatch(why);
}

describe('CdsJwtVerifier (CDS Hooks 2.0 client JWTs)', () => {
  it('accepts ES384, RS384, ES256, PS256 and EdDSA tokens signed by a key of the JWKS', async () => {
    const v = verifier();
    for (const kid of ['ES384', 'RS384', 'ES256', 'PS256', 'EdDSA']) {
      const got = await v.verify(await token({ kid, jti: `ok-${kid}` }), AUD);
      expect(got).toEqual({ iss: ISS, sub: null, jti: `ok-${kid}` });
    }
  });

  it('takes the issuer’s only JWKS URL when the token has no jku, and aud as an array', async () => {
    const v = verifier();
    await expect(v.verify(await token({ jku: null, aud: ['x', AUD] }), AUD)).resolves.toMatchObject({
      iss: ISS,
    });
  });

  it('fetches the JWKS once for many concurrent calls and keeps the imported keys', async () => {
    const v = verifier();
    const before = fetches;
    const tokens = await Promise.all(Array.from({ length: 16 }, () => token()));
    await Promise.all(tokens.map((t) => v.verify(t, AUD)));
    await v.verify(await token({ kid: 'RS384' }), AUD);
    expect(fetches - before).toBe(1);
  });

  it('refuses a bad signature, a tampered payload and a signature of the wrong length', async () => {
    const v = verifier();
    const stranger = await generateKeyPair('ES384');
    priv.set('stranger', stranger.privateKey);
    await rejects(v, token({ kid: 'ES384', alg: 'ES384', key: 'stranger' }), /signature/);
    const t = await token();
    const [h, p, s] = t.split('.');
    const forged = Buffer.from(
      JSON.stringify({ iss: ISS, aud: AUD, exp: now() + 60, jti: 'forged' }),
    ).toString('base64url');
    await rejects(v, `${h}.${forged}.${s}`, /signature/);
    await rejects(v, `${h}.${p}.${s.slice(0, -4)}`, /signature/);
  });

  it('refuses the wrong aud, an expired token, exp more than five minutes ahead and nbf in the future', async () => {
    const v = verifier();
    await rejects(v, token({ aud: 'https://elsewhere.test/cds-services/diabetes' }), /aud must be/);
    await rejects(v, token({ exp: now() - 120 }), /expired/);
    await rejects(v, token({ exp: now() + 3600 }), /five minutes/);
    await rejects(v, token({ nbf: now() + 600 }), /nbf/);
  });

  it('refuses a token without jti, and a replayed jti', async () => {
    const v = verifier();
    await rejects(v, token({ jti: null }), /jti/);
    const t = await token({ jti: 'once' });
    await v.verify(t, AUD);
    await rejects(v, t, /replay/);
  });

  it('refuses an issuer or jku not allowed, no kid, alg none / HS256, unknown crit, and junk', async () => {
    const v = verifier();
    await rejects(v, token({ iss: 'https://rogue.test' }), /issuer/);
    await rejects(v, token({ jku: 'http://127.0.0.1:1/other.json' }), /jku/);
    const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const claims = enc({ iss: ISS, aud: AUD, exp: now() + 60, jti: 'x' });
    await rejects(v, `${enc({ alg: 'ES384', jku: jwksUrl })}.${claims}.AAAA`, /kid/);
    await rejects(v, `${enc({ alg: 'none', kid: 'ES384', jku: jwksUrl })}.${claims}.`, /not a JWT|algorithm/);
    await rejects(v, `${enc({ alg: 'HS256', kid: 'ES384', jku: jwksUrl })}.${claims}.AAAA`, /algorithm/);
    await rejects(v, token({ crit: ['exp-ext'] }), /crit/);
    await rejects(v, 'not.a.jwt', /not a JWT/);
    await rejects(v, 'abc', /not a JWT/);
  });

  it('refuses a kid whose key has another algorithm, and an RSA key under 2048 bits', async () => {
    await rejects(verifier(), token({ kid: 'RS384', alg: 'ES384', key: 'ES384' }), /no key 'RS384'/);
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 });
    keys.push({ ...(small.publicKey.export({ format: 'jwk' }) as JWK), kid: 'small', alg: 'RS384' });
    const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const input = `${enc({ alg: 'RS384', kid: 'small', jku: jwksUrl })}.${enc({ iss: ISS, aud: AUD, exp: now() + 60, jti: 'small-1' })}`;
    const sig = sign('sha384', Buffer.from(input), small.privateKey).toString('base64url');
    await rejects(verifier(), `${input}.${sig}`, /signature/);
  });

  it('fetches the JWKS again for an unknown kid only after the cooldown (key rotation)', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const v = verifier();
    await v.verify(await token(), AUD);
    await addKey('rotated', 'ES384');
    const before = fetches;
    await rejects(v, token({ kid: 'rotated', alg: 'ES384' }), /no key 'rotated'/);
    expect(fetches).toBe(before); // within 30 s of the last fetch: no new fetch
    vi.setSystemTime(Date.now() + 31_000);
    await expect(v.verify(await token({ kid: 'rotated', alg: 'ES384' }), AUD)).resolves.toMatchObject({
      iss: ISS,
    });
    expect(fetches).toBe(before + 1);
  });

  it('says when the JWKS cannot be read', async () => {
    down = true;
    await rejects(verifier(), token(), /JWKS could not be read \(HTTP 503\)/);
  });
});
