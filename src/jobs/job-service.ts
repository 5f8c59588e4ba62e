/**
 * Jobs: long work (training, evaluation, reports, batch scoring) submitted through the API, run with
 * progress, logs and cancellation, and persisted in the metadata database so that status survives a
 * restart.
 *
 * Two dispatchers, one contract: in-process (a FIFO and `concurrency` workers in this process, the
 * default) or BullMQ on Redis (`AEGLE_REDIS_URL`), where any process running a JobService with the
 * same handlers takes jobs. Either way the `jobs` row is the source of truth: the worker marks it
 * running, beats a heartbeat, writes progress and logs, and finishes it. A job whose worker stops
 * beating (crash, kill -9, power loss) is marked failed with the reason — never left "running" — and
 * a job picked up again after such a crash is not re-run (training twice is not idempotent).
 *
 * Cancellation: a queued job is cancelled at once; a running one gets its AbortSignal aborted by
 * whichever process runs it (each worker polls its jobs' cancel flag with the heartbeat).
 */
import { EventEmitter } from 'node:events';
import os from 'node:os';
import { createError, defineErrors, isAegleError, type Logger, newId, silentLogger } from '../core/index.js';
import { type JobStatus, type JobTable, type MetaStore, nowIso } from '../store/index.js';

export const JobErrors = defineErrors({
  AEGLE_JOBS_UNKNOWN_TYPE: {
    message: "Unknown job type '{type}'. Types: {known}.",
    status: 400,
    fix: 'Submit one of the listed job types.',
  },
  AEGLE_JOBS_NOT_FOUND: {
    message: "No job with id '{id}'.",
    status: 404,
    fix: 'List jobs with GET /api/v1/jobs.',
  },
  AEGLE_JOBS_FINISHED: {
    message: "Job '{id}' has already finished ({status}).",
    status: 409,
    fix: 'Only queued or running jobs can be cancelled.',
  },
  AEGLE_JOBS_SHUTTING_DOWN: {
    message: 'The service is shutting down and takes no new jobs.',
    status: 503,
    fix: 'Retry against another replica or after the restart.',
  },
});

export interface JobProgress {
  /** 0..1 when known. */
  readonly fraction?: number;
  readonly message?: string;
  readonly [key: string]: unknown;
}

export interface JobContext {
  readonly id: string;
  readonly type: string;
  readonly params: Record<string, unknown>;
  readonly createdBy: string | null;
  readonly signal: AbortSignal;
  progress(p: JobProgress): void;
  log(message: string, level?: 'info' | 'warn' | 'error'): void;
}

export type JobHandler = (ctx: JobContext) => Promise<unknown>;

export interface JobRecord {
  readonly id: string;
  readonly type: string;
  readonly status: JobStatus;
  readonly params: Record<string, unknown>;
  readonly result: unknown;
  readonly error: string | null;
  readonly progress: JobProgress | null;
  readonly createdAt: string;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  readonly createdBy: string | null;
  readonly worker: string | null;
}

export interface JobLogLine {
  readonly id: number;
  readonly ts: string;
  readonly level: string;
  readonly message: string;
}

/** What SSE subscribers receive. */
export type JobEvent =
  | { readonly type: 'status'; readonly job: JobRecord }
  | { readonly type: 'progress'; readonly id: string; readonly progress: JobProgress }
  | { readonly type: 'log'; readonly id: string; readonly line: Omit<JobLogLine, 'id'> };

export interface JobServiceOptions {
  readonly handlers: Readonly<Record<string, JobHandler>>;
  readonly concurrency?: number;
  /** Redis URL: dispatch through BullMQ instead of in-process. */
  readonly redisUrl?: string | null;
  /** BullMQ queue name (tests use their own). */
  readonly queueName?: string;
  /** Heartbeat period; a running job whose heartbeat is older than 4× this is presumed dead. */
  readonly heartbeatMs?: number;
  /** Take jobs in this process (false: submit-only API replica). */
  readonly work?: boolean;
  readonly logger?: Logger;
  readonly onFinished?: (job: JobRecord, seconds: number) => void;
}

const FINAL: readonly JobStatus[] = ['succeeded', 'failed', 'cancelled'];

function toRecord(r: JobTable): JobRecord {
  return {
    id: r.id,
    type: r.type,
    status: r.status,
    params: JSON.parse(r.params_json),
    result: r.result_json === null ? null : JSON.parse(r.result_json),
    error: r.error,
    progress: r.progress_json === null ? null : JSON.parse(r.progress_json),
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    createdBy: r.created_by,
    worker: r.worker,
  };
}

interface Dispatcher {
  enqueue(id: string, type: string): Promise<void>;
  /** Removes a queued job; true when it was still waiting. */
  dequeue(id: string): Promise<boolean>;
  start(): Promise<void>;
  /** Stops taking jobs (running ones continue). */
  pause(): Promise<void>;
  close(): Promise<void>;
  depth(): Promise<number>;
}

