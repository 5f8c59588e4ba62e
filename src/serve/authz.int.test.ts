/**
 * The authorisation matrix, exhaustively: every route the app serves, with every role's key and with
 * no key. A role with the permission gets past authorisation (any status but 401/403); a role without
 * it gets 403; no key gets 401 — except health routes, which answer everyone.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ROLES } from '../store/index.js';
import { roleAllows } from './rbac.js';
import { startTestServer, type TestServer } from './testing.js';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => s?.dispose());

function concrete(url: string): string {
  return url
    .replace(/:version/g, '1')
    .replace(/:file/g, 'manifest.json')
    .replace(/:[a-z]+/g, 'x')
    .replace(/\*$/, 'index.html');
}

it('every route × every role × no key', async () => {
  const routes = s.app.routeTable;
  expect(routes.length).toBeGreaterThan(30);
  const failures: string[] = [];
  let checked = 0;
  for (const r of routes) {
    const url = concrete(r.url);
    const init = (key: string | null) => ({
      method: r.method,
      key,
      ...(r.method === 'GET' || r.method === 'DELETE' ? {} : { json: {} }),
    });
    const anon = await s.fetch(url, init(null));
    if (r.public) {
      if (anon.status === 401 || anon.status === 403)
        failures.push(`${r.method} ${r.url} (public) → ${anon.status}`);
    } else if (anon.status !== 401) failures.push(`${r.method} ${r.url} without a key → ${anon.status}`);
    await anon.arrayBuffer().catch(() => {});
    for (const role of ROLES) {
      const res = await s.fetch(url, init(s.keys[role]));
      const allowed = r.public || (r.permission !== null && roleAllows(role, r.permission));
      if (allowed && (res.status === 401 || res.status === 403))
        failures.push(`${r.method} ${r.url} as ${role} → ${res.status} (should pass)`);
      if (!allowed && res.status !== 403)
        failures.push(`${r.method} ${r.url} as ${role} → ${res.status} (should be 403)`);
      await res.arrayBuffer().catch(() => {});
      checked++;
    }
  }
  expect(failures).toEqual([]);
  expect(checked).toBe(routes.length * ROLES.length);
  // the matrix itself: clinicians only predict, auditors only read the audit log
  const perms = (role: (typeof ROLES)[number]) =>
    new Set(
      routes
        .filter((r) => !r.public && r.permission && roleAllows(role, r.permission))
        .map((r) => r.permission),
    );
  expect([...perms('clinician')].sort()).toEqual(['docs:read', 'models:predict']);
  expect([...perms('auditor')].sort()).toEqual(['audit:read', 'docs:read']);
});
