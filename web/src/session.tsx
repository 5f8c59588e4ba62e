/**
 * Who is signed in: the API key (kept in sessionStorage, so it goes with the tab), the role and its
 * permissions (from GET /api/v1/me), and which routes this server has (from its OpenAPI document), so
 * pages can say "not available on this server" instead of failing.
 */
import { createContext, useContext } from 'react';
import { Api, ApiError, toApiError } from './api/client';

export interface Session {
  readonly api: Api;
  readonly keyId: string | null;
  /** null when the server cannot say (no /api/v1/me): every page is offered and the API decides. */
  readonly role: string | null;
  readonly permissions: ReadonlySet<string> | null;
  /** `METHOD path` of every operation in the server's OpenAPI document. */
  readonly operations: ReadonlySet<string>;
}

export const STORAGE_KEY = 'aegle.apiKey';

export async function openSession(key: string): Promise<Session> {
  const api = new Api(key.trim());
  // the document is not itself in the document (hidden), so it is fetched by hand; any role may read it
  const res = await fetch('/api/v1/openapi.json', { headers: api.headers() }).catch((e: Error) => {
    throw new ApiError(`Cannot reach the Aegle server (${e.message}).`, 0);
  });
  if (!res.ok) throw await toApiError(res);
  const doc = (await res.json().catch(() => null)) as {
    paths?: Record<string, Record<string, unknown>>;
  } | null;
  if (!doc || typeof doc !== 'object' || !doc.paths)
    throw new ApiError('The server did not return its API description; is this an Aegle server?', 0);
  const operations = new Set<string>();
  for (const [p, ops] of Object.entries(doc.paths))
    for (const m of Object.keys(ops)) operations.add(`${m.toUpperCase()} ${p.replace(/\/$/, '') || '/'}`);
  let role: string | null = null;
  let keyId: string | null = null;
  let permissions: Set<string> | null = null;
  if (operations.has('GET /api/v1/me')) {
    const me = await api.get('/api/v1/me');
    role = me.role;
    keyId = me.keyId;
    permissions = new Set(me.permissions);
  }
  return { api, keyId, role, permissions, operations };
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside a signed-in page');
  return s;
}

/** Whether the role may (unknown role: assume yes and let the API answer). */
export function can(s: Session, permission: string): boolean {
  return s.permissions ? s.permissions.has(permission) : true;
}

/** Whether the server has the operation, e.g. has(s, 'GET', '/api/v1/models/{name}/drift'). */
export function has(s: Session, method: string, path: string): boolean {
  return s.operations.has(`${method.toUpperCase()} ${path.replace(/\/$/, '')}`);
}
