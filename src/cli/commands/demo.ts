/**
 * `aegle demo` (what `npm start` runs): the whole journey on the embedded default — synthesise a
 * cohort, ingest, profile and clean it, train the diabetes model (GBDT) on the cleaned cohort, register
 * it as `champion` with its report, print an admin API key once, and serve the API and the dashboard
 * on http://127.0.0.1:8080 (`AEGLE_PORT`) until Ctrl-C. `--no-serve` stops before serving. A second run
 * on the same home reuses everything that has not changed (same data and spec ⇒ no retraining).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { profileDataset, readFrame } from '../../dataset/index.js';
import { ingestFile } from '../../ingest/index.js';
import {
  evaluationRowsOf,
  parseTrainSpec,
  reportFiles,
  trainFromSpec,
  writeModelReport,
} from '../../jobs/index.js';
import { AuditLog } from '../../monitor/index.js';
import { loadArtifact, ModelRegistry } from '../../registry/index.js';
import { createApiKey, listApiKeys, startServer } from '../../serve/index.js';
import { getVersion, homePaths, MetaStore } from '../../store/index.js';
import { generateCohort, writeCohort } from '../../synth/index.js';
import { formatCleaningReport } from '../../transform/index.js';
import { type CliContext, formatTable } from '../context.js';
import { withStore } from '../store.js';
import { cleanDataset } from './clean.js';

/** The demo model's registry name. */
export const DEMO_MODEL = 'diabetes';

/**
 * The train spec of the demo model (docs/TRAINING.md); `{dataset}` is the cleaned cohort's version.
 * Its `name` tags the spec: change it whenever the spec changes, so a later demo run retrains.
 */
export const DEMO_TRAIN_SPEC = `name: aegle-demo-diabetes-gbdt-1
dataset: '{dataset}'
target: diabetes_5y
features: [age, sex, bmi, sbp, dbp, heart_rate, hba1c, glucose, total_chol, hdl, ldl, triglycerides, egfr, smoking, family_history_diabetes, physical_activity]
preprocess:
  steps:
    - impute: { strategy: median }
    - onehot: { handleUnknown: ignore }
split: { type: holdout, testSize: 0.25, stratify: true, seed: 0 }
model:
  type: gbdt
  params: { nEstimators: 150, learningRate: 0.05, numLeaves: 15, minChildSamples: 20, seed: 0 }
metrics: [auroc, auprc, brier, sensitivity, specificity]
`;

/** The cleaning spec the demo applies (the same format as `aegle clean --spec`). */
export const DEMO_CLEANING_SPEC = `# Demo cleaning spec (docs/CLEANING.md)
steps:
  - dedupe: { keys: [mrn], keep: most_complete }
  - units: { column: glucose, unitColumn: glucose_unit, to: mg/dL }
  - outliers: { method: clinical, action: set_missing }
  - impute: { strategy: median, indicators: true }
`;