export class JobService {
  readonly events = new EventEmitter();
  readonly workerId = `${os.hostname()}:${process.pid}:${newId('w').slice(2)}`;
  private readonly running = new Map<string, { controller: AbortController; promise: Promise<void> }>();
  private readonly logger: Logger;
  private readonly heartbeatMs: number;
  private dispatcher!: Dispatcher;
  private timer: NodeJS.Timeout | null = null;
  private accepting = true;

  private constructor(
    private readonly meta: MetaStore,
    private readonly opts: JobServiceOptions,
  ) {
    this.logger = opts.logger ?? silentLogger;
    this.heartbeatMs = opts.heartbeatMs ?? 2000;
    this.events.setMaxListeners(0);
  }

  /** Creates the service, fails stale jobs, re-queues waiting ones (in-process) and starts working. */
  static async create(meta: MetaStore, opts: JobServiceOptions): Promise<JobService> {
    const s = new JobService(meta, opts);
    s.dispatcher = opts.redisUrl
      ? await bullDispatcher(s, opts.redisUrl, opts.queueName ?? 'aegle-jobs', opts)
      : memoryDispatcher(s, opts.concurrency ?? 1);
    await s.failStale();
    if (!opts.redisUrl) {
      const waiting = await meta.db
        .selectFrom('jobs')
        .select(['id', 'type'])
        .where('status', '=', 'queued')
        .orderBy('created_at')
        .execute();
      for (const w of waiting) await s.dispatcher.enqueue(w.id, w.type);
    }
    if (opts.work ?? true) await s.dispatcher.start();
    s.timer = setInterval(() => {
      s.beat().catch((e) => s.logger.warn({ err: (e as Error).message }, 'job heartbeat failed'));
    }, s.heartbeatMs);
    s.timer.unref();
    return s;
  }

  get types(): string[] {
    return Object.keys(this.opts.handlers).sort();
  }

  async submit(type: string, params: Record<string, unknown>, createdBy: string | null): Promise<JobRecord> {
    if (!this.accepting) throw createError('AEGLE_JOBS_SHUTTING_DOWN');
    if (!this.opts.handlers[type])
      throw createError('AEGLE_JOBS_UNKNOWN_TYPE', { type, known: this.types.join(', ') });
    const row: JobTable = {
      id: newId('job'),
      type,
      status: 'queued',
      params_json: JSON.stringify(params ?? {}),
      result_json: null,
      error: null,
      progress_json: null,
      created_at: nowIso(),
      started_at: null,
      finished_at: null,
      created_by: createdBy,
      worker: null,
      heartbeat_at: null,
      cancel_requested: 0,
    };
    await this.meta.db.insertInto('jobs').values(row).execute();
    await this.dispatcher.enqueue(row.id, type);
    const rec = toRecord(row);
    this.emit({ type: 'status', job: rec });
    return rec;
  }

  async get(id: string): Promise<JobRecord> {
    const r = await this.meta.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
    if (!r) throw createError('AEGLE_JOBS_NOT_FOUND', { id });
    return toRecord(r);
  }

  async list(opts: { status?: JobStatus; type?: string; limit?: number } = {}): Promise<JobRecord[]> {
    let q = this.meta.db.selectFrom('jobs').selectAll();
    if (opts.status) q = q.where('status', '=', opts.status);
    if (opts.type) q = q.where('type', '=', opts.type);
    const rows = await q
      .orderBy('created_at', 'desc')
      .limit(Math.min(opts.limit ?? 100, 1000))
      .execute();
    return rows.map(toRecord);
  }

  async logs(id: string, after = 0): Promise<JobLogLine[]> {
    await this.get(id);
    const rows = await this.meta.db
      .selectFrom('job_logs')
      .selectAll()
      .where('job_id', '=', id)
      .where('id', '>', after)
      .orderBy('id')
      .limit(10_000)
      .execute();
    return rows.map((r) => ({ id: Number(r.id), ts: r.ts, level: r.level, message: r.message }));
  }

  /** Cancels a queued job at once, or asks the worker running it to stop. */
  async cancel(id: string): Promise<JobRecord> {
    const job = await this.get(id);
    if (FINAL.includes(job.status)) throw createError('AEGLE_JOBS_FINISHED', { id, status: job.status });
    await this.meta.db.updateTable('jobs').set({ cancel_requested: 1 }).where('id', '=', id).execute();
    if (job.status === 'queued') {
      await this.dispatcher.dequeue(id);
      await this.finish(id, 'cancelled', null, 'cancelled before it started', ['queued']);
    } else this.running.get(id)?.controller.abort();
    return this.get(id);
  }

  /** Jobs waiting to run. */
  async queueDepth(): Promise<number> {
    return this.dispatcher.depth();
  }

