/**
 * Resource → row mappers: one pure function per resource type, each checking the elements it reads
 * against R4 (cardinality and type) and reporting problems as `FhirIssue`s with the element's path.
 * A resource with an issue is reported and left out of the tables (no half-read rows).
 */
import { parseFhirDateTime } from './datetime.js';
import { type FullUrlIndex, referencedId } from './references.js';
import { FHIR_TABLES, type FhirRow, type FhirTableName, TABLE_OF_TYPE } from './tables.js';
import { LOINC, LOINC_CANONICAL, preferredCoding, UCUM } from './terminology.js';
import type { CodeableConcept, Coding, FhirIssue, FhirResource, Quantity, Reference } from './types.js';
import { isObject } from './types.js';
import { isValidUcum, ucumConversion } from './ucum.js';

/** How a quantity's unit was handled. */
export type UnitStatus =
  | 'canonical'
  | 'converted'
  | 'not-ucum'
  | 'invalid-ucum'
  | 'inconvertible'
  | 'no-unit';

export interface Harmonised {
  readonly value: number | null;
  readonly unit: string | null;
  readonly status: UnitStatus;
}

/**
 * Converts quantities to one canonical UCUM unit per code: the unit in `LOINC_CANONICAL`, else the
 * first valid UCUM unit seen for that code (so an import's order decides, deterministically). Units
 * from another system (e.g. a SNOMED CT code as unit) are flagged `not-ucum` and not converted.
 */
export class UnitHarmoniser {
  private readonly learned: Map<string, string>;
  private readonly fresh: Array<[string, string]> = [];

  /**
   * `learned`: units already chosen for codes (code key → unit), e.g. by the part of an import read
   * before this one; they take precedence over what this harmoniser sees first.
   */
  constructor(learned: Iterable<readonly [string, string]> = []) {
    this.learned = new Map(learned);
  }

  /** The units this harmoniser chose itself (not given to it), in the order it first saw their codes. */
  newlyLearned(): ReadonlyArray<readonly [string, string]> {
    return this.fresh;
  }

  harmonise(codeKey: string | null, loinc: string | null, q: Quantity): Harmonised {
    const v = q.value ?? null;
    if (q.system !== undefined && q.system !== UCUM) return { value: null, unit: null, status: 'not-ucum' };
    const unit = q.code ?? q.unit;
    if (unit === undefined || unit === '') return { value: v, unit: null, status: 'no-unit' };
    if (!isValidUcum(unit)) return { value: null, unit: null, status: 'invalid-ucum' };
    const known = loinc ? LOINC_CANONICAL[loinc] : undefined;
    let target = known?.unit;
    if (!target && codeKey) {
      target = this.learned.get(codeKey);
      if (!target) {
        this.learned.set(codeKey, (target = unit));
        this.fresh.push([codeKey, unit]);
      }
    }
    if (!target || target === unit) return { value: v, unit, status: 'canonical' };
    const c = ucumConversion(unit, target, known?.molarMass);
    if ('error' in c) return { value: null, unit: null, status: 'inconvertible' };
    return { value: v === null ? null : c.a * v + c.b, unit: target, status: 'converted' };
  }
}

/** What a mapper needs besides the resource. */
export interface MapContext {
  /** fullUrl index of the enclosing Bundle (absent for NDJSON). */
  readonly fullUrls?: FullUrlIndex;
  /** Fallback id (from an `urn:uuid:` fullUrl) when the resource has none. */
  readonly fallbackId?: string;
  /** Medication resources of the enclosing Bundle, by id, for `medicationReference`. */
  readonly medications?: ReadonlyMap<string, CodeableConcept>;
  readonly units: UnitHarmoniser;
}

export type MapResult =
  | { readonly kind: 'rows'; readonly table: FhirTableName; readonly rows: FhirRow[] }
  | { readonly kind: 'skipped' }
  | { readonly kind: 'invalid'; readonly issues: FhirIssue[] };

/** The bases of the time-valued choice elements read (`effective[x]`, …). */
type ChoiceBase = 'effective' | 'onset' | 'abatement' | 'performed';

