/**
 * `aegle train SPEC.yaml` and `aegle predict ARTIFACT DATA.csv`: thin over evaluate/ and registry/.
 * Training validates the whole spec against the data before any work, shows a progress bar on
 * stderr, prints the held-out (or cross-validated) metrics and writes a model artifact under
 * `$AEGLE_HOME/artifacts/<id>/`. See docs/TRAINING.md.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { type Frame, createError } from '../../core/index.js';
import { readFrame } from '../../dataset/index.js';
import { ingestFile } from '../../ingest/index.js';
import {
  type TrainResult,
  evaluationRowsOf,
  loadTrainData,
  parseTrainSpec,
  trainFromSpec,
  writeModelReport,
} from '../../jobs/index.js';
import type { FitProgress } from '../../learn/index.js';
import { loadArtifact, predictFrame } from '../../registry/index.js';
import { DuckStore, type DatasetVersion, homePaths } from '../../store/index.js';
import { type CliContext, formatCell, formatTable } from '../context.js';
import { withStore } from '../store.js';

export type { TrainResult } from '../../jobs/index.js';

/** Reads a data file through an in-memory DuckDB with ingest's missing tokens (same parsing as `aegle ingest`). */
export async function readDataFile(
  file: string,
  missingTokens: readonly string[],
): Promise<{ frame: Frame; version: DatasetVersion }> {
  const db = await DuckStore.create({ path: ':memory:' });
  try {
    const { ensureCatalog } = await import('../../store/index.js');
    await ensureCatalog(db);
    const { dataset } = await ingestFile(db, file, { name: 'input', missingTokensDefault: missingTokens });
    return { frame: await readFrame(db, dataset), version: dataset };
  } finally {
    db.close();
  }
}

