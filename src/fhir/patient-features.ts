/**
 * One patient's feature row, computed in memory from FHIR resources (a Bundle or CDS Hooks prefetch)
 * with the same FeatureSpec and the same rules as the DuckDB feature builder (dataset/features): the
 * resources go through the same mappers and unit harmoniser; a feature reads only events at or before
 * the index time and after `index − lookback`; event time = Observation effective (else issued),
 * Condition onset (else recorded date), medication start. This is what scores a patient at the point of
 * care, where a database round trip per request is too slow. A test checks it against the builder on
 * the synthetic cohort, feature by feature. Resources that cannot change the row (types no feature
 * reads, Observations without the features' LOINC codes, Conditions outside their code sets) are
 * skipped before mapping, which is most of a CDS prefetch's cost.
 */
import { DAY_MS, YEAR_MS } from './datetime.js';
import type { FeatureDef, FeatureSpec } from './feature-spec.js';
import { featureColumns } from './feature-spec.js';
import { mapResource, UnitHarmoniser } from './mappers.js';
import type { FullUrlIndex } from './references.js';
import { FHIR_TABLES, type FhirRow, type FhirTableName, TABLE_OF_TYPE } from './tables.js';
import { type CodeSet, isIcd10, LOINC_CANONICAL, normaliseCode, systemUris } from './terminology.js';
import type { CodeableConcept, FhirIssue, FhirResource } from './types.js';
import { ucumConversion } from './ucum.js';

/** A resource with what its mapper needs from the enclosing Bundle (as ingest's sources yield it). */
export interface PatientResource {
  readonly resource: FhirResource;
  readonly fullUrls?: FullUrlIndex;
  readonly fallbackId?: string;
  readonly medications?: ReadonlyMap<string, CodeableConcept>;
}

export type FeatureValue = number | string | null;

export interface PatientFeatures {
  readonly patientId: string;
  /** Feature column → value (null = no data in the window). */
  readonly values: Record<string, FeatureValue>;
  /** `Type/id` of every resource a feature value came from (the RiskAssessment's `basis`). */
  readonly basis: string[];
  /** Observation rows left out because their unit could not be converted, by feature. */
  readonly unconverted: Record<string, number>;
  /**
   * Resources the mappers refused (reported, not fatal, as in an import), among those that could
   * change the row: resources no feature reads are not mapped at all.
   */
  readonly issues: FhirIssue[];
  /** The UCUM unit of each observation feature column (counts have none). */
  readonly units: Record<string, string>;
}

/** Why no row could be built: no Patient resource, or several and no id to choose. */
export interface PatientFeaturesMissing {
  readonly missing: string[];
}

export interface PatientFeatureOptions {
  /** Index time (epoch ms): features read events at or before it. */
  readonly indexMs: number;
  /** The patient to build the row for; default the only Patient among the resources. */
  readonly patientId?: string;
}

type Rows = Record<FhirTableName, FhirRow[]>;

function col(table: FhirTableName, name: string): number {
  const i = FHIR_TABLES[table].findIndex((c) => c.name === name);
  if (i < 0) throw new Error(`no column ${table}.${name}`);
  return i;
}
const P = {
  id: col('patients', 'patient_id'),
  gender: col('patients', 'gender'),
  birth: col('patients', 'birth_date'),
};
const O = {
  id: col('observations', 'observation_id'),
  patient: col('observations', 'patient_id'),
  code: col('observations', 'code'),
  value: col('observations', 'value'),
  unit: col('observations', 'unit'),
  effective: col('observations', 'effective'),
  issued: col('observations', 'issued'),
};
const C = {
  id: col('conditions', 'condition_id'),
  patient: col('conditions', 'patient_id'),
  codes: col('conditions', 'codes'),
  verification: col('conditions', 'verification_status'),
  onset: col('conditions', 'onset'),
  recorded: col('conditions', 'recorded'),
};
const M = {
  id: col('medications', 'medication_id'),
  type: col('medications', 'resource_type'),
  patient: col('medications', 'patient_id'),
  codes: col('medications', 'codes'),
  status: col('medications', 'status'),
  start: col('medications', 'start'),
};

