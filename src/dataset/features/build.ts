/**
 * Builds a patient-level (or encounter-level) table from a FHIR import and a FeatureSpec, in DuckDB.
 * Leakage rule, enforced in every clause: a feature reads only events at or before the row's index
 * time (`t <= index`, and after `index − lookback`); only the outcome reads the time at risk
 * (`index + start < t <= index + window`). Event time = Observation effective (else issued), Condition
 * onset (else recorded date), medication start.
 */
import { type ColumnRole, type Frame, newId } from '../../core/index.js';
import {
  type CodeSet,
  type FeatureSpec,
  featureColumns,
  isIcd10,
  LOINC_CANONICAL,
  systemUris,
  ucumConversion,
  YEAR_MS,
} from '../../fhir/index.js';
import {
  type DatasetVersion,
  type DuckStore,
  describeTable,
  getVersion,
  ident,
  literal,
} from '../../store/index.js';
import { readFrame, saveFrameAsVersion } from '../frame-io.js';

export interface BuiltFeatures {
  readonly frame: Frame;
  /** Per observation feature: rows left out because their unit could not be converted. */
  readonly unconverted: Record<string, number>;
}

/** SQL predicate: some element `x` of the `codes` list (`system|code`) falls in the sets. */
function codesMatch(listExpr: string, sets: readonly CodeSet[]): string {
  const alts: string[] = [];
  for (const s of sets) {
    for (const uri of systemUris(s.system)) {
      const icd = isIcd10(uri);
      const code = `substr(x, ${uri.length + 2})`;
      const norm = icd ? `replace(upper(${code}), '.', '')` : code;
      const fix = (c: string) => literal(icd ? c.replace(/\./g, '').toUpperCase() : c);
      const parts: string[] = [];
      if (s.codes?.length) parts.push(`${norm} IN (${s.codes.map(fix).join(', ')})`);
      for (const p of s.prefixes ?? []) parts.push(`starts_with(${norm}, ${fix(p)})`);
      alts.push(`(starts_with(x, ${literal(`${uri}|`)}) AND (${parts.join(' OR ')}))`);
    }
  }
  return `len(list_filter(${listExpr}, x -> ${alts.join(' OR ')})) > 0`;
}

const ms = (expr: string) => `epoch_ms(${expr})`;

