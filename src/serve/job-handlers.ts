/**
 * The standard job types, wired from the stage APIs: `train` (a train spec, as `aegle train` takes,
 * optionally registering the result; fit progress — iteration, train/valid loss — streams to the job's
 * SSE and a cancel aborts the fit), `evaluate` (score a registered model on a dataset and compute
 * metrics), `batch-predict` (score a dataset into a new dataset of predictions) and `report` (the
 * TRIPOD+AI report of a registered version, served at GET /api/v1/models/{name}/versions/{v}/report).
 */
import { type Column, type Frame, createError, numericColumn, categoricalColumn } from '../core/index.js';
import { readFrame, saveFrameAsVersion } from '../dataset/index.js';
import { computeMetrics, DEFAULT_METRICS } from '../evaluate/index.js';
import {
  type JobContext,
  type JobHandler,
  evaluationRowsOf,
  parseTrainSpec,
  reportFiles,
  trainFromSpec,
  writeModelReport,
} from '../jobs/index.js';
import type { FitProgress } from '../learn/index.js';
import { predictFrame } from '../registry/index.js';
import type { ModelCardInput } from '../report/index.js';
import { getVersion, parseDatasetRef } from '../store/index.js';
import type { Service } from './service.js';

function aborted(ctx: JobContext): void {
  if (ctx.signal.aborted) throw createError('AEGLE_CORE_ABORTED', { what: `Job ${ctx.id}` });
}

function str(params: Record<string, unknown>, key: string, required = true): string | undefined {
  const v = params[key];
  if (v === undefined || v === null || v === '') {
    if (required)
      throw createError('AEGLE_CORE_INVALID_PARAM', {
        param: key,
        owner: 'the job',
        expected: 'a non-empty string',
        got: 'nothing',
      });
    return undefined;
  }
  if (typeof v !== 'string' && typeof v !== 'number')
    throw createError('AEGLE_CORE_INVALID_PARAM', {
      param: key,
      owner: 'the job',
      expected: 'a string',
      got: typeof v,
    });
  return String(v);
}