/** The element names of each choice base, spelled once (not per resource). */
const CHOICE_KEYS: Readonly<
  Record<
    ChoiceBase,
    { dateTime: string; instant: string; period: string; periodStart: string; periodEnd: string }
  >
> = Object.fromEntries(
  (['effective', 'onset', 'abatement', 'performed'] as const).map((b) => [
    b,
    {
      dateTime: `${b}DateTime`,
      instant: `${b}Instant`,
      period: `${b}Period`,
      periodStart: `${b}Period.start`,
      periodEnd: `${b}Period.end`,
    },
  ]),
) as never;

const QUANTITY_STRINGS = ['unit', 'system', 'code', 'comparator'] as const;

/** Collects issues while reading typed elements out of an untyped resource. */
class Reader {
  readonly issues: FhirIssue[] = [];
  constructor(
    readonly type: string,
    readonly id: string | null,
  ) {}
  issue(path: string, message: string): void {
    this.issues.push({ resourceType: this.type, id: this.id, path, message });
  }
  str(o: Record<string, unknown>, key: string, path: string, required = false): string | null {
    const v = o[key];
    if (v === undefined || v === null) {
      if (required) this.issue(path, 'is required');
      return null;
    }
    if (typeof v !== 'string') {
      this.issue(path, 'must be a string');
      return null;
    }
    return v;
  }
  obj(
    o: Record<string, unknown>,
    key: string,
    path: string,
    required = false,
  ): Record<string, unknown> | undefined {
    const v = o[key];
    if (v === undefined || v === null) {
      if (required) this.issue(path, 'is required');
      return undefined;
    }
    if (!isObject(v)) {
      this.issue(path, 'must be an object');
      return undefined;
    }
    return v;
  }
  arr(o: Record<string, unknown>, key: string, path: string): Record<string, unknown>[] {
    const v = o[key];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) {
      this.issue(path, 'must be an array');
      return [];
    }
    const out: Record<string, unknown>[] = [];
    for (let i = 0; i < v.length; i++) {
      if (isObject(v[i])) out.push(v[i]);
      else this.issue(`${path}[${i}]`, 'must be an object');
    }
    return out;
  }
  /** Like `str` for an optional element, the path built only when there is an issue. */
  private optStr(o: Record<string, unknown>, key: string, path: string, suffix: string): void {
    const v = o[key];
    if (v !== undefined && v !== null && typeof v !== 'string')
      this.issue(`${path}${suffix}`, 'must be a string');
  }
  concept(
    o: Record<string, unknown>,
    key: string,
    path: string,
    required = false,
  ): CodeableConcept | undefined {
    const c = this.obj(o, key, path, required);
    if (!c) return undefined;
    if (c.coding === undefined || c.coding === null) return c as CodeableConcept;
    const codings = this.arr(c, 'coding', `${path}.coding`);
    for (let i = 0; i < codings.length; i++) {
      const cd = codings[i];
      if (typeof cd.system !== 'string') this.optStr(cd, 'system', path, `.coding[${i}].system`);
      if (typeof cd.code !== 'string') this.optStr(cd, 'code', path, `.coding[${i}].code`);
    }
    return c as CodeableConcept;
  }
  /** A date/dateTime/instant element as epoch ms (NaN when absent). */
  time(o: Record<string, unknown>, key: string, path: string): number {
    const s = this.str(o, key, path);
    if (s === null) return Number.NaN;
    const ms = parseFhirDateTime(s);
    if (Number.isNaN(ms)) this.issue(path, `must be a FHIR dateTime (got '${s.slice(0, 40)}')`);
    return ms;
  }
  /** choice[x] as a time: `<base>DateTime` or `<base>Period.start/end` or `<base>Instant`. */
  choiceTime(o: Record<string, unknown>, base: ChoiceBase): { start: number; end: number } {
    const k = CHOICE_KEYS[base];
    if (o[k.dateTime] !== undefined) {
      const t = this.time(o, k.dateTime, k.dateTime);
      return { start: t, end: Number.NaN };
    }
    if (o[k.instant] !== undefined) {
      const t = this.time(o, k.instant, k.instant);
      return { start: t, end: Number.NaN };
    }
    const p = this.obj(o, k.period, k.period);
    if (p)
      return {
        start: this.time(p, 'start', k.periodStart),
        end: this.time(p, 'end', k.periodEnd),
      };
    return { start: Number.NaN, end: Number.NaN };
  }
  quantity(o: Record<string, unknown>, key: string, path: string): Quantity | undefined {
    const q = this.obj(o, key, path);
    if (!q) return undefined;
    if (q.value !== undefined && (typeof q.value !== 'number' || !Number.isFinite(q.value))) {
      this.issue(`${path}.value`, 'must be a number');
      return undefined;
    }
    for (const k of QUANTITY_STRINGS) if (typeof q[k] !== 'string') this.optStr(q, k, path, `.${k}`);
    return q as Quantity;
  }
  ref(o: Record<string, unknown>, key: string, path: string, type: string, ctx: MapContext): string | null {
    const r = this.obj(o, key, path);
    if (!r) return null;
    this.str(r, 'reference', `${path}.reference`);
    return referencedId(r as Reference, type, ctx.fullUrls);
  }
}

