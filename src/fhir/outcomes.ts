/**
 * FHIR out: RiskAssessment for a prediction, OperationOutcome for an error, and a structural validator
 * for both written from the R4 definitions (required elements, types, cardinalities, value sets that
 * are `required`). Specs: https://hl7.org/fhir/R4/riskassessment.html,
 * https://hl7.org/fhir/R4/operationoutcome.html
 */
import type { AegleError } from '../core/index.js';
import type { Annotation, CodeableConcept, Period, Range, Reference } from './types.js';
import { isObject } from './types.js';

/** https://hl7.org/fhir/R4/riskassessment.html#resource */
export interface RiskAssessment {
  resourceType: 'RiskAssessment';
  id?: string;
  status:
    | 'registered'
    | 'preliminary'
    | 'final'
    | 'amended'
    | 'corrected'
    | 'cancelled'
    | 'entered-in-error'
    | 'unknown';
  method?: CodeableConcept;
  code?: CodeableConcept;
  subject: Reference;
  encounter?: Reference;
  occurrenceDateTime?: string;
  basis?: Reference[];
  prediction?: Array<{
    outcome?: CodeableConcept;
    probabilityDecimal?: number;
    qualitativeRisk?: CodeableConcept;
    relativeRisk?: number;
    whenPeriod?: Period;
    whenRange?: Range;
    rationale?: string;
  }>;
  mitigation?: string;
  note?: Annotation[];
}

export interface RiskFactor {
  /** Feature name as the model knows it. */
  readonly name: string;
  /** Signed contribution to the prediction (e.g. SHAP value, log-odds). */
  readonly contribution: number;
  /** The patient's value, shown in words. */
  readonly value?: number | string;
  readonly unit?: string;
}

export interface RiskAssessmentInput {
  readonly patientId: string;
  readonly encounterId?: string;
  readonly model: { readonly name: string; readonly version: string };
  readonly outcome: CodeableConcept;
  readonly probability: number;
  /** When the prediction was made (ISO dateTime). */
  readonly occurrence: string;
  /** The prediction window: a period (absolute dates) or a range in days after `occurrence`. */
  readonly when: { readonly start: string; readonly end: string } | { readonly days: number };
  /** `Type/id` of every resource the features came from. */
  readonly basis: readonly string[];
  /** Factors sorted or not; the `topFactors` largest by |contribution| are put in words. */
  readonly factors?: readonly RiskFactor[];
  readonly topFactors?: number;
  readonly intendedUse: string;
  readonly id?: string;
}

/** The top factors in words: "HbA1c 6.9 % raises the risk; age 34 lowers it". */
export function rationaleInWords(factors: readonly RiskFactor[], top = 3): string {
  const sorted = [...factors]
    .filter((f) => f.contribution !== 0)
    .sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution))
    .slice(0, top);
  if (!sorted.length) return 'No single factor stands out.';
  const parts = sorted.map((f) => {
    const v =
      f.value === undefined
        ? ''
        : ` ${typeof f.value === 'number' ? Number(f.value.toPrecision(3)) : f.value}${f.unit ? ` ${f.unit}` : ''}`;
    return `${f.name}${v} ${f.contribution > 0 ? 'raises' : 'lowers'} the risk`;
  });
  return `Top factors: ${parts.join('; ')}.`;
}

/** Builds a RiskAssessment for one prediction (status final). */
export function buildRiskAssessment(input: RiskAssessmentInput): RiskAssessment {
  if (!(input.probability >= 0 && input.probability <= 1))
    throw new RangeError(`probability must be in [0, 1], got ${input.probability}`);
  const when =
    'days' in input.when
      ? {
          whenRange: {
            low: { value: 0, unit: 'days', system: 'http://unitsofmeasure.org', code: 'd' },
            high: { value: input.when.days, unit: 'days', system: 'http://unitsofmeasure.org', code: 'd' },
          },
        }
      : { whenPeriod: { start: input.when.start, end: input.when.end } };
  return {
    resourceType: 'RiskAssessment',
    ...(input.id ? { id: input.id } : {}),
    status: 'final',
    method: {
      coding: [
        {
          system: 'urn:aegle:model',
          code: `${input.model.name}@${input.model.version}`,
          display: `${input.model.name} version ${input.model.version}`,
        },
      ],
      text: `${input.model.name} ${input.model.version}`,
    },
    subject: { reference: `Patient/${input.patientId}` },
    ...(input.encounterId ? { encounter: { reference: `Encounter/${input.encounterId}` } } : {}),
    occurrenceDateTime: input.occurrence,
    ...(input.basis.length ? { basis: input.basis.map((reference) => ({ reference })) } : {}),
    prediction: [
      {
        outcome: input.outcome,
        probabilityDecimal: Number(input.probability.toFixed(6)),
        ...when,
        rationale: rationaleInWords(input.factors ?? [], input.topFactors ?? 3),
      },
    ],
    note: [{ text: `Intended use: ${input.intendedUse}` }],
  };
}