const numOrNull = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** One code set for one system URI, its codes and prefixes normalised as the comparison needs. */
interface CompiledSet {
  readonly uri: string;
  readonly icd: boolean;
  readonly codes: ReadonlySet<string> | null;
  readonly prefixes: readonly string[] | null;
}

const compiledSets = new WeakMap<readonly CodeSet[], readonly CompiledSet[]>();

/** The sets with their system aliases resolved and ICD-10 codes normalised (once per list). */
function compileSets(sets: readonly CodeSet[]): readonly CompiledSet[] {
  let c = compiledSets.get(sets);
  if (!c) {
    const out: CompiledSet[] = [];
    for (const s of sets)
      for (const uri of systemUris(s.system)) {
        const icd = isIcd10(uri);
        const fix = (x: string) => (icd ? normaliseCode(uri, x) : x);
        out.push({
          uri,
          icd,
          codes: s.codes ? new Set(s.codes.map(fix)) : null,
          prefixes: s.prefixes ? s.prefixes.map(fix) : null,
        });
      }
    c = out;
    compiledSets.set(sets, c);
  }
  return c;
}

/** True when some `system|code` of the list falls in the sets (the builder's `codesMatch`). */
export function codesInSets(codes: readonly string[], sets: readonly CodeSet[]): boolean {
  const compiled = compileSets(sets);
  for (const x of codes) {
    for (const s of compiled) {
      const n = s.uri.length;
      if (x.charCodeAt(n) !== 124 || !x.startsWith(s.uri)) continue; // `${uri}|`
      const code = s.icd ? normaliseCode(s.uri, x.slice(n + 1)) : x.slice(n + 1);
      if (s.codes?.has(code)) return true;
      if (s.prefixes?.some((p) => code.startsWith(p))) return true;
    }
  }
  return false;
}

/** What a spec reads: the LOINC codes of its observation features, its condition code sets, medications. */
interface SpecReads {
  readonly loinc: ReadonlySet<string>;
  readonly conditionSets: readonly CodeSet[];
  readonly medications: boolean;
}

const specReads = new WeakMap<FeatureSpec, SpecReads>();

function readsOf(spec: FeatureSpec): SpecReads {
  let r = specReads.get(spec);
  if (!r) {
    r = {
      loinc: new Set(spec.features.flatMap((f) => (f.kind === 'observation' ? f.loinc : []))),
      conditionSets: spec.features.flatMap((f) => (f.kind === 'condition' ? f.codes : [])),
      medications: spec.features.some((f) => f.kind === 'medication'),
    };
    specReads.set(spec, r);
  }
  return r;
}

/**
 * The `system|code` keys of a CodeableConcept as the mappers list them, or null when its shape is not
 * plain (then the mapper decides, and reports what is wrong).
 */
function codingKeys(c: unknown): string[] | null {
  if (c === undefined) return [];
  if (typeof c !== 'object' || c === null) return null;
  const coding = (c as { coding?: unknown }).coding;
  if (coding === undefined) return [];
  if (!Array.isArray(coding)) return null;
  const out: string[] = [];
  for (const x of coding) {
    if (typeof x !== 'object' || x === null) return null;
    const { system, code } = x as { system?: unknown; code?: unknown };
    if (
      (system !== undefined && typeof system !== 'string') ||
      (code !== undefined && typeof code !== 'string')
    )
      return null;
    if (code) out.push(`${system ?? ''}|${code}`);
  }
  return out;
}

/**
 * False for a resource that cannot change the row, so that it need not be mapped: a type whose table
 * no feature reads, an Observation (code and components) with none of the features' LOINC codes, a
 * Condition in none of the condition features' code sets. Anything of an unexpected shape is kept.
 */