const time = (ms: number): number | null => (Number.isNaN(ms) ? null : ms);

/**
 * The codings of a concept. Not an array (or holding a non-object) only in a resource the Reader has
 * already found invalid, whose row is never kept: then nothing (or the objects), instead of a crash.
 */
function codingsOf(c: CodeableConcept | undefined): readonly Coding[] {
  const v = c?.coding;
  if (!Array.isArray(v)) return [];
  for (const x of v) if (!isObject(x)) return v.filter(isObject);
  return v;
}

function codeColumns(c: CodeableConcept | undefined, prefer: readonly string[]): FhirRow {
  const p = preferredCoding(c, prefer);
  const codes: string[] = [];
  for (const x of codingsOf(c)) if (x.code) codes.push(`${x.system ?? ''}|${x.code}`);
  return [p?.system ?? null, p?.code ?? null, p?.display ?? c?.text ?? null, codes];
}

function firstCode(c: CodeableConcept | undefined): string | null {
  for (const x of codingsOf(c)) if (x.code) return x.code;
  return c?.text ?? null;
}

type Mapper = (r: Reader, o: Record<string, unknown>, ctx: MapContext, id: string) => FhirRow[];

const patient: Mapper = (r, o, _ctx, id) => {
  const gender = r.str(o, 'gender', 'gender');
  const birth = r.time(o, 'birthDate', 'birthDate');
  let deceased: boolean | null = null;
  let deceasedAt = Number.NaN;
  if (o.deceasedBoolean !== undefined) {
    if (typeof o.deceasedBoolean !== 'boolean') r.issue('deceasedBoolean', 'must be a boolean');
    else deceased = o.deceasedBoolean;
  } else if (o.deceasedDateTime !== undefined) {
    deceasedAt = r.time(o, 'deceasedDateTime', 'deceasedDateTime');
    deceased = true;
  }
  const marital = r.concept(o, 'maritalStatus', 'maritalStatus');
  const comm = r.arr(o, 'communication', 'communication')[0];
  const lang = comm ? r.concept(comm, 'language', 'communication[0].language') : undefined;
  return [[id, gender, time(birth), deceased, time(deceasedAt), firstCode(marital), firstCode(lang)]];
};

const encounter: Mapper = (r, o, ctx, id) => {
  const status = r.str(o, 'status', 'status', true);
  const cls = r.obj(o, 'class', 'class', true);
  const clsCode = cls ? r.str(cls, 'code', 'class.code') : null;
  const type = r.arr(o, 'type', 'type')[0] as CodeableConcept | undefined;
  const period = r.obj(o, 'period', 'period');
  const reason = r.arr(o, 'reasonCode', 'reasonCode')[0] as CodeableConcept | undefined;
  return [
    [
      id,
      r.ref(o, 'subject', 'subject', 'Patient', ctx),
      status,
      clsCode,
      ...codeColumns(type, ['snomed']),
      time(period ? r.time(period, 'start', 'period.start') : Number.NaN),
      time(period ? r.time(period, 'end', 'period.end') : Number.NaN),
      firstCode(reason),
    ],
  ];
};