  get runningCount(): number {
    return this.running.size;
  }

  /**
   * Stops taking jobs, waits up to `drainMs` for running ones, then cancels the rest and marks them
   * failed ("interrupted by shutdown"), and closes the dispatcher.
   */
  async close(drainMs = 30_000): Promise<void> {
    this.accepting = false;
    await this.dispatcher.pause();
    const all = () => Promise.all([...this.running.values()].map((r) => r.promise));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      all().then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), drainMs);
      }),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      for (const [id, r] of this.running) {
        r.controller.abort(new Error('shutdown'));
        await this.finish(id, 'failed', null, 'interrupted: the service shut down before the job finished', [
          'running',
        ]);
      }
      await Promise.race([all(), new Promise((r) => setTimeout(r, 2000))]);
    }
    if (this.timer) clearInterval(this.timer);
    await this.dispatcher.close();
  }

  /** Runs one job in this process (called by the dispatchers). */
  async run(id: string): Promise<void> {
    const row = await this.meta.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) return;
    if (row.status === 'running') {
      // delivered again after its worker died: running it twice is not safe
      await this.finish(
        id,
        'failed',
        null,
        `interrupted: worker ${row.worker ?? '?'} stopped while the job was running`,
        ['running'],
      );
      return;
    }
    if (row.status !== 'queued' || row.cancel_requested) return;
    const now = nowIso();
    const claimed = await this.meta.db
      .updateTable('jobs')
      .set({ status: 'running', started_at: now, heartbeat_at: now, worker: this.workerId })
      .where('id', '=', id)
      .where('status', '=', 'queued')
      .executeTakeFirst();
    if (Number(claimed.numUpdatedRows) === 0) return;
    const handler = this.opts.handlers[row.type];
    const controller = new AbortController();
    const t0 = performance.now();
    let done!: () => void;
    const promise = new Promise<void>((r) => {
      done = r;
    });
    this.running.set(id, { controller, promise });
    this.emit({
      type: 'status',
      job: toRecord({ ...row, status: 'running', started_at: now, worker: this.workerId }),
    });
    const ctx: JobContext = {
      id,
      type: row.type,
      params: JSON.parse(row.params_json),
      createdBy: row.created_by,
      signal: controller.signal,
      progress: (p) => {
        this.emit({ type: 'progress', id, progress: p });
        this.meta.db
          .updateTable('jobs')
          .set({ progress_json: JSON.stringify(p) })
          .where('id', '=', id)
          .execute()
          .catch(() => {});
      },
      log: (message, level = 'info') => {
        const line = { ts: nowIso(), level, message };
        this.emit({ type: 'log', id, line });
        this.meta.db
          .insertInto('job_logs')
          .values({ job_id: id, ...line })
          .execute()
          .catch(() => {});
      },
    };
    try {
      if (!handler)
        throw createError('AEGLE_JOBS_UNKNOWN_TYPE', { type: row.type, known: this.types.join(', ') });
      const result = await handler(ctx);
      if (controller.signal.aborted) throw createError('AEGLE_CORE_ABORTED', { what: `Job ${id}` });
      await this.finish(id, 'succeeded', result ?? null, null, ['running']);
    } catch (e) {
      const cancelled = controller.signal.aborted || isAegleError(e, 'AEGLE_CORE_ABORTED');
      const msg = isAegleError(e) ? `${e.code}: ${e.message}` : ((e as Error)?.message ?? String(e));
      if (!cancelled) this.logger.warn({ job: id, type: row.type, err: msg }, 'job failed');
      ctx.log(msg, 'error');
      await this.finish(
        id,
        cancelled ? 'cancelled' : 'failed',
        null,
        cancelled ? 'cancelled on request' : msg,
        ['running'],
      );
    } finally {
      this.running.delete(id);
      this.opts.onFinished?.(await this.get(id).catch(() => toRecord(row)), (performance.now() - t0) / 1000);
      done();
    }
  }

  private async finish(
    id: string,
    status: JobStatus,
    result: unknown,
    error: string | null,
    from: JobStatus[],
  ): Promise<void> {
    await this.meta.db
      .updateTable('jobs')
      .set({
        status,
        result_json: result === null ? null : JSON.stringify(result),
        error,
        finished_at: nowIso(),
      })
      .where('id', '=', id)
      .where('status', 'in', from)
      .execute();
    const job = await this.get(id);
    this.emit({ type: 'status', job });
  }

  /** Heartbeat for jobs running here; honour cancel requests from other processes; fail stale jobs. */
  private async beat(): Promise<void> {
    if (this.running.size) {
      const ids = [...this.running.keys()];
      await this.meta.db.updateTable('jobs').set({ heartbeat_at: nowIso() }).where('id', 'in', ids).execute();
      const cancelled = await this.meta.db
        .selectFrom('jobs')
        .select('id')
        .where('id', 'in', ids)
        .where('cancel_requested', '=', 1)
        .execute();
      for (const c of cancelled) this.running.get(c.id)?.controller.abort();
    }
    await this.failStale();
  }

  /** Marks failed every running job whose worker stopped beating. */
  async failStale(): Promise<number> {
    const cutoff = new Date(Date.now() - 4 * this.heartbeatMs).toISOString();
    const stale = await this.meta.db
      .selectFrom('jobs')
      .select(['id', 'worker'])
      .where('status', '=', 'running')
      .where((eb) => eb.or([eb('heartbeat_at', '<', cutoff), eb('heartbeat_at', 'is', null)]))
      .execute();
    for (const s of stale) {
      if (this.running.has(s.id)) continue;
      await this.finish(
        s.id,
        'failed',
        null,
        `interrupted: worker ${s.worker ?? '?'} stopped (crash or restart) while the job was running`,
        ['running'],
      );
      this.logger.warn({ job: s.id, worker: s.worker }, 'stale job marked failed');
    }
    return stale.length;
  }

  /** Local subscribers (SSE) and, with BullMQ, a bridge from other processes. */
  emit(e: JobEvent): void {
    const id = e.type === 'status' ? e.job.id : e.id;
    this.events.emit(`job:${id}`, e);
    this.events.emit('job', e);
  }
}