/** https://hl7.org/fhir/R4/operationoutcome.html#resource */
export interface OperationOutcome {
  resourceType: 'OperationOutcome';
  id?: string;
  issue: Array<{
    severity: 'fatal' | 'error' | 'warning' | 'information';
    code: string;
    details?: CodeableConcept;
    diagnostics?: string;
    expression?: string[];
  }>;
}

/** IssueType (https://hl7.org/fhir/R4/valueset-issue-type.html) for an HTTP status. */
function issueTypeOf(status: number): string {
  if (status === 400 || status === 422) return 'invalid';
  if (status === 401) return 'login';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not-found';
  if (status === 409) return 'conflict';
  if (status === 412) return 'required';
  if (status === 413) return 'too-costly';
  if (status === 429) return 'throttled';
  if (status === 499) return 'incomplete';
  return 'exception';
}

/** An OperationOutcome for an AegleError: code in details, message in diagnostics (never a stack). */
export function operationOutcomeFromError(e: AegleError): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: [
      {
        severity: e.status >= 500 ? 'fatal' : 'error',
        code: issueTypeOf(e.status),
        details: { coding: [{ system: 'urn:aegle:error', code: e.code }], text: e.message },
        diagnostics: e.message,
      },
    ],
  };
}

// ---- structural validation ------------------------------------------------------------------------

type Check = (v: unknown, path: string, out: string[]) => void;

const isStr = (v: unknown) => typeof v === 'string' && v.length > 0;
const DATE_TIME =
  /^([0-9]{4})(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01])(T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00)))?)?)?$/;

function elements(
  shape: Record<string, { card: '0..1' | '1..1' | '0..*' | '1..*'; check: Check }>,
  allowed: readonly string[] = [],
): Check {
  return (v, path, out) => {
    if (!isObject(v)) {
      out.push(`${path}: must be an object`);
      return;
    }
    for (const k of Object.keys(v))
      if (!(k in shape) && !allowed.includes(k)) out.push(`${path}.${k}: unknown element`);
    for (const [k, { card, check }] of Object.entries(shape)) {
      const x = v[k];
      const p = path ? `${path}.${k}` : k;
      if (x === undefined) {
        if (card.startsWith('1')) out.push(`${p}: is required (${card})`);
        continue;
      }
      if (card.endsWith('*')) {
        if (!Array.isArray(x) || (card === '1..*' && x.length === 0))
          out.push(`${p}: must be an array (${card})`);
        else
          x.forEach((y, i) => {
            check(y, `${p}[${i}]`, out);
          });
      } else if (Array.isArray(x)) out.push(`${p}: must not be an array (${card})`);
      else check(x, p, out);
    }
  };
}
const string: Check = (v, p, out) => void (isStr(v) || out.push(`${p}: must be a non-empty string`));
const dateTime: Check = (v, p, out) =>
  void ((typeof v === 'string' && DATE_TIME.test(v)) || out.push(`${p}: must be a FHIR dateTime`));
const decimal: Check = (v, p, out) =>
  void ((typeof v === 'number' && Number.isFinite(v)) || out.push(`${p}: must be a decimal`));
const oneOf =
  (values: readonly string[]): Check =>
  (v, p, out) =>
    void (
      (typeof v === 'string' && values.includes(v)) ||
      out.push(`${p}: must be one of ${values.join('|')}`)
    );
const coding = elements({
  system: { card: '0..1', check: string },
  version: { card: '0..1', check: string },
  code: { card: '0..1', check: string },
  display: { card: '0..1', check: string },
  userSelected: {
    card: '0..1',
    check: (v, p, o) => void (typeof v === 'boolean' || o.push(`${p}: must be a boolean`)),
  },
});
const concept = elements({ coding: { card: '0..*', check: coding }, text: { card: '0..1', check: string } });
const reference = elements(
  {
    reference: { card: '0..1', check: string },
    type: { card: '0..1', check: string },
    display: { card: '0..1', check: string },
  },
  ['identifier'],
);
const quantity = elements({
  value: { card: '0..1', check: decimal },
  comparator: { card: '0..1', check: oneOf(['<', '<=', '>=', '>']) },
  unit: { card: '0..1', check: string },
  system: { card: '0..1', check: string },
  code: { card: '0..1', check: string },
});
const period = elements({ start: { card: '0..1', check: dateTime }, end: { card: '0..1', check: dateTime } });
const range = elements({ low: { card: '0..1', check: quantity }, high: { card: '0..1', check: quantity } });
const annotation = elements(
  {
    text: { card: '1..1', check: string },
    time: { card: '0..1', check: dateTime },
    authorString: { card: '0..1', check: string },
  },
  ['authorReference'],
);
const COMMON = [
  'id',
  'meta',
  'implicitRules',
  'language',
  'text',
  'contained',
  'extension',
  'modifierExtension',
];