/** What every row of one Observation shares. */
interface ObservationHead {
  readonly id: string;
  readonly patientId: string | null;
  readonly encounterId: string | null;
  readonly status: string | null;
  readonly category: string | null;
  readonly effective: number | null;
  readonly issued: number | null;
}

const PREFER_LOINC = ['loinc'] as const;

/** The row of an Observation's own value (`path` '') or of one component (`component[i].`). */
function observationRow(
  r: Reader,
  ctx: MapContext,
  head: ObservationHead,
  el: Record<string, unknown>,
  c: CodeableConcept | undefined,
  component: number | null,
  path: string,
): FhirRow | null {
  const p = preferredCoding(c, PREFER_LOINC);
  const system = p?.system ?? null;
  const cd = p?.code ?? null;
  const display = p?.display ?? c?.text ?? null;
  let value: number | null = null;
  let unit: string | null = null;
  let orig: number | null = null;
  let unitOrig: string | null = null;
  let unitSystem: string | null = null;
  let ustatus: UnitStatus | null = null;
  let text: string | null = null;
  if (el.valueQuantity !== undefined) {
    const q = r.quantity(el, 'valueQuantity', `${path}valueQuantity`);
    if (!q) return null;
    const loinc = system === LOINC ? cd : null;
    const h = ctx.units.harmonise(cd ? `${system}|${cd}` : null, loinc, q);
    value = h.value;
    unit = h.unit;
    ustatus = h.status;
    orig = q.value ?? null;
    unitOrig = q.code ?? q.unit ?? null;
    unitSystem = q.system ?? null;
  } else if (el.valueInteger !== undefined) {
    if (typeof el.valueInteger !== 'number' || !Number.isInteger(el.valueInteger))
      r.issue(`${path}valueInteger`, 'must be an integer');
    else value = orig = el.valueInteger;
  } else if (el.valueCodeableConcept !== undefined) {
    text = firstCode(r.concept(el, 'valueCodeableConcept', `${path}valueCodeableConcept`));
  } else if (el.valueString !== undefined) {
    text = r.str(el, 'valueString', `${path}valueString`);
  } else if (el.valueBoolean !== undefined) {
    if (typeof el.valueBoolean !== 'boolean') r.issue(`${path}valueBoolean`, 'must be a boolean');
    else text = String(el.valueBoolean);
  }
  return [
    head.id,
    head.patientId,
    head.encounterId,
    head.status,
    head.category,
    system,
    cd,
    display,
    component,
    value,
    unit,
    orig,
    unitOrig,
    unitSystem,
    ustatus,
    text,
    head.effective,
    head.issued,
  ];
}

/** True when the element has a `value[x]` (any key starting with `value`). */
function hasValueElement(o: Record<string, unknown>): boolean {
  for (const k in o) if (k.startsWith('value')) return true;
  return false;
}

const observation: Mapper = (r, o, ctx, id) => {
  const status = r.str(o, 'status', 'status', true);
  const code = r.concept(o, 'code', 'code', true);
  const patientId = r.ref(o, 'subject', 'subject', 'Patient', ctx);
  const encounterId = r.ref(o, 'encounter', 'encounter', 'Encounter', ctx);
  const category = firstCode(r.arr(o, 'category', 'category')[0] as CodeableConcept | undefined);
  const eff = r.choiceTime(o, 'effective');
  const issued = r.time(o, 'issued', 'issued');
  const head: ObservationHead = {
    id,
    patientId,
    encounterId,
    status,
    category,
    effective: time(eff.start),
    issued: time(issued),
  };
  const rows: FhirRow[] = [];
  const components = r.arr(o, 'component', 'component');
  if (components.length === 0 || hasValueElement(o)) {
    const row = observationRow(r, ctx, head, o, code, null, '');
    if (row) rows.push(row);
  }
  for (let i = 0; i < components.length; i++) {
    const c = components[i];
    const path = `component[${i}].`;
    const cc = r.concept(c, 'code', `${path}code`, true);
    const row = observationRow(r, ctx, head, c, cc, i, path);
    if (row) rows.push(row);
  }
  return rows;
};

