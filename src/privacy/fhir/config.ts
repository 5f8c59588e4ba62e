/**
 * The configuration format of Microsoft's FHIR Tools for Anonymization
 * (https://github.com/microsoft/Tools-for-Health-Data-Anonymization/blob/master/docs/FHIR-anonymization.md),
 * read unchanged: `fhirPathRules` (also accepted as `processingRules`), each `{ path, method, … }`,
 * and `parameters`. Rules are checked once, here, so a bad rule fails before any data is touched.
 */
import { createError } from '../../core/index.js';
import '../errors.js';

/** The methods of Microsoft's tool, plus Aegle's `redactText` (free-text de-identification of strings). */
export const FHIR_METHODS = [
  'redact',
  'dateShift',
  'cryptoHash',
  'encrypt',
  'substitute',
  'perturb',
  'generalize',
  'keep',
  'redactText',
] as const;
export type FhirMethod = (typeof FHIR_METHODS)[number];

/** One processing rule. `settings` holds the method's own fields (replaceWith, span, cases, …). */
export interface FhirRule {
  path: string;
  method: FhirMethod;
  /**
   * The leading resource type of the path (`Patient` in `Patient.name`), '' when the path starts with
   * a function (`nodesByType('HumanName')`). `Resource` and `DomainResource` apply to every resource.
   */
  resourceType: string;
  /** True when the path is only a resource type (`Patient`, `Resource`): the rule matches the resource itself. */
  wholeResource: boolean;
  settings: Record<string, unknown>;
}

export interface FhirParameters {
  dateShiftKey?: string;
  /** `resource` (default): the offset is keyed by the top-level resource's id; `file`/`folder`: by the input's name. */
  dateShiftScope: 'resource' | 'file' | 'folder';
  cryptoHashKey?: string;
  encryptKey?: string;
  enablePartialAgesForRedact: boolean;
  enablePartialDatesForRedact: boolean;
  enablePartialZipCodesForRedact: boolean;
  /** 3-digit ZIP prefixes whose redaction gives all zeros; Aegle's Census list when the config names none. */
  restrictedZipCodeTabulationAreas?: string[];
}

export interface FhirAnonymizerConfig {
  fhirVersion: string;
  rules: FhirRule[];
  parameters: FhirParameters;
}

const METHOD_BY_LOWER = new Map(FHIR_METHODS.map((m) => [m.toLowerCase(), m]));
const PATH_RE = /^(?<type>[A-Z][a-zA-Z]*)?(?:\.)?(?<rest>.*)$/;

function bad(path: string, reason: string): Error {
  return createError('AEGLE_PRIVACY_FHIR_RULE', { path, reason });
}

function optString(v: unknown, name: string): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw bad(`parameters.${name}`, `expected a string, got ${typeof v}`);
  return v;
}

function optBool(v: unknown, name: string): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean')
    throw bad(`parameters.${name}`, `expected true or false, got ${JSON.stringify(v)}`);
  return v;
}

function checkSettings(path: string, method: FhirMethod, s: Record<string, unknown>): void {
  if (method === 'perturb') {
    if (typeof s.span !== 'number' || !(s.span >= 0)) throw bad(path, "perturb needs a 'span' ≥ 0");
    if (s.rangeType !== undefined && s.rangeType !== 'fixed' && s.rangeType !== 'proportional')
      throw bad(path, "perturb 'rangeType' must be fixed or proportional");
    if (s.roundTo !== undefined && !(Number.isInteger(s.roundTo) && (s.roundTo as number) >= 0))
      throw bad(path, "perturb 'roundTo' must be an integer ≥ 0");
  }
  if (method === 'generalize') {
    const cases = s.cases;
    if (!cases || typeof cases !== 'object' || Array.isArray(cases))
      throw bad(path, "generalize needs 'cases': { FHIRPath condition: FHIRPath value }");
    for (const v of Object.values(cases))
      if (typeof v !== 'string') throw bad(path, 'each case value must be a string');
    if (s.otherValues !== undefined && s.otherValues !== 'redact' && s.otherValues !== 'keep')
      throw bad(path, "generalize 'otherValues' must be redact or keep");
  }
  if (method === 'substitute' && s.replaceWith === undefined)
    throw bad(path, "substitute needs 'replaceWith'");
}

/**
 * Reads and validates a Microsoft-format anonymizer configuration (already JSON-parsed).
 * Throws AEGLE_PRIVACY_FHIR_RULE naming the first bad rule or parameter.
 */
export function parseFhirAnonymizerConfig(json: unknown): FhirAnonymizerConfig {
  if (!json || typeof json !== 'object' || Array.isArray(json))
    throw bad('(config)', 'expected a JSON object');
  const o = json as Record<string, unknown>;
  const rawRules = o.fhirPathRules ?? o.processingRules;
  if (!Array.isArray(rawRules))
    throw bad('(config)', "expected an array 'fhirPathRules' (or 'processingRules')");
  const rules = rawRules.map((r, i): FhirRule => {
    if (!r || typeof r !== 'object' || Array.isArray(r)) throw bad(`rule ${i + 1}`, 'expected an object');
    const { path, method, ...settings } = r as Record<string, unknown>;
    if (typeof path !== 'string' || !path.trim()) throw bad(`rule ${i + 1}`, "missing 'path'");
    const m = typeof method === 'string' ? METHOD_BY_LOWER.get(method.toLowerCase()) : undefined;
    if (!m) throw bad(path, `method ${JSON.stringify(method)} is not one of ${FHIR_METHODS.join(', ')}`);
    checkSettings(path, m, settings);
    const type = PATH_RE.exec(path.trim())?.groups?.type ?? '';
    return {
      path: path.trim(),
      method: m,
      resourceType: type,
      wholeResource: path.trim() === type,
      settings,
    };
  });
  const p = (o.parameters ?? {}) as Record<string, unknown>;
  if (typeof p !== 'object' || Array.isArray(p)) throw bad('parameters', 'expected an object');
  const scope = p.dateShiftScope ?? 'resource';
  if (scope !== 'resource' && scope !== 'file' && scope !== 'folder')
    throw bad('parameters.dateShiftScope', 'expected resource, file or folder');
  const zips = p.restrictedZipCodeTabulationAreas;
  if (
    zips !== undefined &&
    zips !== null &&
    !(Array.isArray(zips) && zips.every((z) => typeof z === 'string'))
  )
    throw bad('parameters.restrictedZipCodeTabulationAreas', 'expected an array of strings');
  return {
    fhirVersion: typeof o.fhirVersion === 'string' ? o.fhirVersion : '',
    rules,
    parameters: {
      dateShiftKey: optString(p.dateShiftKey, 'dateShiftKey'),
      dateShiftScope: scope,
      cryptoHashKey: optString(p.cryptoHashKey, 'cryptoHashKey'),
      encryptKey: optString(p.encryptKey, 'encryptKey'),
      enablePartialAgesForRedact: optBool(p.enablePartialAgesForRedact, 'enablePartialAgesForRedact'),
      enablePartialDatesForRedact: optBool(p.enablePartialDatesForRedact, 'enablePartialDatesForRedact'),
      enablePartialZipCodesForRedact: optBool(
        p.enablePartialZipCodesForRedact,
        'enablePartialZipCodesForRedact',
      ),
      restrictedZipCodeTabulationAreas: (zips as string[] | null | undefined) ?? undefined,
    },
  };
}