export function registerDemo(program: Command, getCtx: () => CliContext): void {
  program
    .command('demo')
    .description(
      'Run the demo on the embedded default: synthesise a cohort, ingest, profile and clean it, train and register the diabetes model, then serve the API and dashboard',
    )
    .option('--patients <n>', 'cohort size', '5000')
    .option('--seed <s>', 'random seed', '7')
    .option('--no-serve', 'do everything but serving, then exit')
    .option('--json', 'print a JSON summary')
    .action(async (o) => {
      const ctx = getCtx();
      const log = o.json ? (_: string) => {} : (s: string) => ctx.out(s);
      const patients = Number(o.patients);
      const seed = Number(o.seed);
      const dir = path.join(ctx.config.home, 'demo', `cohort-${patients}-${seed}`);
      log(`Aegle demo — data directory ${ctx.config.home}\n`);

      const t0 = performance.now();
      if (!existsSync(path.join(dir, 'patients.csv'))) {
        const cohort = generateCohort({ patients, seed });
        await writeCohort(cohort, dir, { format: 'csv' });
        log(
          `1. Synthesised ${patients} patients (seed ${seed}): prevalence of 5-year diabetes ${(100 * cohort.truth.prevalence).toFixed(1)}%, best achievable AUROC ${cohort.truth.bestAuroc.toFixed(3)}.`,
        );
      } else log(`1. Synthetic cohort already in ${dir}.`);

      const summary = await withStore(ctx, async (db) => {
        const ing = await ingestFile(db, path.join(dir, 'patients.csv'), {
          name: 'cohort',
          missingTokensDefault: ctx.config.missingTokens,
          roles: { patient_id: 'id', mrn: 'id', diabetes_5y: 'target' },
        });
        const v = ing.dataset;
        log(
          `2. Ingested patients.csv as ${v.name}@${v.version}: ${v.rows} rows × ${v.columns.length} columns${ing.unchanged ? ' (unchanged since the last run)' : ''}.`,
        );

        const profile = await profileDataset(db, v);
        log(`3. Profiled it: ${profile.duplicateRows} duplicate rows, ${profile.warnings.length} warnings:`);
        for (const w of profile.warnings) log(`     [${w.severity}] ${w.message}`);

        const cleaned = await cleanDataset(db, 'cohort', DEMO_CLEANING_SPEC, 'cohort_clean');
        log(`4. Cleaned it into ${cleaned.dataset}@${cleaned.version}:\n`);
        if (!o.json) log(indent(formatCleaningReport(cleaned.report, 5)));
        const after = await profileDataset(db, await getVersion(db, 'cohort_clean', cleaned.version));
        log('');
        log(
          formatTable(
            ['', 'rows', 'duplicate rows', 'missing cells', 'warnings'],
            [
              [
                'before',
                profile.rows,
                profile.duplicateRows,
                sum(profile.columns.map((c) => c.missing)),
                profile.warnings.length,
              ],
              [
                'after',
                after.rows,
                after.duplicateRows,
                sum(after.columns.map((c) => c.missing)),
                after.warnings.length,
              ],
            ],
          ),
        );
        return {
          cleanHash: (await getVersion(db, 'cohort_clean', cleaned.version)).contentHash,
          raw: `${v.name}@${v.version}`,
          clean: `${cleaned.dataset}@${cleaned.version}`,
          before: profile.rows,
          after: after.rows,
          warningsBefore: profile.warnings.length,
          warningsAfter: after.warnings.length,
        };
      });
      const { cleanHash, ...data } = summary;
      const model = await trainAndRegister(ctx, data.clean, cleanHash, log);
      const key = await adminKey(ctx, log);
      const seconds = (performance.now() - t0) / 1000;
      const port = ctx.config.port;
      const base = `http://${ctx.config.host}:${port}`;
      if (o.json) ctx.json({ ...data, model, apiKey: key, url: o.serve === false ? null : base, seconds });
      else {
        log(`\nDone in ${seconds.toFixed(1)} s. Try next:`);
        log('  npx aegle profile cohort_clean');
        log(
          '  npx aegle sql "SELECT smoking, avg(hba1c) AS hba1c, avg(diabetes_5y) AS risk FROM cohort_clean GROUP BY 1"',
        );
        log(
          `  curl -s -H "Authorization: Bearer $KEY" -H 'content-type: application/json' ${base}/api/v1/models/${DEMO_MODEL}/predict -d '{"rows": [{"age": 61, "sex": "F", "bmi": 31.2, "sbp": 138, "dbp": 85, "heart_rate": 72, "hba1c": 6.1, "glucose": 112, "total_chol": 210, "hdl": 45, "ldl": 130, "triglycerides": 180, "egfr": 85, "smoking": "never", "family_history_diabetes": 1, "physical_activity": "low"}]}'`,
        );
        log('  npx aegle --help');
      }
      if (o.serve === false) return;
      const server = await startServer(ctx.config, { handleSignals: true, logger: ctx.logger });
      ctx.err(
        `\nAegle serving on ${server.url}: dashboard at ${server.url}/, API docs at ${server.url}/docs. Ctrl-C stops it gracefully.`,
      );
      await new Promise(() => {});
    });
}

interface DemoModel {
  readonly name: string;
  readonly version: number;
  readonly alias: 'champion';
  /** True when the registered champion already came from this data and spec (nothing retrained). */
  readonly reused: boolean;
  readonly metrics: Record<string, unknown>;
  readonly report: string;
}

/**
 * Trains the demo model on `clean` (name@version) unless the champion already came from the same
 * data (content hash) and spec, registers it as `champion`, and writes its report if missing.
 */