export function jobHandlers(service: Service): Record<string, JobHandler> {
  const train: JobHandler = async (ctx) => {
    const raw = ctx.params.spec;
    if (raw === undefined || raw === null)
      throw createError('AEGLE_CORE_INVALID_PARAM', {
        param: 'spec',
        owner: 'the train job',
        expected: 'a train spec (YAML text or an object)',
        got: 'nothing',
      });
    const text = typeof raw === 'string' ? raw : JSON.stringify(raw);
    // relative paths resolve nowhere useful on the server; file datasets are refused below anyway
    const spec = parseTrainSpec(text, service.config.home);
    if (spec.datasetFile) {
      // the API trains on registered datasets only: a path would read the server's files
      throw createError('AEGLE_CORE_INVALID_PARAM', {
        param: 'spec.dataset',
        owner: 'the train job',
        expected: 'the name of an ingested dataset (name or name@version)',
        got: 'a file path',
      });
    }
    ctx.progress({ fraction: 0, message: 'training' });
    // fit progress: every iteration goes to SSE subscribers, throttled to ~10 updates a second
    let last = 0;
    const onProgress = (p: FitProgress) => {
      const now = performance.now();
      if (p.iteration < p.totalIterations && now - last < 100) return;
      last = now;
      ctx.progress({
        fraction: p.totalIterations ? 0.9 * (p.iteration / p.totalIterations) : undefined,
        message: p.message ?? 'training',
        iteration: p.iteration,
        totalIterations: p.totalIterations,
        ...(p.trainLoss === undefined ? {} : { trainLoss: p.trainLoss, loss: p.trainLoss }),
        ...(p.validLoss === undefined ? {} : { validLoss: p.validLoss }),
      });
    };
    const result = await trainFromSpec(spec, {
      home: service.config.home,
      // the dataset store is held while the rows are read, not during the fit
      withDatasets: (fn) => service.withDatasets(fn),
      onProgress,
      signal: ctx.signal,
      notice: (line) => ctx.log(line),
    });
    aborted(ctx);
    ctx.log(`artifact ${result.artifact}`);
    const reg = ctx.params.register as
      | { name?: string; alias?: string; owner?: string; intendedUse?: string }
      | undefined;
    let registered: { name: string; version: number } | null = null;
    if (reg?.name) {
      ctx.progress({ fraction: 0.95, message: 'registering' });
      const v = await service.registry.register({
        artifactDir: result.artifact,
        name: reg.name,
        alias: reg.alias ?? null,
        owner: reg.owner ?? null,
        intendedUse: reg.intendedUse ?? null,
        createdBy: ctx.createdBy,
        jobId: ctx.id,
      });
      registered = { name: v.name, version: v.version };
      service.audit.append({
        actor: ctx.createdBy ?? 'system',
        role: 'job',
        action: 'model.register',
        resource: `model:${v.name}`,
        modelVersion: String(v.version),
        outputSummary: `job ${ctx.id}`,
      });
    }
    ctx.progress({ fraction: 1, message: 'done' });
    service.audit.append({
      actor: ctx.createdBy ?? 'system',
      role: 'job',
      action: 'train',
      resource: `artifact:${result.id}`,
      outputSummary: JSON.stringify(result.metrics).slice(0, 200),
    });
    return {
      artifact: result.artifact,
      artifactId: result.id,
      metrics: result.metrics,
      evaluation: result.evaluation,
      rows: result.rows,
      registered,
    };
  };

  async function scoreDataset(ctx: JobContext) {
    const name = str(ctx.params, 'model')!;
    const ref = str(ctx.params, 'version', false) ?? str(ctx.params, 'alias', false) ?? null;
    const dsRef = parseDatasetRef(str(ctx.params, 'dataset')!);
    const model = await service.model(name, ref);
    ctx.progress({ fraction: 0.1, message: 'reading the dataset' });
    const { frame, version } = await service.withDatasets(async (db) => {
      const v = await getVersion(db, dsRef.name, dsRef.version);
      return { frame: await readFrame(db, v), version: v };
    });
    aborted(ctx);
    ctx.progress({ fraction: 0.5, message: 'scoring' });
    const out = predictFrame(model.artifact, frame);
    service.audit.append({
      actor: ctx.createdBy ?? 'system',
      role: 'job',
      action: `job.${ctx.type}`,
      resource: `dataset:${version.name}@${version.version}`,
      modelVersion: `${name}@${model.ref.version}`,
      outputSummary: `n=${frame.nRows}`,
    });
    return { model, frame, version, out };
  }

  const evaluate: JobHandler = async (ctx) => {
    const { model, frame, version, out } = await scoreDataset(ctx);
    const m = model.artifact.manifest;
    const target = frame.columns.find((c) => c.name === m.target);
    if (!target)
      throw createError('AEGLE_CORE_COLUMN_NOT_FOUND', {
        column: m.target,
        where: ` in dataset '${version.name}' (the model's target)`,
        available: frame.columns.map((c) => c.name).join(', '),
      });
    const keep: number[] = [];
    const y: number[] = [];
    const classes = m.classes;
    for (let i = 0; i < frame.nRows; i++) {
      const v = cellText(target, i);
      if (v === null) continue;
      if (classes) {
        const k = classes.indexOf(v);
        if (k < 0) continue;
        y.push(k);
      } else y.push(Number(v));
      keep.push(i);
    }
    const task = m.task;
    let output: Float64Array;
    if (task === 'regression') output = Float64Array.from(keep, (i) => out.predictions[i]);
    else {
      const K = classes!.length;
      output = new Float64Array(keep.length * K);
      keep.forEach((i, r) => {
        for (let k = 0; k < K; k++) output[r * K + k] = out.proba![i * K + k];
      });
    }
    const metrics = computeMetrics(task, Float64Array.from(y), output, DEFAULT_METRICS[task], {
      threshold: m.threshold ?? 0.5,
      K: classes?.length,
    });
    ctx.progress({ fraction: 1, message: 'done' });
    return {
      model: { name: model.ref.name, version: model.ref.version },
      dataset: `${version.name}@${version.version}`,
      rows: keep.length,
      metrics,
    };
  };

  const batchPredict: JobHandler = async (ctx) => {
    const { model, frame, version, out } = await scoreDataset(ctx);
    const outName =
      str(ctx.params, 'out', false) ?? `${version.name}_scored_${model.ref.name}_v${model.ref.version}`;
    const cols: Column[] = [];
    const idCol = Object.entries(version.roles).find(([, r]) => r === 'id')?.[0];
    if (idCol) {
      const c = frame.columns.find((x) => x.name === idCol);
      if (c) cols.push(c);
    }
    const classes = out.classes;
    if (out.proba && classes) {
      const K = classes.length;
      cols.push(
        numericColumn(
          'probability',
          Float64Array.from({ length: frame.nRows }, (_, i) =>
            K === 2 ? out.proba![2 * i + 1] : out.proba![i * K + out.predictions[i]],
          ),
        ),
      );
      cols.push(
        categoricalColumn(
          'label',
          Array.from(out.predictions, (p) => classes[p]),
        ),
      );
    } else cols.push(numericColumn('prediction', out.predictions));
    const result: Frame = { nRows: frame.nRows, columns: cols, roles: idCol ? { [idCol]: 'id' } : {} };
    const saved = await service.withDatasets((db) =>
      saveFrameAsVersion(db, result, {
        name: outName,
        hashInput: `${version.contentHash}|${model.ref.name}@${model.ref.version}|${ctx.id}`,
        source: `predict:${model.ref.name}@${model.ref.version}`,
        parent: version,
        meta: { job: ctx.id },
      }),
    );
    ctx.progress({ fraction: 1, message: 'done' });
    return {
      model: { name: model.ref.name, version: model.ref.version },
      rows: frame.nRows,
      dataset: `${saved.dataset.name}@${saved.dataset.version}`,
    };
  };

  const report: JobHandler = async (ctx) => {
    const name = str(ctx.params, 'model')!;
    const ref = str(ctx.params, 'version', false) ?? str(ctx.params, 'alias', false) ?? null;
    const model = await service.model(name, ref);
    const artifact = model.artifact;
    const lineageDs = artifact.manifest.lineage.dataset;
    const named = str(ctx.params, 'dataset', false);
    const dsText = named ?? (lineageDs?.version ? `${lineageDs.name}@${lineageDs.version}` : undefined);
    if (!dsText)
      throw createError('AEGLE_CORE_INVALID_PARAM', {
        param: 'dataset',
        owner: 'the report job',
        expected: "an ingested dataset with the model's features and target (name or name@version)",
        got: "nothing, and the model's lineage names no ingested dataset",
      });
    ctx.progress({ fraction: 0.05, message: 'reading the dataset' });
    const dsRef = parseDatasetRef(dsText);
    const { frame, version } = await service.withDatasets(async (db) => {
      const v = await getVersion(db, dsRef.name, dsRef.version);
      return { frame: await readFrame(db, v), version: v };
    });
    aborted(ctx);
    const label = `${version.name}@${version.version}`;
    // no dataset named: the rows the training spec held out (else all its rows, flagged as optimistic)
    const rows = named
      ? { frame, description: `${label}, all rows` }
      : evaluationRowsOf(artifact, frame, label);
    const groupsParam = ctx.params.groups ?? ctx.params.group;
    const groups = Array.isArray(groupsParam)
      ? groupsParam.map(String)
      : typeof groupsParam === 'string'
        ? groupsParam.split(',').filter(Boolean)
        : [];
    const replicates = ctx.params.replicates === undefined ? 1000 : Number(ctx.params.replicates);
    if (!Number.isInteger(replicates) || replicates < 0 || replicates > 10_000)
      throw createError('AEGLE_CORE_INVALID_PARAM', {
        param: 'replicates',
        owner: 'the report job',
        expected: 'an integer in [0, 10000]',
        got: String(ctx.params.replicates),
      });
    const info = await service.registry.getModel(name);
    const card: ModelCardInput = {
      name,
      version: String(model.ref.version),
      ...(info.owner ? { owner: info.owner } : {}),
      ...(info.intendedUse ? { intendedUse: info.intendedUse } : {}),
      ...((ctx.params.card ?? {}) as ModelCardInput),
    };
    ctx.progress({ fraction: 0.2, message: `computing the report on ${rows.frame.nRows} rows` });
    const files = reportFiles(service.config.home, name, model.ref.version);
    const written = await writeModelReport(artifact, {
      frame: rows.frame,
      out: files.html,
      evaluationData: rows.description,
      card,
      groups,
      replicates,
    });
    aborted(ctx);
    service.audit.append({
      actor: ctx.createdBy ?? 'system',
      role: 'job',
      action: 'job.report',
      resource: `dataset:${label}`,
      modelVersion: `${name}@${model.ref.version}`,
      outputSummary: `n=${written.n} auroc=${written.auroc.toFixed(3)}`,
    });
    ctx.progress({ fraction: 1, message: 'done' });
    const base = `/api/v1/models/${encodeURIComponent(name)}/versions/${model.ref.version}/report`;
    return {
      model: { name, version: model.ref.version },
      evaluationData: rows.description,
      rows: written.n,
      events: written.events,
      auroc: written.auroc,
      files: { html: written.html, markdown: written.markdown, card: written.card },
      urls: { html: `${base}?format=html`, markdown: `${base}?format=md`, card: `${base}?format=card` },
    };
  };

  return { train, evaluate, 'batch-predict': batchPredict, report };
}

function cellText(c: Column, i: number): string | null {
  if (c.kind === 'categorical') return c.codes[i] < 0 ? null : c.dictionary[c.codes[i]];
  const v = c.values[i];
  return Number.isNaN(v) ? null : String(v);
}