function mayMatter(res: FhirResource, reads: SpecReads): boolean {
  const table = TABLE_OF_TYPE[res.resourceType];
  if (table === 'patients') return true;
  if (table === 'medications') return reads.medications;
  const o = res as unknown as Record<string, unknown>;
  if (table === 'observations') {
    if (reads.loinc.size === 0) return false;
    // the row's code is one of the concept's codings (the LOINC one if any), compared by code alone
    const hit = (c: unknown): boolean => {
      if (c === undefined) return false;
      if (typeof c !== 'object' || c === null) return true;
      const coding = (c as { coding?: unknown }).coding;
      if (coding === undefined) return false;
      if (!Array.isArray(coding)) return true;
      for (const x of coding) {
        if (typeof x !== 'object' || x === null) return true;
        const code = (x as { code?: unknown }).code;
        if (code !== undefined && typeof code !== 'string') return true;
        if (code !== undefined && reads.loinc.has(code)) return true;
      }
      return false;
    };
    if (hit(o.code)) return true;
    if (o.component === undefined) return false;
    if (!Array.isArray(o.component)) return true;
    return o.component.some(
      (c) => typeof c !== 'object' || c === null || hit((c as { code?: unknown }).code),
    );
  }
  if (table === 'conditions') {
    if (reads.conditionSets.length === 0) return false;
    const keys = codingKeys(o.code);
    return keys === null || codesInSets(keys, reads.conditionSets);
  }
  return false;
}

/** The UCUM unit an observation feature's values are reported in (spec unit, else LOINC canonical). */
export function observationUnit(f: Extract<FeatureDef, { kind: 'observation' }>): string | undefined {
  return f.unit ?? f.loinc.map((c) => LOINC_CANONICAL[c]?.unit).find((u) => u !== undefined);
}

/** Maps the resources that may matter to `spec` to table rows (invalid ones are reported and left out). */
function mapAll(items: readonly PatientResource[], spec: FeatureSpec): { rows: Rows; issues: FhirIssue[] } {
  const rows = Object.fromEntries(Object.keys(FHIR_TABLES).map((t) => [t, []])) as unknown as Rows;
  const issues: FhirIssue[] = [];
  const units = new UnitHarmoniser();
  const reads = readsOf(spec);
  for (const it of items) {
    if (!mayMatter(it.resource, reads)) continue;
    const r = mapResource(it.resource, {
      fullUrls: it.fullUrls,
      fallbackId: it.fallbackId,
      medications: it.medications,
      units,
    });
    if (r.kind === 'rows') rows[r.table].push(...r.rows);
    else if (r.kind === 'invalid') issues.push(...r.issues);
  }
  return { rows, issues };
}

/**
 * Builds one patient's feature row at `indexMs`. Returns `{missing}` when there is no Patient resource
 * to build it for (the caller answers 412 / 400).
 */
