/**
 * Everything a running service holds, opened once and closed once: the metadata database, the audit
 * chain and prediction log writers, metrics, key verification, the model registry, loaded models,
 * jobs, and access to the dataset store. The HTTP layer (`app.ts`) and the CLI both build on it.
 */
import { LocalReplayGuard, type ReplayGuard, RedisReplayGuard } from './replay-guard.js';
import { warmPredictionExtras } from './prediction-extras.js';
import { LocalRateLimiter, type RateLimiter, RedisRateLimiter } from './rate-limit.js';
import path from 'node:path';
import type { Config } from '../config/index.js';
import { createError, isAegleError, type Logger, silentLogger } from '../core/index.js';
import { type JobHandler, type JobRecord, JobService } from '../jobs/index.js';
import {
  AuditLog,
  LogWriter,
  PredictionLog,
  type PruneResult,
  prunePredictionLog,
  retentionCutoff,
  ServiceMetrics,
} from '../monitor/index.js';
import { artifactKind, ModelRegistry } from '../registry/index.js';
import {
  loadServedModel,
  ModelCache,
  NativeModel,
  OnnxServedModel,
  type ServedModel,
} from '../runtime/index.js';
import { OnnxServingMetrics } from './onnx-metrics.js';
import { type DuckStore, homePaths, MetaStore, openDatasetStore } from '../store/index.js';
import { KeyVerifier } from './keys.js';

export interface ServiceOptions {
  readonly config: Config;
  readonly logger?: Logger;
  /** PostgreSQL schema (tests). */
  readonly schema?: string;
  /** Job handlers; default: the standard set (`jobHandlers`). */
  readonly handlers?: Record<string, JobHandler>;
  readonly jobQueueName?: string;
  readonly heartbeatMs?: number;
  readonly defaultMetrics?: boolean;
}

export class Service {
  private datasetLock: Promise<unknown> = Promise.resolve();
  private retentionTimer: NodeJS.Timeout | null = null;
  private pruning: Promise<unknown> | null = null;

  private constructor(
    readonly config: Config,
    readonly logger: Logger,
    readonly meta: MetaStore,
    readonly audit: AuditLog,
    readonly predictionLog: PredictionLog,
    /** The transactions of both logs. */
    private readonly logs: LogWriter,
    readonly metrics: ServiceMetrics,
    readonly keys: KeyVerifier,
    readonly registry: ModelRegistry,
    readonly models: ModelCache<ServedModel>,
    public jobs: JobService,
  ) {
    this.onnxMetrics = new OnnxServingMetrics(metrics.registry, () => this.models.values());
  }

  /** Queue depth and batch-size metrics of the ONNX models' dynamic batchers. */
  readonly onnxMetrics: OnnxServingMetrics;

  /** Per-key request limits: in this process, or shared through Redis when `AEGLE_REDIS_URL` is set. */
  rateLimiter: RateLimiter = new LocalRateLimiter();

  /** One-time token ids (CDS Hooks JWT `jti`): in this process, or shared through Redis. */
  replayGuard: ReplayGuard = new LocalReplayGuard();

  static async create(opts: ServiceOptions): Promise<Service> {
    const { config } = opts;
    const logger = opts.logger ?? silentLogger;
    const meta = await MetaStore.create({
      home: config.home,
      databaseUrl: config.databaseUrl,
      schema: opts.schema,
      // a server commits hundreds of times a second: WAL checkpoints go to a worker thread
      backgroundCheckpoint: true,
    });
    const s = config.serve;
    // the audit chain and the prediction log share one writer: a request's entry and record, and
    // those of the requests arriving with it, are committed in one transaction
    const logs = new LogWriter(meta, { flushMs: s.auditFlushMs, batchSize: s.auditBatchSize, logger });
    const audit = new AuditLog(meta, { writer: logs });
    const predictionLog = new PredictionLog(meta, { writer: logs });
    const metrics = new ServiceMetrics({ defaultMetrics: opts.defaultMetrics });
    const registry = new ModelRegistry(meta, { artifactsDir: homePaths(config.home).artifacts });
    const service = new Service(
      config,
      logger,
      meta,
      audit,
      predictionLog,
      logs,
      metrics,
      new KeyVerifier(meta),
      registry,
      // an evicted ONNX model releases its session once its queue drains
      new ModelCache<ServedModel>(s.modelCacheSize, (_k, m) => {
        if (m instanceof OnnxServedModel) void m.retire().catch(() => {});
      }),
      null as unknown as JobService,
    );
    const { jobHandlers } = await import('./job-handlers.js');
    service.jobs = await JobService.create(meta, {
      handlers: opts.handlers ?? jobHandlers(service),
      concurrency: s.jobConcurrency,
      redisUrl: config.redisUrl,
      queueName: opts.jobQueueName,
      heartbeatMs: opts.heartbeatMs,
      logger,
      onFinished: (job: JobRecord, seconds: number) =>
        metrics.jobDuration.observe({ type: job.type, status: job.status }, seconds),
    });
    if (config.redisUrl) {
      await service.rateLimiter.close();
      service.rateLimiter = await RedisRateLimiter.connect(config.redisUrl, { logger });
      service.replayGuard = await RedisReplayGuard.connect(config.redisUrl, { logger });
    }
    service.startRetention();
    return service;
  }