async function trainAndRegister(
  ctx: CliContext,
  clean: string,
  cleanHash: string,
  log: (s: string) => void,
): Promise<DemoModel> {
  const specText = DEMO_TRAIN_SPEC.replace('{dataset}', clean);
  const spec = parseTrainSpec(specText, ctx.config.home);
  const meta = await MetaStore.create({ home: ctx.config.home, databaseUrl: ctx.config.databaseUrl });
  const audit = new AuditLog(meta);
  try {
    const registry = new ModelRegistry(meta, { artifactsDir: homePaths(ctx.config.home).artifacts });
    let current: { version: number; lineage: Record<string, unknown> } | null = null;
    try {
      const r = await registry.resolve(DEMO_MODEL, 'champion');
      const v = await registry.getVersion(DEMO_MODEL, r.version);
      current = { version: v.version, lineage: v.lineage as Record<string, unknown> };
    } catch {
      current = null; // no demo model yet
    }
    const lineage = current?.lineage as
      | { dataset?: { contentHash?: string }; spec?: { name?: string } }
      | undefined;
    let version: number;
    let reused = false;
    if (current && lineage?.dataset?.contentHash === cleanHash && lineage.spec?.name === spec.name) {
      version = current.version;
      reused = true;
      log(`5. The ${DEMO_MODEL} model (version ${version}, champion) is up to date with ${clean}: reused.`);
    } else {
      log(`5. Training the ${DEMO_MODEL} model (GBDT) on ${clean}…`);
      const result = await trainFromSpec(spec, {
        home: ctx.config.home,
        withDatasets: (fn) => withStore(ctx, fn),
        notice: (line) => log(`   ${line}`),
      });
      const v = await registry.register({
        artifactDir: result.artifact,
        name: DEMO_MODEL,
        alias: 'champion',
        owner: 'Aegle demo',
        intendedUse:
          'Demonstration only: 5-year type 2 diabetes risk on a synthetic cohort. Not for clinical use.',
        description: 'GBDT trained by `aegle demo` on the cleaned synthetic cohort',
        createdBy: 'demo',
      });
      await audit.appendNow({
        actor: 'demo',
        role: 'admin',
        action: 'model.register',
        resource: `model:${v.name}`,
        modelVersion: String(v.version),
        outputSummary: 'alias=champion',
      });
      version = v.version;
      const shown = Object.entries(result.metrics)
        .map(([k, x]) => `${k} ${x.toFixed(3)}`)
        .join(', ');
      log(`   Held-out (${result.rows.test} rows): ${shown}.`);
      log(`   Registered as ${DEMO_MODEL} version ${version} (champion).`);
    }
    const info = await registry.getVersion(DEMO_MODEL, version);
    const files = reportFiles(ctx.config.home, DEMO_MODEL, version);
    if (existsSync(files.html)) log(`6. Report: ${files.html} (already there).`);
    else {
      const artifact = loadArtifact(info.artifactPath);
      const frame = await withStore(ctx, async (db) => {
        const [name, ver] = clean.split('@');
        return readFrame(db, await getVersion(db, name, ver));
      });
      const rows = evaluationRowsOf(artifact, frame, clean);
      const w = await writeModelReport(artifact, {
        frame: rows.frame,
        out: files.html,
        evaluationData: rows.description,
        card: {
          name: DEMO_MODEL,
          version: String(version),
          owner: 'Aegle demo',
          intendedUse:
            'Demonstration only: 5-year type 2 diabetes risk on a synthetic cohort. Not for clinical use.',
          population: 'Synthetic adult primary-care cohort (aegle synth)',
          outcome: 'Type 2 diabetes diagnosis within 5 years',
        },
        groups: ['sex', 'race_ethnicity'],
        replicates: 200,
      });
      log(`6. Report on ${rows.description}: ${w.html} (AUROC ${w.auroc.toFixed(3)}).`);
    }
    return {
      name: DEMO_MODEL,
      version,
      alias: 'champion',
      reused,
      metrics: info.metrics as Record<string, unknown>,
      report: files.html,
    };
  } finally {
    await audit.close().catch(() => {});
    await meta.close();
  }
}

/** Creates an admin key when the home has none (printed once); otherwise says how to make one. */
async function adminKey(ctx: CliContext, log: (s: string) => void): Promise<string | null> {
  const meta = await MetaStore.create({ home: ctx.config.home, databaseUrl: ctx.config.databaseUrl });
  const audit = new AuditLog(meta);
  try {
    const existing = (await listApiKeys(meta)).filter((k) => k.role === 'admin' && !k.revokedAt);
    if (existing.length) {
      log(
        `7. This home already has an admin API key (id ${existing[0].id}); keys are shown only once. Make another with: npx aegle keys create --role admin`,
      );
      return null;
    }
    const { key, info } = await createApiKey(meta, { role: 'admin', label: 'demo', createdBy: 'demo' });
    await audit.appendNow({
      actor: 'demo',
      role: 'admin',
      action: 'key.create',
      resource: `key:${info.id}`,
      outputSummary: 'role=admin',
    });
    log(`7. Admin API key (id ${info.id}) — shown once, store it now:`);
    log(`   ${key}`);
    return key;
  } finally {
    await audit.close().catch(() => {});
    await meta.close();
  }
}

function indent(s: string): string {
  return s
    .split('\n')
    .map((l) => `   ${l}`)
    .join('\n');
}

function sum(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}
