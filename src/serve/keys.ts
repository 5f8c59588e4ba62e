/**
 * API keys. A key is `aegle_<id>_<secret>`: the 12-hex-digit id is public and is how the key is found;
 * the whole key is stored only as an argon2id hash (OWASP's parameters: 19 MiB, 2 passes). The key
 * string is shown once, at creation. Verdicts are cached in memory for a short time (30 s), so a
 * request does not touch the database; when a verdict expires the key's row is read again (revocation
 * and role changes reach every process within that time), but argon2 runs only the first time a
 * process sees a key: a key whose stored hash it has already verified is trusted again without it.
 */
import { randomBytes } from 'node:crypto';
import { Algorithm, hash as argonHash, verify as argonVerify } from '@node-rs/argon2';
import { createError, defineErrors } from '../core/index.js';
import { type MetaStore, nowIso, ROLES, type Role } from '../store/index.js';

export const KeyErrors = defineErrors({
  AEGLE_AUTH_REQUIRED: {
    message: 'This endpoint needs an API key: send Authorization: Bearer <key>.',
    status: 401,
    fix: 'Create a key with `aegle keys create --role ROLE` and send it as a Bearer token.',
  },
  AEGLE_AUTH_INVALID: {
    message: 'The API key is not valid (unknown, revoked or malformed).',
    status: 401,
    fix: 'Check the key; create a new one with `aegle keys create` if it was revoked.',
  },
  AEGLE_AUTH_FORBIDDEN: {
    message: "Role '{role}' may not {permission}.",
    status: 403,
    fix: 'Use a key whose role has this permission (docs/SECURITY.md lists the matrix).',
  },
  AEGLE_AUTH_BAD_ROLE: {
    message: "Unknown role '{role}'. Roles: {roles}.",
    status: 400,
    fix: 'Use one of the listed roles.',
  },
  AEGLE_AUTH_KEY_NOT_FOUND: {
    message: "No API key with id '{id}'.",
    status: 404,
    fix: 'Run `aegle keys list` to see key ids.',
  },
  AEGLE_AUTH_RATE_LIMITED: {
    message: 'Rate limit of {limit} requests per minute exceeded; retry in {retryAfter} s.',
    status: 429,
    fix: 'Slow down, or ask an admin for a key with a higher --rate-limit.',
  },
});

export interface ApiKeyInfo {
  readonly id: string;
  readonly role: Role;
  readonly label: string;
  readonly rateLimit: number | null;
  readonly createdAt: string;
  readonly createdBy: string | null;
  readonly revokedAt: string | null;
}

/** Who is calling: what the auth layer attaches to a request. */
export interface Principal {
  readonly keyId: string;
  readonly role: Role;
  readonly rateLimit: number | null;
}

const ARGON = { algorithm: Algorithm.Argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;
const KEY_RE = /^aegle_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

export function assertRole(role: string): asserts role is Role {
  if (!(ROLES as readonly string[]).includes(role))
    throw createError('AEGLE_AUTH_BAD_ROLE', { role, roles: ROLES.join(', ') });
}

/** Creates a key; returns the key string (shown once) and its stored description. */
export async function createApiKey(
  meta: MetaStore,
  opts: { role: string; label?: string; rateLimit?: number | null; createdBy?: string | null },
): Promise<{ key: string; info: ApiKeyInfo }> {
  assertRole(opts.role);
  const id = randomBytes(6).toString('hex');
  const key = `aegle_${id}_${randomBytes(32).toString('base64url')}`;
  const info: ApiKeyInfo = {
    id,
    role: opts.role,
    label: opts.label ?? '',
    rateLimit: opts.rateLimit ?? null,
    createdAt: nowIso(),
    createdBy: opts.createdBy ?? null,
    revokedAt: null,
  };
  await meta.db
    .insertInto('api_keys')
    .values({
      id,
      hash: await argonHash(key, ARGON),
      role: info.role,
      label: info.label,
      rate_limit: info.rateLimit,
      created_at: info.createdAt,
      created_by: info.createdBy,
      revoked_at: null,
    })
    .execute();
  return { key, info };
}

export async function listApiKeys(meta: MetaStore): Promise<ApiKeyInfo[]> {
  const rows = await meta.db.selectFrom('api_keys').selectAll().orderBy('created_at').execute();
  return rows.map((r) => ({
    id: r.id,
    role: r.role,
    label: r.label,
    rateLimit: r.rate_limit,
    createdAt: r.created_at,
    createdBy: r.created_by,
    revokedAt: r.revoked_at,
  }));
}

export async function revokeApiKey(meta: MetaStore, id: string): Promise<void> {
  const res = await meta.db
    .updateTable('api_keys')
    .set({ revoked_at: nowIso() })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  if (Number(res.numUpdatedRows) === 0) {
    const exists = await meta.db.selectFrom('api_keys').select('id').where('id', '=', id).executeTakeFirst();
    if (!exists) throw createError('AEGLE_AUTH_KEY_NOT_FOUND', { id });
  }
}

interface CacheEntry {
  readonly principal: Principal | null;
  readonly expires: number;
}

/** Checks bearer keys against the database, caching verdicts briefly. */
export class KeyVerifier {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly inflight = new Map<string, Promise<Principal | null>>();
  /** Keys this process has verified with argon2, with the stored hash they matched. */
  private readonly verified = new Map<string, string>();

  constructor(
    private readonly meta: MetaStore,
    private readonly opts: { ttlMs?: number; negativeTtlMs?: number; maxEntries?: number } = {},
  ) {}

  /** The principal for a key string, or null when the key is malformed, unknown or revoked. */
  async verify(key: string): Promise<Principal | null> {
    // keyed by the key itself: it is in this process's memory anyway, and hashing it per request costs
    const digest = key;
    const hit = this.cache.get(digest);
    const now = Date.now();
    if (hit && hit.expires > now) return hit.principal;
    let p = this.inflight.get(digest);
    if (!p) {
      p = this.lookup(key).finally(() => this.inflight.delete(digest));
      this.inflight.set(digest, p);
    }
    const principal = await p;
    if (this.cache.size >= (this.opts.maxEntries ?? 10_000)) this.cache.clear();
    this.cache.set(digest, {
      principal,
      expires: now + (principal ? (this.opts.ttlMs ?? 30_000) : (this.opts.negativeTtlMs ?? 5_000)),
    });
    return principal;
  }

  /** Forgets cached verdicts (after a revocation in this process). */
  clear(): void {
    this.cache.clear();
  }

  private async lookup(key: string): Promise<Principal | null> {
    const m = KEY_RE.exec(key);
    if (!m) return null;
    const row = await this.meta.db
      .selectFrom('api_keys')
      .selectAll()
      .where('id', '=', m[1])
      .executeTakeFirst();
    if (!row || row.revoked_at) {
      this.verified.delete(key);
      return null;
    }
    if (this.verified.get(key) !== row.hash) {
      const ok = await argonVerify(row.hash, key).catch(() => false);
      if (!ok) return null;
      if (this.verified.size >= (this.opts.maxEntries ?? 10_000)) this.verified.clear();
      this.verified.set(key, row.hash);
    }
    return { keyId: row.id, role: row.role, rateLimit: row.rate_limit };
  }
}