const prediction: Check = (v, p, out) => {
  elements(
    {
      outcome: { card: '0..1', check: concept },
      probabilityDecimal: { card: '0..1', check: decimal },
      probabilityRange: { card: '0..1', check: range },
      qualitativeRisk: { card: '0..1', check: concept },
      relativeRisk: { card: '0..1', check: decimal },
      whenPeriod: { card: '0..1', check: period },
      whenRange: { card: '0..1', check: range },
      rationale: { card: '0..1', check: string },
    },
    ['id', 'extension', 'modifierExtension'],
  )(v, p, out);
  if (!isObject(v)) return;
  if (v.probabilityDecimal !== undefined && v.probabilityRange !== undefined)
    out.push(`${p}: probability[x] must have one type only`);
  if (v.whenPeriod !== undefined && v.whenRange !== undefined)
    out.push(`${p}: when[x] must have one type only`);
  // ras-2: Must be <= 100
  if (typeof v.probabilityDecimal === 'number' && v.probabilityDecimal > 100)
    out.push(`${p}.probabilityDecimal: must be <= 100 (ras-2)`);
};

const riskAssessmentShape = elements(
  {
    resourceType: { card: '1..1', check: oneOf(['RiskAssessment']) },
    identifier: { card: '0..*', check: () => {} },
    basedOn: { card: '0..1', check: reference },
    parent: { card: '0..1', check: reference },
    status: {
      card: '1..1',
      check: oneOf([
        'registered',
        'preliminary',
        'final',
        'amended',
        'corrected',
        'cancelled',
        'entered-in-error',
        'unknown',
      ]),
    },
    method: { card: '0..1', check: concept },
    code: { card: '0..1', check: concept },
    subject: { card: '1..1', check: reference },
    encounter: { card: '0..1', check: reference },
    occurrenceDateTime: { card: '0..1', check: dateTime },
    occurrencePeriod: { card: '0..1', check: period },
    condition: { card: '0..1', check: reference },
    performer: { card: '0..1', check: reference },
    reasonCode: { card: '0..*', check: concept },
    reasonReference: { card: '0..*', check: reference },
    basis: { card: '0..*', check: reference },
    prediction: { card: '0..*', check: prediction },
    mitigation: { card: '0..1', check: string },
    note: { card: '0..*', check: annotation },
  },
  COMMON,
);

/**
 * Checks a RiskAssessment against R4's structure (https://hl7.org/fhir/R4/riskassessment.html):
 * required `status` (required value set) and `subject`; element types and cardinalities; one type per
 * choice element; invariant ras-2. Returns the problems, empty when valid.
 */
export function validateRiskAssessment(r: unknown): string[] {
  const out: string[] = [];
  riskAssessmentShape(r, '', out);
  if (isObject(r) && r.occurrenceDateTime !== undefined && r.occurrencePeriod !== undefined)
    out.push('occurrence[x]: must have one type only');
  return out.map((s) => (s.startsWith('.') ? s.slice(1) : s));
}

const ISSUE_TYPES = [
  'invalid',
  'structure',
  'required',
  'value',
  'invariant',
  'security',
  'login',
  'unknown',
  'expired',
  'forbidden',
  'suppressed',
  'processing',
  'not-supported',
  'duplicate',
  'multiple-matches',
  'not-found',
  'deleted',
  'too-long',
  'code-invalid',
  'extension',
  'too-costly',
  'business-rule',
  'conflict',
  'transient',
  'lock-error',
  'no-store',
  'exception',
  'timeout',
  'incomplete',
  'throttled',
  'informational',
];

const operationOutcomeShape = elements(
  {
    resourceType: { card: '1..1', check: oneOf(['OperationOutcome']) },
    issue: {
      card: '1..*',
      check: elements(
        {
          severity: { card: '1..1', check: oneOf(['fatal', 'error', 'warning', 'information']) },
          code: { card: '1..1', check: oneOf(ISSUE_TYPES) },
          details: { card: '0..1', check: concept },
          diagnostics: { card: '0..1', check: string },
          location: { card: '0..*', check: string },
          expression: { card: '0..*', check: string },
        },
        ['id', 'extension', 'modifierExtension'],
      ),
    },
  },
  COMMON,
);

/** Checks an OperationOutcome against R4 (issue 1..*, severity and code from required value sets). */
export function validateOperationOutcome(o: unknown): string[] {
  const out: string[] = [];
  operationOutcomeShape(o, '', out);
  return out.map((s) => (s.startsWith('.') ? s.slice(1) : s));
}