/** A cli-progress bar on stderr (TTY only): fit iterations with the loss, or fold fits during CV / search. */
function progressBar(enabled: boolean) {
  if (!enabled || !process.stderr.isTTY) return { update: (_p: FitProgress) => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar(
    {
      format: 'training |{bar}| {value}/{total} · {loss}',
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  let total = -1;
  return {
    update(p: FitProgress) {
      const loss =
        p.trainLoss === undefined
          ? (p.message ?? '')
          : `loss ${p.trainLoss.toPrecision(5)}${p.validLoss === undefined ? '' : ` (valid ${p.validLoss.toPrecision(5)})`}`;
      if (!started || p.totalIterations !== total) {
        if (started) bar.stop();
        bar.start(p.totalIterations, p.iteration, { loss });
        started = true;
        total = p.totalIterations;
      } else bar.update(p.iteration, { loss });
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

/**
 * Runs a train spec file end to end (what the CLI command calls): a thin caller of the training stage
 * (`trainFromSpec`) with a progress bar on stderr. `signal` and `onProgress` go through to the fit.
 */
export async function runTrain(
  ctx: CliContext,
  specPath: string,
  opts: { progress: boolean; signal?: AbortSignal; onProgress?: (p: FitProgress) => void },
): Promise<TrainResult> {
  if (!existsSync(specPath))
    throw createError('AEGLE_CORE_INVALID_SPEC', {
      path: 'SPEC',
      expected: 'an existing YAML or JSON file',
      got: `'${specPath}'`,
    });
  const spec = parseTrainSpec(readFileSync(specPath, 'utf8'), path.dirname(path.resolve(specPath)));
  const bar = progressBar(opts.progress);
  try {
    return await trainFromSpec(spec, {
      home: ctx.config.home,
      withDatasets: (fn) => withStore(ctx, fn),
      readDataFile: (file) => readDataFile(file, ctx.config.missingTokens),
      onProgress: (p) => {
        bar.update(p);
        opts.onProgress?.(p);
      },
      signal: opts.signal,
      notice: (line) => ctx.err(line),
    });
  } finally {
    bar.stop();
  }
}

/**
 * `--report`: the model report on the rows the spec held out (all training rows, flagged as such, when
 * it held none out), written to `<artifact>/report/report.html`; returns the HTML path.
 */
async function trainReport(ctx: CliContext, specPath: string, r: TrainResult): Promise<string> {
  const spec = parseTrainSpec(readFileSync(specPath, 'utf8'), path.dirname(path.resolve(specPath)));
  const data = await loadTrainData(spec, {
    home: ctx.config.home,
    withDatasets: (fn) => withStore(ctx, fn),
    readDataFile: (file) => readDataFile(file, ctx.config.missingTokens),
  });
  const artifact = loadArtifact(r.artifact);
  const rows = evaluationRowsOf(artifact, data.frame, data.dataset.name);
  const written = await writeModelReport(artifact, {
    frame: rows.frame,
    out: path.join(r.artifact, 'report', 'report.html'),
    evaluationData: rows.description,
  });
  return written.html;
}

function printTrain(ctx: CliContext, r: TrainResult): void {
  const where =
    r.evaluation === 'holdout'
      ? `held-out set (${r.rows.test} rows)`
      : r.evaluation === 'time'
        ? `latest rows (${r.rows.test})`
        : 'cross-validation (mean ± SD over folds)';
  if (r.search) {
    ctx.out(`Search: ${r.search.candidates.length} candidates, best by ${r.search.refitMetric}`);
    const ms = Object.keys(r.search.candidates[0]?.mean ?? {});
    ctx.out(
      formatTable(
        ['rank', 'params', ...ms],
        [...r.search.candidates]
          .sort((a, b) => a.rank - b.rank)
          .slice(0, 20)
          .map((c) => [
            c.rank,
            JSON.stringify(c.params),
            ...ms.map((m) => `${formatCell(c.mean[m])} ± ${formatCell(c.sd[m])}`),
          ]),
      ),
    );
    ctx.out('');
  }
  if (Object.keys(r.metrics).length) {
    ctx.out(`Metrics on the ${where}:`);
    const rows = Object.entries(r.metrics).map(([k, v]) => (r.metricsSd ? [k, v, r.metricsSd[k]] : [k, v]));
    ctx.out(formatTable(r.metricsSd ? ['metric', 'mean', 'sd'] : ['metric', 'value'], rows));
  } else ctx.out('No evaluation (split: none): the model was trained on all rows.');
  ctx.out('');
  ctx.out(
    `Model ${r.id} (${r.task}${r.classes ? `: ${r.classes.join(', ')}` : ''}; trained on ${r.rows.train} rows)`,
  );
  ctx.out(`Artifact: ${r.artifact}`);
}

/** Resolves an artifact argument: a directory, or an id under $AEGLE_HOME/artifacts. */
function artifactDir(ctx: CliContext, ref: string): string {
  if (existsSync(path.join(ref, 'manifest.json'))) return ref;
  const underHome = path.join(homePaths(ctx.config.home).artifacts, ref);
  if (existsSync(path.join(underHome, 'manifest.json'))) return underHome;
  throw createError('AEGLE_REGISTRY_NOT_FOUND', {
    path: ref,
    reason: `neither a directory with manifest.json nor an id under ${homePaths(ctx.config.home).artifacts}`,
  });
}

function csvCell(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function registerTrainCommands(program: Command, getCtx: () => CliContext): void {
  program
    .command('train')
    .description(
      'Train a model from a spec (dataset, target, preprocessing, split, model or search); writes an artifact',
    )
    .argument('<spec>', 'YAML or JSON train spec (see docs/TRAINING.md)')
    .option('--json', 'print {"model","artifact","metrics"} as JSON')
    .option('--no-progress', 'no progress bar')
    .option('--report', 'also write the TRIPOD+AI model report on the held-out rows (binary models)')
    .action(async (specPath: string, o: { json?: boolean; progress?: boolean; report?: boolean }) => {
      const ctx = getCtx();
      const r = await runTrain(ctx, specPath, { progress: o.progress !== false });
      const report = o.report ? await trainReport(ctx, specPath, r) : null;
      if (o.json) {
        ctx.json({
          model: r.id,
          artifact: r.artifact,
          metrics: r.metrics,
          ...(report ? { report } : {}),
          ...(r.metricsSd ? { metricsSd: r.metricsSd } : {}),
          evaluation: r.evaluation,
          task: r.task,
          classes: r.classes,
          rows: r.rows,
          ...(r.search
            ? {
                search: {
                  bestParams: r.search.bestParams,
                  refitMetric: r.search.refitMetric,
                  candidates: r.search.candidates.map((c) => ({
                    params: c.params,
                    rank: c.rank,
                    mean: c.mean,
                    sd: c.sd,
                  })),
                },
              }
            : {}),
        });
      } else {
        printTrain(ctx, r);
        if (report) ctx.out(`Report: ${report}`);
      }
    });

  program
    .command('predict')
    .description('Score a data file with a model artifact (the exact fitted preprocessing, then the model)')
    .argument('<artifact>', 'artifact directory or model id (under $AEGLE_HOME/artifacts)')
    .argument('<data>', 'CSV/TSV/Parquet/JSON file to score')
    .option('--out <file>', 'write predictions as CSV here (default: stdout)')
    .option('--json', 'print {"model","rows","out"} as JSON (needs --out)')
    .action(async (ref: string, file: string, o: { out?: string; json?: boolean }) => {
      const ctx = getCtx();
      if (o.json && !o.out)
        throw createError('AEGLE_CORE_INVALID_SPEC', {
          path: '--json',
          expected: 'used together with --out FILE',
          got: 'no --out',
        });
      const dir = artifactDir(ctx, ref);
      const artifact = loadArtifact(dir);
      if (!existsSync(file)) throw createError('AEGLE_INGEST_FILE_NOT_FOUND', { file });
      const { frame } = await readDataFile(file, ctx.config.missingTokens);
      const p = predictFrame(artifact, frame);
      const classes = p.classes;
      const header = ['prediction'];
      if (classes && classes.length === 2) header.push('probability');
      else if (classes) for (const c of classes) header.push(`probability_${c}`);
      const lines = [header.map(csvCell).join(',')];
      const K = classes?.length ?? 0;
      for (let i = 0; i < frame.nRows; i++) {
        const cells = [classes ? csvCell(classes[p.predictions[i]]) : String(p.predictions[i])];
        if (K === 2) cells.push(String(p.proba![2 * i + 1]));
        else for (let k = 0; k < K; k++) cells.push(String(p.proba![i * K + k]));
        lines.push(cells.join(','));
      }
      const text = `${lines.join('\n')}\n`;
      if (o.out) {
        writeFileSync(o.out, text);
        if (o.json)
          ctx.json({
            model: artifact.manifest.id,
            rows: frame.nRows,
            out: o.out,
            task: artifact.manifest.task,
            classes,
          });
        else ctx.out(`Wrote ${frame.nRows} predictions to ${o.out}`);
      } else process.stdout.write(text);
    });
}