const condition: Mapper = (r, o, ctx, id) => {
  const code = r.concept(o, 'code', 'code');
  const onset = r.choiceTime(o, 'onset');
  const abatement = r.choiceTime(o, 'abatement');
  return [
    [
      id,
      r.ref(o, 'subject', 'subject', 'Patient', ctx),
      r.ref(o, 'encounter', 'encounter', 'Encounter', ctx),
      ...codeColumns(code, ['icd10', 'snomed']),
      firstCode(r.concept(o, 'clinicalStatus', 'clinicalStatus')),
      firstCode(r.concept(o, 'verificationStatus', 'verificationStatus')),
      firstCode(r.arr(o, 'category', 'category')[0] as CodeableConcept | undefined),
      time(onset.start),
      time(abatement.start),
      time(r.time(o, 'recordedDate', 'recordedDate')),
    ],
  ];
};

function medicationConcept(
  r: Reader,
  o: Record<string, unknown>,
  ctx: MapContext,
): CodeableConcept | undefined {
  if (o.medicationCodeableConcept !== undefined)
    return r.concept(o, 'medicationCodeableConcept', 'medicationCodeableConcept');
  const id = r.ref(o, 'medicationReference', 'medicationReference', 'Medication', ctx);
  if (o.medicationReference === undefined) r.issue('medication[x]', 'is required');
  return id ? ctx.medications?.get(id) : undefined;
}

const medicationRequest: Mapper = (r, o, ctx, id) => {
  const status = r.str(o, 'status', 'status', true);
  const intent = r.str(o, 'intent', 'intent', true);
  const med = medicationConcept(r, o, ctx);
  const validity =
    isObject(o.dispenseRequest) && isObject(o.dispenseRequest.validityPeriod)
      ? o.dispenseRequest.validityPeriod
      : undefined;
  return [
    [
      id,
      'MedicationRequest',
      r.ref(o, 'subject', 'subject', 'Patient', ctx),
      r.ref(o, 'encounter', 'encounter', 'Encounter', ctx),
      status,
      intent,
      ...codeColumns(med, ['rxnorm']),
      time(r.time(o, 'authoredOn', 'authoredOn')),
      time(validity ? r.time(validity, 'end', 'dispenseRequest.validityPeriod.end') : Number.NaN),
    ],
  ];
};

const medicationStatement: Mapper = (r, o, ctx, id) => {
  const status = r.str(o, 'status', 'status', true);
  const med = medicationConcept(r, o, ctx);
  const eff = r.choiceTime(o, 'effective');
  return [
    [
      id,
      'MedicationStatement',
      r.ref(o, 'subject', 'subject', 'Patient', ctx),
      r.ref(o, 'context', 'context', 'Encounter', ctx),
      status,
      null,
      ...codeColumns(med, ['rxnorm']),
      time(Number.isNaN(eff.start) ? r.time(o, 'dateAsserted', 'dateAsserted') : eff.start),
      time(eff.end),
    ],
  ];
};

const procedure: Mapper = (r, o, ctx, id) => {
  const status = r.str(o, 'status', 'status', true);
  const code = r.concept(o, 'code', 'code');
  const when = r.choiceTime(o, 'performed');
  return [
    [
      id,
      r.ref(o, 'subject', 'subject', 'Patient', ctx),
      r.ref(o, 'encounter', 'encounter', 'Encounter', ctx),
      status,
      ...codeColumns(code, ['snomed']),
      time(when.start),
      time(when.end),
    ],
  ];
};