  /**
   * Deletes the prediction-log records older than `AEGLE_PREDICTION_LOG_DAYS` and audits the deletion
   * (counts and the cutoff, no patient data). Null when the log is kept whole.
   */
  async prunePredictionLog(now = Date.now()): Promise<PruneResult | null> {
    const days = this.config.serve.predictionLogDays;
    if (days === null) return null;
    const result = await prunePredictionLog(this.meta, retentionCutoff(days, now));
    if (result.records > 0) {
      await this.audit.commit({
        actor: 'system',
        role: 'service',
        action: 'prediction_log.prune',
        resource: 'prediction_log',
        outputSummary: `records=${result.records} rows=${result.rows} before=${result.before}`,
      });
      this.logger.info(
        { records: result.records, rows: result.rows, before: result.before },
        'prediction log pruned',
      );
    }
    return result;
  }

  /** With a retention set: a pruning at start and every hour after (one at a time). */
  private startRetention(): void {
    if (this.config.serve.predictionLogDays === null) return;
    const run = () => {
      if (this.pruning) return;
      this.pruning = this.prunePredictionLog()
        .catch((e: Error) => this.logger.error({ err: e.message }, 'prediction log pruning failed'))
        .finally(() => {
          this.pruning = null;
        });
    };
    run();
    this.retentionTimer = setInterval(run, 3_600_000);
    this.retentionTimer.unref();
  }

  /** Updates the queue-depth gauges (called before metrics are read). */
  async refreshGauges(): Promise<void> {
    this.metrics.queueDepth.set({ queue: 'jobs' }, await this.jobs.queueDepth().catch(() => 0));
    this.metrics.queueDepth.set({ queue: 'audit' }, this.audit.depth);
    this.metrics.queueDepth.set({ queue: 'prediction_log' }, this.predictionLog.depth);
  }

  /** A loaded native Aegle model for a registry reference (`champion`, `3`, `latest`, or default). */
  async model(name: string, ref?: string | number | null): Promise<NativeModel> {
    const m = await this.servedModel(name, ref);
    if (m instanceof NativeModel) return m;
    throw createError('AEGLE_RUNTIME_ONNX_UNSUPPORTED', {
      model: `${name}@${m.ref.version}`,
      what: 'this route',
    });
  }

  /** A loaded model of either kind (native or ONNX), bounded by the same LRU cache. */
  async servedModel(name: string, ref?: string | number | null): Promise<ServedModel> {
    const { version, artifactPath } = await this.registry.resolve(name, ref);
    const key = `${name}@${version}`;
    return (
      this.models.peek(key) ??
      this.models.get(key, () =>
        loadServedModel(
          artifactPath,
          artifactKind(artifactPath) ?? 'native',
          { name, version },
          {
            logger: this.logger,
            onBatch: (r, rows, seconds) => this.onnxMetrics.observeBatch(r, rows, seconds),
          },
        ).then((m) => {
          if (m instanceof NativeModel) warmPredictionExtras(m);
          return m;
        }),
      )
    );
  }

  /**
   * Runs `fn` with the dataset store open. DuckDB allows one writer per file, and the CLI or a train
   * job may open it too, so the service opens it per use, one use at a time, retrying briefly while
   * another holder has it.
   */
  async withDatasets<T>(fn: (db: DuckStore) => Promise<T>): Promise<T> {
    const run = async () => {
      let db: DuckStore | null = null;
      for (let attempt = 0; ; attempt++) {
        try {
          db = await openDatasetStore({
            home: this.config.home,
            threads: this.config.threads,
            memoryLimit: this.config.memoryLimit,
          });
          break;
        } catch (e) {
          if (!isAegleError(e, 'AEGLE_STORE_OPEN') || attempt >= 20) throw e;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      try {
        return await fn(db);
      } finally {
        db.close();
      }
    };
    const p = this.datasetLock.then(run, run);
    this.datasetLock = p.catch(() => {});
    return p;
  }

  /** Runs `fn` while no other dataset use of this service runs (for callers that open the store themselves). */
  async withDatasetLock<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.datasetLock.then(fn, fn);
    this.datasetLock = p.catch(() => {});
    return p;
  }

  /** Where uploads are spooled. */
  get uploadDir(): string {
    return path.join(this.config.home, 'uploads');
  }

  /** Drains jobs, flushes the audit chain and prediction log, closes the database. */
  async close(drainMs = this.config.serve.shutdownTimeoutMs): Promise<void> {
    if (this.retentionTimer) clearInterval(this.retentionTimer);
    await this.pruning;
    await this.jobs.close(drainMs);
    await Promise.allSettled([this.audit.close(), this.predictionLog.close()]);
    await this.logs.close().catch(() => {});
    await Promise.allSettled(
      this.models.values().flatMap((m) => (m instanceof OnnxServedModel ? [m.close()] : [])),
    );
    await Promise.allSettled([this.rateLimiter.close(), this.replayGuard.close()]);
    await this.meta.close();
  }
}
