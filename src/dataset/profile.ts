/**
 * Dataset profiling in DuckDB: per-column statistics, histograms, top categories, duplicate rows, a
 * correlation matrix, and the warnings a clinical data scientist wants first (constant and ID-like
 * columns, a leakage suspect that nearly determines the target, high missingness, clinically
 * implausible values, mixed units). Two table scans (one answered from DuckDB's statistics), a
 * duplicate-row hash scan and a GROUP BY per text column, whatever the column count; quantiles and
 * correlations on typed arrays.
 */
import { type ClinicalRange, clinicalRangeFor } from '../core/index.js';
import {
  type ColumnSchema,
  type DatasetVersion,
  type DuckStore,
  ident,
  sampledRows,
} from '../store/index.js';
import { exactDistinct, pearsonMatrix, scanNumericColumns, type7Quantiles } from './profile-scan.js';

export interface ColumnProfile {
  readonly name: string;
  readonly type: string;
  readonly kind: ColumnSchema['kind'];
  readonly role: string | null;
  readonly count: number;
  readonly missing: number;
  readonly missingShare: number;
  readonly distinct: number;
  readonly min: number | string | null;
  readonly max: number | string | null;
  readonly mean: number | null;
  readonly sd: number | null;
  readonly quantiles: { p5: number; p25: number; p50: number; p75: number; p95: number } | null;
  readonly top: { value: string; count: number }[];
  readonly histogram: { edges: number[]; counts: number[] } | null;
  readonly clinical: { measure: string; unit: string; min: number; max: number; outOfRange: number } | null;
}

export type WarningKind =
  | 'constant'
  | 'id_like'
  | 'leakage_suspect'
  | 'high_missingness'
  | 'implausible_values'
  | 'mixed_units'
  | 'duplicate_rows'
  | 'high_correlation';

export interface ProfileWarning {
  readonly kind: WarningKind;
  readonly column: string | null;
  readonly severity: 'info' | 'warning' | 'critical';
  readonly message: string;
}

export interface DatasetProfile {
  readonly dataset: string;
  readonly version: string;
  readonly rows: number;
  readonly duplicateRows: number;
  readonly columns: ColumnProfile[];
  /** Pearson correlations (pairwise-complete); on large tables from the first `sampleRows` rows (here) of the seeded row sample. */
  readonly correlations: { columns: string[]; matrix: (number | null)[][]; sampleRows: number | null };
  /** Null when every figure is exact; otherwise what was estimated and from how many rows. */
  readonly approximate: {
    sampleRows: number;
    quantiles: 'sample';
    correlations: 'sample';
    distinct: 'hyperloglog';
  } | null;
  readonly warnings: ProfileWarning[];
}

export interface ProfileOptions {
  readonly bins?: number;
  readonly topK?: number;
  /** Missing share above which a column is flagged (default 0.3). */
  readonly missingThreshold?: number;
  /** |r| at or above which a pair is flagged (default 0.95). */
  readonly correlationThreshold?: number;
  /**
   * Correlations use at most this many rows of the sample (default 100,000; the sample is random,
   * so these are a random subsample): the sampling error of r is then ≈ 0.003, far below what the
   * warnings look at, at half the cost of the full sample.
   */
  readonly correlationSampleRows?: number;
  /**
   * Above this many rows (default 200,000), quantiles, correlations and the leakage check come from a
   * seeded Bernoulli row sample of about this size and distinct counts from HyperLogLog; every other
   * figure stays exact.
   */
  readonly sampleRows?: number;
}

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