const allergy: Mapper = (r, o, ctx, id) => {
  const code = r.concept(o, 'code', 'code');
  const onset = r.choiceTime(o, 'onset');
  const cat = o.category;
  const category = Array.isArray(cat) && typeof cat[0] === 'string' ? cat[0] : null;
  if (o.patient === undefined) r.issue('patient', 'is required');
  return [
    [
      id,
      r.ref(o, 'patient', 'patient', 'Patient', ctx),
      firstCode(r.concept(o, 'clinicalStatus', 'clinicalStatus')),
      firstCode(r.concept(o, 'verificationStatus', 'verificationStatus')),
      r.str(o, 'type', 'type'),
      category,
      r.str(o, 'criticality', 'criticality'),
      ...codeColumns(code, ['snomed', 'rxnorm']),
      time(onset.start),
      time(r.time(o, 'recordedDate', 'recordedDate')),
    ],
  ];
};

const immunization: Mapper = (r, o, ctx, id) => {
  const status = r.str(o, 'status', 'status', true);
  const vaccine = r.concept(o, 'vaccineCode', 'vaccineCode', true);
  if (o.patient === undefined) r.issue('patient', 'is required');
  const occurrence =
    o.occurrenceDateTime !== undefined ? r.time(o, 'occurrenceDateTime', 'occurrenceDateTime') : Number.NaN;
  return [
    [
      id,
      r.ref(o, 'patient', 'patient', 'Patient', ctx),
      r.ref(o, 'encounter', 'encounter', 'Encounter', ctx),
      status,
      ...codeColumns(vaccine, ['cvx']),
      time(occurrence),
    ],
  ];
};

const diagnosticReport: Mapper = (r, o, ctx, id) => {
  const status = r.str(o, 'status', 'status', true);
  const code = r.concept(o, 'code', 'code', true);
  const eff = r.choiceTime(o, 'effective');
  const results = r
    .arr(o, 'result', 'result')
    .map((ref) => referencedId(ref as Reference, 'Observation', ctx.fullUrls))
    .filter((x): x is string => x !== null);
  return [
    [
      id,
      r.ref(o, 'subject', 'subject', 'Patient', ctx),
      r.ref(o, 'encounter', 'encounter', 'Encounter', ctx),
      status,
      firstCode(r.arr(o, 'category', 'category')[0] as CodeableConcept | undefined),
      ...codeColumns(code, ['loinc']),
      time(eff.start),
      time(r.time(o, 'issued', 'issued')),
      results,
    ],
  ];
};

const MAPPERS: Readonly<Record<string, Mapper>> = {
  Patient: patient,
  Encounter: encounter,
  Observation: observation,
  Condition: condition,
  MedicationRequest: medicationRequest,
  MedicationStatement: medicationStatement,
  Procedure: procedure,
  AllergyIntolerance: allergy,
  Immunization: immunization,
  DiagnosticReport: diagnosticReport,
};

/** True when the resource type has a table. */
export function isMappedType(type: string): boolean {
  return type in MAPPERS;
}

/** Maps one resource to its table's rows, or says it is skipped (no table) or invalid (with issues). */
export function mapResource(res: FhirResource, ctx: MapContext): MapResult {
  const mapper = MAPPERS[res.resourceType];
  if (!mapper) return { kind: 'skipped' };
  const idRaw = res.id;
  const id = typeof idRaw === 'string' && idRaw !== '' ? idRaw : (ctx.fallbackId ?? null);
  const r = new Reader(res.resourceType, id);
  if (idRaw !== undefined && typeof idRaw !== 'string') r.issue('id', 'must be a string');
  if (id === null) r.issue('id', 'is required (no id and no urn:uuid fullUrl)');
  const rows = mapper(r, res as unknown as Record<string, unknown>, ctx, id ?? '');
  if (r.issues.length) return { kind: 'invalid', issues: r.issues };
  const table = TABLE_OF_TYPE[res.resourceType];
  const width = FHIR_TABLES[table].length;
  for (const row of rows)
    if (row.length !== width)
      throw new Error(
        `mapper for ${res.resourceType} built a row of ${row.length} values, expected ${width}`,
      );
  return { kind: 'rows', table, rows };
}