/** Builds the feature table as a Frame (not saved). */
export async function buildFeatures(db: DuckStore, spec: FeatureSpec): Promise<BuiltFeatures> {
  const t = (table: string) => ident(`${spec.source}_${table}`);
  const tag = newId('f').replace(/[^A-Za-z0-9]/g, '_');
  const idx = `_idx_${tag}`;
  const perEncounter = spec.index.kind === 'encounter';
  if (spec.index.kind === 'date') {
    const at = `CAST(${literal(spec.index.date)} AS TIMESTAMP)`;
    await db.run(
      `CREATE TEMP TABLE ${ident(idx)} AS SELECT row_number() OVER (ORDER BY patient_id) AS row_id, patient_id, NULL::VARCHAR AS encounter_id, ${at} AS index_ts
       FROM ${t('patients')} WHERE birth_date IS NOT NULL AND CAST(birth_date AS TIMESTAMP) <= ${at} AND (deceased_at IS NULL OR deceased_at > ${at})`,
    );
  } else {
    const classes = spec.index.classes?.length
      ? ` AND class_code IN (${spec.index.classes.map(literal).join(', ')})`
      : '';
    await db.run(
      `CREATE TEMP TABLE ${ident(idx)} AS SELECT row_number() OVER (ORDER BY patient_id, start, encounter_id) AS row_id, patient_id, encounter_id, start AS index_ts
       FROM ${t('encounters')} WHERE start IS NOT NULL AND patient_id IS NOT NULL${classes}`,
    );
  }
  const selects = [perEncounter ? 'i.encounter_id' : null, 'i.patient_id', 'i.index_ts AS index_date'].filter(
    Boolean,
  ) as string[];
  const joins: string[] = [];
  const unconverted: Record<string, number> = {};
  let k = 0;
  for (const f of spec.features) {
    const [col] = featureColumns(f);
    if (f.kind === 'age') {
      joins.push(`LEFT JOIN ${t('patients')} p_age ON p_age.patient_id = i.patient_id`);
      selects.push(
        `(${ms('i.index_ts')} - ${ms('CAST(p_age.birth_date AS TIMESTAMP)')}) / ${YEAR_MS} AS ${ident(col)}`,
      );
    } else if (f.kind === 'sex') {
      joins.push(`LEFT JOIN ${t('patients')} p_sex ON p_sex.patient_id = i.patient_id`);
      selects.push(`p_sex.gender AS ${ident(col)}`);
    } else if (f.kind === 'observation') {
      // one affine map per (code, unit) onto the feature's unit, resolved with UCUM here
      const units = await db.all<{ code: string; unit: string; n: number }>(
        `SELECT code, unit, count(*) AS n FROM ${t('observations')} WHERE code IN (${f.loinc.map(literal).join(', ')}) AND value IS NOT NULL AND unit IS NOT NULL GROUP BY ALL ORDER BY n DESC, code, unit`,
      );
      const target = f.unit ?? units[0]?.unit;
      const cases: string[] = [];
      unconverted[f.name] = 0;
      for (const u of units) {
        const molar =
          LOINC_CANONICAL[u.code]?.molarMass ??
          f.loinc.map((c) => LOINC_CANONICAL[c]?.molarMass).find((m) => m !== undefined);
        const c = target ? ucumConversion(u.unit, target, molar) : { error: 'no unit' };
        if ('error' in c) unconverted[f.name] += Number(u.n);
        else
          cases.push(
            `WHEN code = ${literal(u.code)} AND unit = ${literal(u.unit)} THEN value * ${c.a} + ${c.b}`,
          );
      }
      const v = cases.length ? `CASE ${cases.join(' ')} END` : 'NULL::DOUBLE';
      const a = `o${k++}`;
      const aggs = f.stats.map((s) => {
        const out = ident(`${f.name}_${s}`);
        if (s === 'last') return `arg_max(v, t) AS ${out}`;
        if (s === 'mean') return `avg(v) AS ${out}`;
        if (s === 'min') return `min(v) AS ${out}`;
        if (s === 'max') return `max(v) AS ${out}`;
        if (s === 'count') return `count(v) AS ${out}`;
        return `regr_slope(v, ${ms('t')} / ${YEAR_MS}) AS ${out}`;
      });
      joins.push(
        `LEFT JOIN (SELECT i2.row_id, ${aggs.join(', ')} FROM ${ident(idx)} i2
          JOIN (SELECT patient_id, COALESCE(effective, issued) AS t, ${v} AS v FROM ${t('observations')} WHERE code IN (${f.loinc.map(literal).join(', ')})) ob
          ON ob.patient_id = i2.patient_id AND ob.v IS NOT NULL AND ob.t <= i2.index_ts AND ob.t > i2.index_ts - INTERVAL (${f.lookbackDays * 86400}) SECOND
          GROUP BY i2.row_id) ${a} ON ${a}.row_id = i.row_id`,
      );
      for (const s of f.stats) {
        const c = ident(`${f.name}_${s}`);
        selects.push(s === 'count' ? `COALESCE(${a}.${c}, 0) AS ${c}` : `${a}.${c} AS ${c}`);
      }
    } else {
      const [table, time] =
        f.kind === 'condition' ? ['conditions', 'COALESCE(e.onset, e.recorded)'] : ['medications', 'e.start'];
      const valid =
        f.kind === 'condition'
          ? " AND COALESCE(e.verification_status, '') NOT IN ('refuted', 'entered-in-error')"
          : " AND COALESCE(e.status, '') <> 'entered-in-error'";
      const back = f.lookbackDays
        ? ` AND ${time} > i.index_ts - INTERVAL (${f.lookbackDays * 86400}) SECOND`
        : '';
      selects.push(
        `CAST(EXISTS (SELECT 1 FROM ${t(table)} e WHERE e.patient_id = i.patient_id AND ${time} <= i.index_ts${back}${valid} AND ${codesMatch('e.codes', f.codes)}) AS DOUBLE) AS ${ident(col)}`,
      );
    }
  }
  let where = '';
  if (spec.outcome) {
    const o = spec.outcome;
    const time = 'COALESCE(e.onset, e.recorded)';
    const match = `e.patient_id = i.patient_id AND COALESCE(e.verification_status, '') NOT IN ('refuted', 'entered-in-error') AND ${codesMatch('e.codes', o.codes)}`;
    selects.push(
      `CAST(EXISTS (SELECT 1 FROM ${t('conditions')} e WHERE ${match} AND ${time} > i.index_ts + INTERVAL (${(o.startDays ?? 0) * 86400}) SECOND AND ${time} <= i.index_ts + INTERVAL (${o.windowDays * 86400}) SECOND) AS DOUBLE) AS ${ident(o.name)}`,
    );
    if (o.excludePrior !== false)
      where = ` WHERE NOT EXISTS (SELECT 1 FROM ${t('conditions')} e WHERE ${match} AND ${time} <= i.index_ts)`;
  }
  const out = `_features_${tag}`;
  try {
    await db.run(
      `CREATE TEMP TABLE ${ident(out)} AS SELECT ${selects.join(', ')} FROM ${ident(idx)} i ${joins.join(' ')}${where} ORDER BY i.row_id`,
    );
    const columns = await describeTable(db, out);
    const roles: Record<string, ColumnRole> = perEncounter
      ? { encounter_id: 'id', patient_id: 'group', index_date: 'time' }
      : { patient_id: 'id', index_date: 'time' };
    if (spec.outcome) roles[spec.outcome.name] = 'target';
    const pseudo: DatasetVersion = {
      name: out,
      version: '',
      contentHash: '',
      table: out,
      createdAt: '',
      rows: 0,
      columns,
      roles,
      source: '',
      format: '',
      parent: null,
      meta: {},
    };
    return { frame: await readFrame(db, pseudo), unconverted };
  } finally {
    await db.run(`DROP TABLE IF EXISTS ${ident(out)}`);
    await db.run(`DROP TABLE IF EXISTS ${ident(idx)}`);
  }
}

/** Builds the features and saves them as a dataset version (roles id, target, time, group). */
export async function saveFeatures(
  db: DuckStore,
  spec: FeatureSpec,
  name: string,
): Promise<{ dataset: DatasetVersion; unchanged: boolean; unconverted: Record<string, number> }> {
  const sources = await Promise.all(
    ['patients', 'encounters', 'observations', 'conditions', 'medications'].map((tb) =>
      getVersion(db, `${spec.source}_${tb}`),
    ),
  );
  const built = await buildFeatures(db, spec);
  const saved = await saveFrameAsVersion(db, built.frame, {
    name,
    hashInput: `features:1\n${JSON.stringify(spec)}\n${sources.map((s) => s.contentHash).join('\n')}`,
    source: `features:${spec.source}`,
    parent: sources[0],
    roles: { ...built.frame.roles },
    meta: { spec, unconverted: built.unconverted },
  });
  return { ...saved, unconverted: built.unconverted };
}