export async function profileDataset(
  db: DuckStore,
  v: DatasetVersion,
  opts: ProfileOptions = {},
): Promise<DatasetProfile> {
  const bins = opts.bins ?? 20;
  const topK = opts.topK ?? 10;
  const t = ident(v.table);
  const cols = v.columns;
  const n = v.rows;

  // Large tables: distinct counts by HyperLogLog (≈1–2% error), quantiles, correlations and the
  // leakage check from a seeded Bernoulli row sample; counts, moments, extremes, histograms,
  // out-of-range counts and duplicates stay exact (duplicates by a 64-bit row hash).
  const sampleRows = opts.sampleRows ?? 200_000;
  const sampled = n > sampleRows;

  // 1. counts and extremes: DuckDB answers these from the table's statistics, without a scan
  const mAggs: string[] = [];
  cols.forEach((c, j) => {
    const id = ident(c.name);
    mAggs.push(`count(${id}) AS n${j}`);
    if (c.kind === 'numeric')
      mAggs.push(`min(CAST(${id} AS DOUBLE)) AS lo${j}`, `max(CAST(${id} AS DOUBLE)) AS hi${j}`);
    else if (c.kind === 'datetime')
      mAggs.push(`CAST(min(${id}) AS VARCHAR) AS lo${j}`, `CAST(max(${id}) AS VARCHAR) AS hi${j}`);
    else mAggs.push(`min(${id}) AS lo${j}`, `max(${id}) AS hi${j}`);
  });
  const [stats] = await db.all<Record<string, unknown>>(`SELECT ${mAggs.join(', ')} FROM ${t}`);

  // 3–5 run on a second connection while this one streams the numeric columns (step 2):
  // distinct counts of the other columns, top categories, duplicate rows
  const side = (async () => {
    const sib = await db.sibling();
    try {
      const out: {
        distinct: Record<string, unknown>;
        tops: Map<number, { value: string; count: number }[]>;
        duplicates: number;
      } = {
        distinct: {},
        tops: new Map(),
        duplicates: 0,
      };
      const others = cols
        .map((c, j) => (c.kind === 'numeric' && num(stats[`lo${j}`]) !== null ? -1 : j))
        .filter((j) => j >= 0);
      if (others.length) {
        const dAggs = others.map((j) => {
          const id = ident(cols[j].name);
          return sampled ? `approx_count_distinct(${id}) AS d${j}` : `count(DISTINCT ${id}) AS d${j}`;
        });
        out.distinct = (await sib.all<Record<string, unknown>>(`SELECT ${dAggs.join(', ')} FROM ${t}`))[0];
      }
      for (let j = 0; j < cols.length; j++) {
        if (cols[j].kind !== 'categorical') continue;
        const id = ident(cols[j].name);
        const rows = await sib.all<{ v: string; c: number }>(
          `SELECT CAST(${id} AS VARCHAR) AS v, count(*) AS c FROM ${t} WHERE ${id} IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT ${topK}`,
        );
        out.tops.set(
          j,
          rows.map((r) => ({ value: r.v, count: Number(r.c) })),
        );
      }
      const [{ d }] = await sib.all<{ d: number }>(
        sampled
          ? // one 64-bit hash over all columns per row: a false duplicate among 10⁷ rows has probability ≈ 3·10⁻⁶
            `SELECT count(*) - count(DISTINCT h) AS d FROM (SELECT hash(${cols.map((c) => ident(c.name)).join(', ')}) AS h FROM ${t})`
          : `SELECT ${n} - count(*) AS d FROM (SELECT DISTINCT * FROM ${t})`,
      );
      out.duplicates = Number(d);
      return out;
    } finally {
      sib.closeConnection();
    }
  })();
  // keep an early failure from surfacing as an unhandled rejection while step 2 runs
  side.catch(() => undefined);

  // 2. one streaming pass over the numeric columns: moments, histograms, out-of-range counts,
  //    distinct counts and the row sample
  const numericIdx = cols
    .map((c, j) => (c.kind === 'numeric' && num(stats[`lo${j}`]) !== null ? j : -1))
    .filter((j) => j >= 0);
  const ranges = new Map<number, ClinicalRange>();
  for (const j of numericIdx) {
    const r = clinicalRangeFor(cols[j].name);
    if (r && cols[j].type !== 'BOOLEAN') ranges.set(j, r);
  }
  const scans = await scanNumericColumns(
    db,
    v.table,
    numericIdx.map((j) => {
      const r = ranges.get(j);
      return {
        column: cols[j],
        lo: num(stats[`lo${j}`]),
        hi: num(stats[`hi${j}`]),
        range: r ? { min: r.min, max: r.max, alt: r.altUnit } : undefined,
      };
    }),
    { bins, sampleFraction: sampled ? sampleRows / n : 1, seed: 42, distinct: sampled },
  );
  const scanOf = new Map(numericIdx.map((j, k) => [j, scans[k]]));
  const hist: Record<string, number> = {};
  for (const [j, sc] of scanOf) {
    hist[`oor${j}`] = sc.outOfRange;
    hist[`alt${j}`] = sc.altUnit;
    stats[`d${j}`] = sampled ? sc.distinct : exactDistinct(sc.sample);
  }

  // 6. quantiles (type 7, as pandas' and R's default) and the Pearson correlation matrix
  //    (pairwise-complete) of numeric columns, over the sample (the whole table when small)
  const sampleCount = scans.length ? scans[0].sample.length : 0;
  const corrIdx = numericIdx.filter((j) => Number(stats[`d${j}`]) > 1);
  const corrNames = corrIdx.map((j) => cols[j].name);
  const corrRows = sampled ? Math.min(sampleCount, opts.correlationSampleRows ?? 100_000) : sampleCount;
  const matrix = pearsonMatrix(corrIdx.map((j) => scanOf.get(j)!.sample.subarray(0, corrRows)));
  // the leakage check reads the same share of rows through SQL
  const sampleFrom = sampled ? sampledRows(db, v, Math.ceil((sampleRows / n) * 1_000_000)) : t;
  const quantiles = new Map<number, number[] | null>();
  for (const [j, sc] of scanOf) quantiles.set(j, type7Quantiles(sc.sample, [0.05, 0.25, 0.5, 0.75, 0.95]));

  const sideResults = await side;
  Object.assign(stats, sideResults.distinct);
  const tops = sideResults.tops;
  const duplicateRows = sideResults.duplicates;

  const columns: ColumnProfile[] = cols.map((c, j) => {
    const count = Number(stats[`n${j}`]);
    const missing = n - count;
    const isNum = c.kind === 'numeric';
    const sc = scanOf.get(j);
    const q = quantiles.get(j) ?? null;
    const histogram = sc?.histogram ?? null;
    const r = ranges.get(j);
    return {
      name: c.name,
      type: c.type,
      kind: c.kind,
      role: v.roles[c.name] ?? null,
      count,
      missing,
      missingShare: n ? missing / n : 0,
      distinct: Number(stats[`d${j}`]),
      min: isNum ? num(stats[`lo${j}`]) : ((stats[`lo${j}`] as string | null) ?? null),
      max: isNum ? num(stats[`hi${j}`]) : ((stats[`hi${j}`] as string | null) ?? null),
      mean: sc ? sc.mean : null,
      sd: sc ? sc.sd : null,
      quantiles: q ? { p5: q[0], p25: q[1], p50: q[2], p75: q[3], p95: q[4] } : null,
      top: tops.get(j) ?? [],
      histogram,
      clinical: r
        ? { measure: r.label, unit: r.unit, min: r.min, max: r.max, outOfRange: Number(hist[`oor${j}`] ?? 0) }
        : null,
    };
  });

  const warnings = await buildWarnings(
    db,
    v,
    columns,
    duplicateRows,
    { names: corrNames, matrix },
    hist,
    ranges,
    opts,
    sampleFrom,
  );
  return {
    dataset: v.name,
    version: v.version,
    rows: n,
    duplicateRows,
    columns,
    correlations: { columns: corrNames, matrix, sampleRows: sampled ? corrRows : null },
    approximate: sampled
      ? { sampleRows: sampleCount, quantiles: 'sample', correlations: 'sample', distinct: 'hyperloglog' }
      : null,
    warnings,
  };
}

