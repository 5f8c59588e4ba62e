/**
 * The declarative feature spec (the OHDSI PatientLevelPrediction idea: target cohort = the index rows,
 * covariates from a look-back window ending at the index, outcome inside a time-at-risk window after
 * it). Pure: parsing and validation here; the SQL that builds the table lives in dataset/features.
 * Reps et al. 2018, "Design and implementation of a standardized framework to generate and evaluate
 * patient-level prediction models using observational healthcare data", JAMIA 25(8).
 */
import { createError } from '../core/index.js';
import type { CodeSet } from './terminology.js';
import { isObject } from './types.js';

export type ObservationStat = 'last' | 'mean' | 'min' | 'max' | 'count' | 'slope';
export const OBSERVATION_STATS: readonly ObservationStat[] = ['last', 'mean', 'min', 'max', 'count', 'slope'];

/** Where each row's index date comes from. */
export type IndexSpec =
  /** One row per patient alive and born at this date. */
  | { readonly kind: 'date'; readonly date: string }
  /** One row per encounter (optionally of these classes), index = its start. */
  | { readonly kind: 'encounter'; readonly classes?: readonly string[] };

export type FeatureDef =
  | { readonly kind: 'age'; readonly name?: string }
  | { readonly kind: 'sex'; readonly name?: string }
  | {
      readonly kind: 'observation';
      readonly name: string;
      /** LOINC codes pooled into this feature (e.g. glucose by mass and by substance). */
      readonly loinc: readonly string[];
      /** UCUM unit the values are converted to; default the most common unit among them. */
      readonly unit?: string;
      readonly stats: readonly ObservationStat[];
      readonly lookbackDays: number;
    }
  | {
      readonly kind: 'condition' | 'medication';
      readonly name: string;
      readonly codes: readonly CodeSet[];
      readonly lookbackDays?: number;
    };

export interface OutcomeSpec {
  readonly name: string;
  readonly codes: readonly CodeSet[];
  /** Time at risk: (index + startDays, index + windowDays]. */
  readonly windowDays: number;
  readonly startDays?: number;
  /** Drop index rows whose patient already had the outcome at or before the index (default true). */
  readonly excludePrior?: boolean;
}

export interface FeatureSpec {
  /** Name prefix of a FHIR import (`NAME_patients`, `NAME_observations`, …). */
  readonly source: string;
  readonly index: IndexSpec;
  readonly features: readonly FeatureDef[];
  readonly outcome?: OutcomeSpec;
}

function bad(path: string, expected: string, got: unknown): Error {
  return createError('AEGLE_CORE_INVALID_SPEC', { path, expected, got: JSON.stringify(got) ?? 'undefined' });
}

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

function name(v: unknown, path: string): string {
  if (typeof v !== 'string' || !NAME_RE.test(v)) throw bad(path, 'a column name (letters, digits, _)', v);
  return v;
}
function days(v: unknown, path: string, min = 0): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min)
    throw bad(path, `a number of days ≥ ${min}`, v);
  return v;
}
function strings(v: unknown, path: string): string[] {
  if (!Array.isArray(v) || v.length === 0 || v.some((x) => typeof x !== 'string'))
    throw bad(path, 'a non-empty list of strings', v);
  return v as string[];
}
function codeSets(v: unknown, path: string): CodeSet[] {
  if (!Array.isArray(v) || v.length === 0)
    throw bad(path, 'a non-empty list of code sets {system, codes?, prefixes?}', v);
  return v.map((s, i) => {
    if (!isObject(s) || typeof s.system !== 'string')
      throw bad(`${path}[${i}].system`, 'a system (icd10, snomed, loinc, rxnorm or a URI)', s);
    const codes = s.codes === undefined ? undefined : strings(s.codes, `${path}[${i}].codes`);
    const prefixes = s.prefixes === undefined ? undefined : strings(s.prefixes, `${path}[${i}].prefixes`);
    if (!codes && !prefixes) throw bad(`${path}[${i}]`, 'codes or prefixes', s);
    return { system: s.system, codes, prefixes };
  });
}

