/** `aegle report ARTIFACT --data TEST [--out report.html]`: the TRIPOD+AI model report. */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import YAML from 'yaml';
import { getColumn } from '../../core/index.js';
import { loadArtifact } from '../../registry/index.js';
import { type ModelCardInput, buildReportData, writeReport } from '../../report/index.js';
import type { CliContext } from '../context.js';
import { readDataFile } from './train.js';
import { modelMatrix } from '../../registry/index.js';

export function registerReport(program: Command, getCtx: () => CliContext): void {
  program
    .command('report')
    .description(
      'Model report (HTML + Markdown + model-card JSON): discrimination, calibration, decision curve, subgroups, explanations',
    )
    .argument('<artifact>', 'model artifact directory')
    .requiredOption('--data <file>', 'evaluation data (CSV/Parquet) with the target column')
    .option('--out <file>', 'HTML file to write', 'report.html')
    .option('--card <file>', 'model card metadata (YAML or JSON): intendedUse, intendedUsers, limitations, …')
    .option('--group <columns>', 'comma-separated subgroup columns')
    .option('--replicates <n>', 'bootstrap replicates', '1000')
    .option('--png', 'also write the charts as PNG')
    .action(
      async (
        dir: string,
        o: { data: string; out: string; card?: string; group?: string; replicates: string; png?: boolean },
      ) => {
        const ctx = getCtx();
        const artifact = loadArtifact(dir);
        const m = artifact.manifest;
        const { frame } = await readDataFile(o.data, ctx.config.missingTokens);
        const target = getColumn(frame, m.target);
        const raw =
          target.kind === 'categorical'
            ? Array.from(target.codes, (c) => (c < 0 ? null : target.dictionary[c]))
            : Array.from(target.values, (v) => (Number.isNaN(v) ? null : String(v)));
        const keep = raw.map((v, i) => (v === null ? -1 : i)).filter((i) => i >= 0);
        const X0 = modelMatrix(artifact, frame);
        const take = (a: Float64Array, n: number) => {
          const out = new Float64Array(keep.length * X0.nCols);
          for (let j = 0; j < X0.nCols; j++)
            for (let k = 0; k < keep.length; k++) out[j * keep.length + k] = a[j * n + keep[k]];
          return out;
        };
        const X = { ...X0, data: take(X0.data, X0.nRows), nRows: keep.length };
        const y = Float64Array.from(keep, (i) =>
          raw[i] === m.positiveClass || raw[i] === `${m.positiveClass}.0` ? 1 : 0,
        );
        const card = o.card ? (YAML.parse(readFileSync(o.card, 'utf8')) as ModelCardInput) : {};
        const groups: Record<string, (string | null)[]> = {};
        for (const g of o.group?.split(',') ?? []) {
          const c = getColumn(frame, g);
          groups[g] = keep.map((i) =>
            c.kind === 'categorical'
              ? c.codes[i] < 0
                ? null
                : c.dictionary[c.codes[i]]
              : Number.isNaN(c.values[i])
                ? null
                : String(c.values[i]),
          );
        }
        const data = buildReportData({
          model: artifact.model,
          X,
          y,
          groups,
          card,
          target: m.target,
          threshold: m.threshold ?? 0.5,
          bootstrapReplicates: Number(o.replicates),
          specification: { kind: m.kind, params: m.estimator.params, metrics: m.metrics },
          lineage: m.lineage as unknown as Record<string, unknown>,
          predictors: m.inputSchema.features.map((f) => ({
            name: f.name,
            type: f.type,
            unit: f.unit,
            range: f.range,
          })),
          cohortFlow: {
            rowsIn: frame.nRows,
            excluded: [],
            analysed: keep.length,
            missingOutcome: frame.nRows - keep.length,
          },
          evaluationData: o.data,
        });
        const w = await writeReport(data, o.out, { png: o.png });
        ctx.out(`Report: ${w.html} (Markdown ${w.markdown}, model card ${w.card})`);
      },
    );
}