async function buildWarnings(
  db: DuckStore,
  v: DatasetVersion,
  columns: ColumnProfile[],
  duplicateRows: number,
  corr: { names: string[]; matrix: (number | null)[][] },
  hist: Record<string, unknown>,
  ranges: Map<number, ClinicalRange>,
  opts: ProfileOptions,
  sampleFrom: string,
): Promise<ProfileWarning[]> {
  const w: ProfileWarning[] = [];
  const n = v.rows;
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  if (duplicateRows > 0) {
    w.push({
      kind: 'duplicate_rows',
      column: null,
      severity: 'warning',
      message: `${duplicateRows} rows (${pct(duplicateRows / n)}) duplicate an earlier row exactly.`,
    });
  }
  const target = Object.entries(v.roles).find(([, r]) => r === 'target')?.[0] ?? null;
  columns.forEach((c, j) => {
    if (c.distinct <= 1) {
      w.push({
        kind: 'constant',
        column: c.name,
        severity: 'warning',
        message: `'${c.name}' has ${c.distinct === 0 ? 'no values' : 'a single value'}: it carries no information.`,
      });
    }
    const idByName = /(^|_)(id|mrn|uuid|guid|ssn|patient_?id|record_?id|encounter_?id)$/i.test(c.name);
    const allDistinct =
      c.count > 20 &&
      c.distinct >= c.count * (n > (opts.sampleRows ?? 200_000) ? 0.97 : 1) &&
      (c.kind === 'categorical' || c.type.includes('INT'));
    if ((idByName && c.distinct > 0.9 * c.count) || allDistinct) {
      w.push({
        kind: 'id_like',
        column: c.name,
        severity: 'info',
        message: `'${c.name}' looks like an identifier (${c.distinct} distinct of ${c.count}); give it the id role, do not use it as a feature.`,
      });
    }
    const threshold = opts.missingThreshold ?? 0.3;
    if (c.missingShare > threshold) {
      w.push({
        kind: 'high_missingness',
        column: c.name,
        severity: c.missingShare > 0.8 ? 'critical' : 'warning',
        message: `'${c.name}' is missing in ${pct(c.missingShare)} of rows.`,
      });
    }
    const r = ranges.get(j);
    if (r && c.clinical && c.clinical.outOfRange > 0) {
      const alt = Number(hist[`alt${j}`] ?? 0);
      const nonAlt = c.clinical.outOfRange - alt;
      if (r.altUnit && alt > 0 && alt >= 0.01 * c.count) {
        w.push({
          kind: 'mixed_units',
          column: c.name,
          severity: 'warning',
          message: `'${c.name}': ${alt} values (${pct(alt / c.count)}) fit ${r.label} in ${r.altUnit.unit} rather than ${r.unit}: mixed units suspected.`,
        });
      }
      const implausible = r.altUnit && alt >= 0.01 * c.count ? nonAlt : c.clinical.outOfRange;
      if (implausible > 0) {
        w.push({
          kind: 'implausible_values',
          column: c.name,
          severity: 'warning',
          message: `'${c.name}': ${implausible} values outside the plausible range of ${r.label} (${r.min}–${r.max} ${r.unit}).`,
        });
      }
    }
  });
  // unit columns with more than one unit
  for (const c of columns) {
    if (c.kind === 'categorical' && /(^|_)units?$/i.test(c.name) && c.distinct > 1) {
      w.push({
        kind: 'mixed_units',
        column: c.name,
        severity: 'warning',
        message: `'${c.name}' holds ${c.distinct} different units (${c.top.map((t) => t.value).join(', ')}): harmonise before modelling.`,
      });
    }
  }
  // highly correlated pairs
  const cthr = opts.correlationThreshold ?? 0.95;
  for (let a = 0; a < corr.names.length; a++) {
    for (let b = a + 1; b < corr.names.length; b++) {
      const r = corr.matrix[a][b];
      if (r !== null && Math.abs(r) >= cthr && corr.names[a] !== target && corr.names[b] !== target) {
        w.push({
          kind: 'high_correlation',
          column: corr.names[a],
          severity: 'info',
          message: `'${corr.names[a]}' and '${corr.names[b]}' are almost collinear (r = ${r.toFixed(3)}).`,
        });
      }
    }
  }
  if (target) w.push(...(await leakageWarnings(db, v, columns, target, sampleFrom)));
  return w;
}