/** Validates a parsed YAML/JSON spec; throws AEGLE_CORE_INVALID_SPEC naming the bad place. */
export function parseFeatureSpec(raw: unknown): FeatureSpec {
  if (!isObject(raw)) throw bad('spec', 'an object', raw);
  if (typeof raw.source !== 'string' || raw.source === '')
    throw bad('source', 'the name of a FHIR import', raw.source);
  const ix = raw.index;
  let index: IndexSpec;
  if (isObject(ix) && ix.kind === 'date') {
    if (typeof ix.date !== 'string' || Number.isNaN(Date.parse(ix.date)))
      throw bad('index.date', 'an ISO date', ix.date);
    index = { kind: 'date', date: ix.date };
  } else if (isObject(ix) && ix.kind === 'encounter') {
    index = {
      kind: 'encounter',
      classes: ix.classes === undefined ? undefined : strings(ix.classes, 'index.classes'),
    };
  } else throw bad('index', "{kind: 'date', date} or {kind: 'encounter', classes?}", ix);
  if (!Array.isArray(raw.features) || raw.features.length === 0)
    throw bad('features', 'a non-empty list', raw.features);
  const seen = new Set<string>();
  const features = raw.features.map((f: unknown, i: number): FeatureDef => {
    const p = `features[${i}]`;
    if (!isObject(f)) throw bad(p, 'an object', f);
    let def: FeatureDef;
    if (f.kind === 'age' || f.kind === 'sex')
      def = { kind: f.kind, name: f.name === undefined ? undefined : name(f.name, `${p}.name`) };
    else if (f.kind === 'observation') {
      const stats = f.stats === undefined ? ['last'] : strings(f.stats, `${p}.stats`);
      for (const s of stats)
        if (!(OBSERVATION_STATS as readonly string[]).includes(s))
          throw bad(`${p}.stats`, OBSERVATION_STATS.join('|'), s);
      const loinc = typeof f.loinc === 'string' ? [f.loinc] : strings(f.loinc, `${p}.loinc`);
      if (f.unit !== undefined && typeof f.unit !== 'string') throw bad(`${p}.unit`, 'a UCUM unit', f.unit);
      def = {
        kind: 'observation',
        name: name(f.name, `${p}.name`),
        loinc,
        unit: f.unit as string | undefined,
        stats: stats as ObservationStat[],
        lookbackDays: days(f.lookbackDays, `${p}.lookbackDays`, 1),
      };
    } else if (f.kind === 'condition' || f.kind === 'medication') {
      def = {
        kind: f.kind,
        name: name(f.name, `${p}.name`),
        codes: codeSets(f.codes, `${p}.codes`),
        lookbackDays: f.lookbackDays === undefined ? undefined : days(f.lookbackDays, `${p}.lookbackDays`, 1),
      };
    } else throw bad(`${p}.kind`, 'age|sex|observation|condition|medication', f.kind);
    for (const col of featureColumns(def)) {
      if (seen.has(col)) throw bad(`${p}.name`, 'a name not used by another feature', col);
      seen.add(col);
    }
    return def;
  });
  let outcome: OutcomeSpec | undefined;
  if (raw.outcome !== undefined) {
    const o = raw.outcome;
    if (!isObject(o)) throw bad('outcome', 'an object', o);
    const startDays = o.startDays === undefined ? 0 : days(o.startDays, 'outcome.startDays');
    const windowDays = days(o.windowDays, 'outcome.windowDays', 1);
    if (windowDays <= startDays)
      throw bad('outcome.windowDays', `more than startDays (${startDays})`, windowDays);
    if (o.excludePrior !== undefined && typeof o.excludePrior !== 'boolean')
      throw bad('outcome.excludePrior', 'true or false', o.excludePrior);
    outcome = {
      name: name(o.name, 'outcome.name'),
      codes: codeSets(o.codes, 'outcome.codes'),
      windowDays,
      startDays,
      excludePrior: o.excludePrior !== false,
    };
    if (seen.has(outcome.name)) throw bad('outcome.name', 'a name not used by a feature', outcome.name);
  }
  return { source: raw.source, index, features, outcome };
}

/** The output columns of one feature. */
export function featureColumns(f: FeatureDef): string[] {
  if (f.kind === 'age') return [f.name ?? 'age'];
  if (f.kind === 'sex') return [f.name ?? 'sex'];
  if (f.kind === 'observation') return f.stats.map((s) => `${f.name}_${s}`);
  return [f.name];
}

/**
 * CDS Hooks prefetch templates that fetch what the spec reads for one patient
 * (https://cds-hooks.hl7.org/2.0/#prefetch-template).
 */
export function prefetchTemplates(spec: FeatureSpec): Record<string, string> {
  const out: Record<string, string> = { patient: 'Patient/{{context.patientId}}' };
  const loinc = [...new Set(spec.features.flatMap((f) => (f.kind === 'observation' ? f.loinc : [])))];
  if (loinc.length)
    out.observations = `Observation?patient={{context.patientId}}&code=${loinc.map((c) => `http://loinc.org|${c}`).join(',')}`;
  if (spec.features.some((f) => f.kind === 'condition'))
    out.conditions = 'Condition?patient={{context.patientId}}';
  if (spec.features.some((f) => f.kind === 'medication'))
    out.medications = 'MedicationRequest?patient={{context.patientId}}';
  return out;
}