export function patientFeatures(
  items: readonly PatientResource[],
  spec: FeatureSpec,
  opts: PatientFeatureOptions,
): PatientFeatures | PatientFeaturesMissing {
  const { rows, issues } = mapAll(items, spec);
  const patients = rows.patients.filter((p) => opts.patientId === undefined || p[P.id] === opts.patientId);
  if (patients.length === 0)
    return { missing: [opts.patientId ? `Patient/${opts.patientId}` : 'a Patient resource'] };
  if (patients.length > 1 && opts.patientId === undefined)
    return { missing: ['one Patient resource (several found; name the patient)'] };
  const patient = patients[0];
  const pid = String(patient[P.id]);
  const idx = opts.indexMs;
  const values: Record<string, FeatureValue> = {};
  const basis = new Set<string>([`Patient/${pid}`]);
  const unconverted: Record<string, number> = {};
  const units: Record<string, string> = {};
  const obs = rows.observations.filter((r) => r[O.patient] === pid);
  const conds = rows.conditions.filter((r) => r[C.patient] === pid);
  const meds = rows.medications.filter((r) => r[M.patient] === pid);
  const inWindow = (t: number | null, lookbackDays: number | undefined) =>
    t !== null && t <= idx && (lookbackDays === undefined || t > idx - lookbackDays * DAY_MS);

  for (const f of spec.features) {
    const [name] = featureColumns(f);
    if (f.kind === 'age') {
      const birth = numOrNull(patient[P.birth]);
      values[name] = birth === null ? null : (idx - birth) / YEAR_MS;
    } else if (f.kind === 'sex') {
      const g = patient[P.gender];
      values[name] = typeof g === 'string' ? g : null;
    } else if (f.kind === 'observation') {
      const codes = new Set(f.loinc);
      const candidates = obs.filter(
        (r) =>
          codes.has(String(r[O.code])) && numOrNull(r[O.value]) !== null && typeof r[O.unit] === 'string',
      );
      // target unit: the spec's, else the LOINC canonical one, else the most common among the rows
      let target = observationUnit(f);
      if (!target && candidates.length) {
        const count = new Map<string, number>();
        for (const r of candidates) count.set(String(r[O.unit]), (count.get(String(r[O.unit])) ?? 0) + 1);
        target = [...count].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0][0];
      }
      unconverted[f.name] = 0;
      const points: Array<{ t: number; v: number; id: string }> = [];
      for (const r of candidates) {
        const code = String(r[O.code]);
        const molar =
          LOINC_CANONICAL[code]?.molarMass ??
          f.loinc.map((c) => LOINC_CANONICAL[c]?.molarMass).find((m) => m !== undefined);
        const c = target ? ucumConversion(String(r[O.unit]), target, molar) : { error: 'no unit' };
        if ('error' in c) {
          unconverted[f.name]++;
          continue;
        }
        const t = numOrNull(r[O.effective]) ?? numOrNull(r[O.issued]);
        if (!inWindow(t, f.lookbackDays)) continue;
        points.push({ t: t!, v: (r[O.value] as number) * c.a + c.b, id: String(r[O.id]) });
      }
      for (const p of points) basis.add(`Observation/${p.id}`);
      for (const s of f.stats) {
        const out = `${f.name}_${s}`;
        if (target && s !== 'count') units[out] = s === 'slope' ? `${target}/a` : target;
        values[out] = observationStat(s, points);
      }
    } else if (f.kind === 'condition') {
      let hit = false;
      for (const r of conds) {
        const v = r[C.verification];
        if (v === 'refuted' || v === 'entered-in-error') continue;
        const t = numOrNull(r[C.onset]) ?? numOrNull(r[C.recorded]);
        if (!inWindow(t, f.lookbackDays)) continue;
        if (!codesInSets(r[C.codes] as readonly string[], f.codes)) continue;
        hit = true;
        basis.add(`Condition/${r[C.id]}`);
      }
      values[name] = hit ? 1 : 0;
    } else {
      let hit = false;
      for (const r of meds) {
        if (r[M.status] === 'entered-in-error') continue;
        if (!inWindow(numOrNull(r[M.start]), f.lookbackDays)) continue;
        if (!codesInSets(r[M.codes] as readonly string[], f.codes)) continue;
        hit = true;
        basis.add(`${r[M.type]}/${r[M.id]}`);
      }
      values[name] = hit ? 1 : 0;
    }
  }
  return { patientId: pid, values, basis: [...basis], unconverted, issues, units };
}

/** last / mean / min / max / count / slope (per year, least squares) of the points, as the builder. */
function observationStat(
  s: 'last' | 'mean' | 'min' | 'max' | 'count' | 'slope',
  points: ReadonlyArray<{ t: number; v: number }>,
): number | null {
  const n = points.length;
  if (s === 'count') return n;
  if (n === 0) return null;
  if (s === 'last') {
    let best = points[0];
    for (const p of points) if (p.t > best.t) best = p;
    return best.v;
  }
  if (s === 'min') return Math.min(...points.map((p) => p.v));
  if (s === 'max') return Math.max(...points.map((p) => p.v));
  let sv = 0;
  for (const p of points) sv += p.v;
  if (s === 'mean') return sv / n;
  // DuckDB regr_slope(y, x) = covar_pop(x, y) / var_pop(x), x in years
  const xs = points.map((p) => p.t / YEAR_MS);
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = sv / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i] - mx) * (points[i].v - my);
    sxx += (xs[i] - mx) ** 2;
  }
  return sxx === 0 ? null : sxy / sxx;
}