/**
 * A column that nearly determines the target is a leakage suspect (e.g. a discharge code recorded
 * after the outcome). Measured as the share of rows whose target equals the majority target within
 * the column's value (or its decile, for numeric columns), compared with the overall majority share.
 */
async function leakageWarnings(
  db: DuckStore,
  v: DatasetVersion,
  columns: ColumnProfile[],
  target: string,
  /** The table to measure on: the version itself, or (large tables) its seeded row sample. */
  from: string,
): Promise<ProfileWarning[]> {
  const out: ProfileWarning[] = [];
  const tgt = columns.find((c) => c.name === target);
  if (!tgt || tgt.distinct < 2 || tgt.distinct > 20) return out;
  const t = from;
  const ti = ident(target);
  const [{ base }] = await db.all<{ base: number }>(
    `SELECT max(c) / sum(c) AS base FROM (SELECT count(*) AS c FROM ${t} WHERE ${ti} IS NOT NULL GROUP BY ${ti})`,
  );
  for (const c of columns) {
    if (c.name === target || c.role === 'id' || c.distinct < 2) continue;
    if (c.kind === 'categorical' && c.distinct > Math.max(50, 0.05 * v.rows)) continue;
    const ci = ident(c.name);
    const key =
      c.kind === 'numeric' && c.distinct > 20 ? `ntile(20) OVER (ORDER BY ${ci})` : `CAST(${ci} AS VARCHAR)`;
    const [{ purity, covered }] = await db.all<{ purity: number; covered: number }>(
      `WITH k AS (SELECT ${key} AS k, ${ti} AS y FROM ${t} WHERE ${ci} IS NOT NULL AND ${ti} IS NOT NULL),
            g AS (SELECT k, y, count(*) AS c FROM k GROUP BY k, y),
            m AS (SELECT k, max(c) AS mx, sum(c) AS tot FROM g GROUP BY k)
       SELECT sum(mx) / sum(tot) AS purity, sum(tot) AS covered FROM m`,
    );
    const p = Number(purity);
    if (Number(covered) >= 20 && p >= 0.98 && p - Number(base) >= 0.1) {
      out.push({
        kind: 'leakage_suspect',
        column: c.name,
        severity: 'critical',
        message: `'${c.name}' nearly determines the target '${target}' (${(100 * p).toFixed(1)}% of rows predictable from it alone, vs ${(100 * Number(base)).toFixed(1)}% by majority): check it is known before the outcome.`,
      });
    }
  }
  return out;
}