function memoryDispatcher(s: JobService, concurrency: number): Dispatcher {
  const queue: string[] = [];
  let active = 0;
  let working = false;
  const pump = () => {
    while (working && active < concurrency && queue.length) {
      const id = queue.shift()!;
      active++;
      s.run(id)
        .catch(() => {})
        .finally(() => {
          active--;
          pump();
        });
    }
  };
  return {
    async enqueue(id) {
      queue.push(id);
      pump();
    },
    async dequeue(id) {
      const i = queue.indexOf(id);
      if (i >= 0) queue.splice(i, 1);
      return i >= 0;
    },
    async start() {
      working = true;
      pump();
    },
    async pause() {
      working = false;
    },
    async close() {
      working = false;
    },
    async depth() {
      return queue.length;
    },
  };
}

async function bullDispatcher(
  s: JobService,
  url: string,
  name: string,
  opts: JobServiceOptions,
): Promise<Dispatcher> {
  const { Queue, Worker, QueueEvents } = await import('bullmq');
  const connection = { url, maxRetriesPerRequest: null };
  const queue = new Queue(name, { connection });
  const events = new QueueEvents(name, { connection });
  let worker: InstanceType<typeof Worker> | null = null;
  // bridge: progress/finish events of jobs run by other processes reach this process's subscribers
  events.on('progress', ({ jobId, data }) => {
    const d = data as { kind?: string; progress?: JobProgress };
    if (d?.kind === 'progress' && d.progress && !workerHas(jobId))
      s.emit({ type: 'progress', id: jobId, progress: d.progress });
  });
  const onDone = ({ jobId }: { jobId: string }) => {
    if (!workerHas(jobId))
      s.get(jobId).then(
        (job) => s.emit({ type: 'status', job }),
        () => {},
      );
  };
  events.on('completed', onDone);
  events.on('failed', onDone);
  const local = new Set<string>();
  const workerHas = (id: string) => local.has(id);
  return {
    async enqueue(id, type) {
      await queue.add(type, { id }, { jobId: id, attempts: 1, removeOnComplete: 1000, removeOnFail: 1000 });
    },
    async dequeue(id) {
      const job = await queue.getJob(id);
      if (!job) return false;
      try {
        await job.remove();
        return true;
      } catch {
        return false;
      }
    },
    async start() {
      worker = new Worker(
        name,
        async (job) => {
          const id = (job.data as { id: string }).id;
          local.add(id);
          const relay = (e: JobEvent) => {
            if (e.type === 'progress')
              job.updateProgress({ kind: 'progress', progress: e.progress }).catch(() => {});
          };
          s.events.on(`job:${id}`, relay);
          try {
            await s.run(id);
          } finally {
            s.events.off(`job:${id}`, relay);
            local.delete(id);
          }
        },
        { connection, concurrency: opts.concurrency ?? 1, autorun: true },
      );
      worker.on('error', () => {});
    },
    async pause() {
      if (worker) await worker.pause(true).catch(() => {});
    },
    async close() {
      // JobService.close has already drained or aborted the jobs running here
      if (worker) await worker.close(true).catch(() => {});
      await events.close().catch(() => {});
      await queue.close().catch(() => {});
    },
    async depth() {
      const c = await queue.getJobCounts('waiting', 'delayed', 'prioritized');
      return (c.waiting ?? 0) + (c.delayed ?? 0) + (c.prioritized ?? 0);
    },
  };
}
