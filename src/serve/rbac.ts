/**
 * Roles and what they may do. Every route names one permission; the auth hook checks it against the
 * caller's role. docs/SECURITY.md prints this matrix; a test tries every route with every role.
 */
import type { Role } from '../store/index.js';

export const PERMISSIONS = [
  'datasets:read',
  'datasets:write',
  'models:read',
  'models:write',
  'models:predict',
  'jobs:read',
  'jobs:write',
  'audit:read',
  'keys:manage',
  'metrics:read',
  'docs:read',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

/** What each permission means, in the words of the error message ("Role 'x' may not …"). */
export const PERMISSION_TEXT: Record<Permission, string> = {
  'datasets:read': 'read datasets',
  'datasets:write': 'upload or delete datasets',
  'models:read': 'read the model registry',
  'models:write': 'register models, move aliases or archive',
  'models:predict': 'request predictions',
  'jobs:read': 'read jobs',
  'jobs:write': 'submit or cancel jobs',
  'audit:read': 'read the audit log',
  'keys:manage': 'manage API keys',
  'metrics:read': 'read service metrics',
  'docs:read': 'read the API documentation',
};

export const ROLE_PERMISSIONS: Readonly<Record<Role, readonly Permission[]>> = {
  admin: PERMISSIONS,
  scientist: [
    'datasets:read',
    'datasets:write',
    'models:read',
    'models:write',
    'models:predict',
    'jobs:read',
    'jobs:write',
    'metrics:read',
    'docs:read',
  ],
  clinician: ['models:predict', 'docs:read'],
  auditor: ['audit:read', 'docs:read'],
  service: ['models:read', 'models:predict', 'jobs:read', 'jobs:write', 'metrics:read', 'docs:read'],
};

const SETS = new Map(Object.entries(ROLE_PERMISSIONS).map(([r, ps]) => [r, new Set<string>(ps)]));

export function roleAllows(role: Role, permission: Permission): boolean {
  return SETS.get(role)?.has(permission) ?? false;
}
