/**
 * The error catalog. Every error Aegle throws on purpose carries a stable code of the form
 * `AEGLE_<STAGE>_<WHAT>`, an HTTP status for the serve layer, and a message rendered from a template.
 * Codes are never reused; `docs/ERRORS.md` lists every code (a test keeps the two in sync).
 *
 * Modelled on Fastify's `lib/errors.js`: one definition per code, one place to look.
 */

export interface ErrorDefinition {
  /** Message template; `{name}` placeholders are filled from the params. */
  readonly message: string;
  /** HTTP status the serve layer answers with. */
  readonly status: number;
  /** What the user can do about it (shown in docs/ERRORS.md). */
  readonly fix: string;
}

const catalog = new Map<string, ErrorDefinition>();

/** Registers a stage's error codes. Throws on a duplicate code: codes are never reused. */
export function defineErrors<const T extends Record<string, ErrorDefinition>>(
  defs: T,
): { [K in keyof T]: K } {
  const out: Record<string, string> = {};
  for (const [code, def] of Object.entries(defs)) {
    if (!/^AEGLE_[A-Z]+_[A-Z0-9_]+$/.test(code)) throw new Error(`Invalid error code ${code}`);
    if (catalog.has(code)) throw new Error(`Error code ${code} is defined twice`);
    catalog.set(code, def);
    out[code] = code;
  }
  return out as { [K in keyof T]: K };
}

/** Every registered code with its definition, sorted by code. */
export function errorCatalog(): Array<[string, ErrorDefinition]> {
  return [...catalog.entries()].sort((a, b) => a[0].localeCompare(b[0]));
}

export type ErrorParams = Record<string, unknown>;

/** An error with a stable code. `details` is structured data for APIs (never PHI). */
export class AegleError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details: ErrorParams;
  constructor(
    code: string,
    message: string,
    status: number,
    details: ErrorParams,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AegleError';
    this.code = code;
    this.status = status;
    this.details = details;
  }
}

function render(template: string, params: ErrorParams): string {
  return template.replace(/\{(\w+)\}/g, (_, key: string) => {
    const v = params[key];
    if (v === undefined) return `{${key}}`;
    return typeof v === 'string' ? v : JSON.stringify(v);
  });
}

/** Creates the error for a registered code, rendering its message from `params`. */
export function createError(
  code: string,
  params: ErrorParams = {},
  options?: { cause?: unknown },
): AegleError {
  const def = catalog.get(code);
  if (!def)
    return new AegleError('AEGLE_CORE_UNKNOWN_CODE', `Unknown error code ${code}`, 500, params, options);
  return new AegleError(code, render(def.message, params), def.status, params, options);
}

/** True when `e` is an AegleError, optionally with the given code. */
export function isAegleError(e: unknown, code?: string): e is AegleError {
  return e instanceof AegleError && (code === undefined || e.code === code);
}

/**
 * An error as it crosses a thread boundary (structured clone keeps no class identity): the coded
 * fields of an AegleError, or `code: null` and the message of any other error.
 */
export interface WireError {
  readonly code: string | null;
  readonly message: string;
  readonly status: number;
  readonly details: ErrorParams;
}

/** `e` as plain fields for postMessage (see `fromWireError`). */
export function toWireError(e: unknown): WireError {
  if (isAegleError(e))
    return { code: e.code, message: e.message, status: e.status, details: { ...e.details } };
  return { code: null, message: e instanceof Error ? e.message : String(e), status: 500, details: {} };
}

/** The error `toWireError` described: the same AegleError (code, message, status, details), else an Error. */
export function fromWireError(w: WireError): Error {
  return w.code === null ? new Error(w.message) : new AegleError(w.code, w.message, w.status, w.details);
}

export const CoreErrors = defineErrors({
  AEGLE_CORE_INVALID_PARAM: {
    message: "The '{param}' parameter of {owner} must be {expected}. Got {got}.",
    status: 400,
    fix: 'Pass a value in the stated range or of the stated type.',
  },
  AEGLE_CORE_SHAPE_MISMATCH: {
    message: '{what}: expected {expected}, got {got}.',
    status: 400,
    fix: 'Check that inputs have the same number of rows/columns as the data the object was fitted on.',
  },
  AEGLE_CORE_COLUMN_NOT_FOUND: {
    message: "Column '{column}' not found{where}. Available: {available}.",
    status: 400,
    fix: 'Use one of the listed column names (names are case-sensitive).',
  },
  AEGLE_CORE_NOT_FITTED: {
    message: '{owner} must be fitted before {action}.',
    status: 400,
    fix: 'Call fit() first.',
  },
  AEGLE_CORE_FORMAT_VERSION: {
    message: '{what} has format version {got}; this Aegle reads major version {expected}.',
    status: 400,
    fix: 'Re-create the object with this Aegle version, or use a matching Aegle version to read it.',
  },
  AEGLE_CORE_ABORTED: {
    message: '{what} was cancelled.',
    status: 499,
    fix: 'Nothing to fix: the operation was cancelled on request.',
  },
});
