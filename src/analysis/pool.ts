/**
 * Analyses off the event loop: a small piscina pool runs `runAnalysis` in worker threads, so a
 * Kaplan–Meier curve or a clustering of a million rows does not stall a server's other requests
 * (health checks, predictions). The frame's typed arrays are transferred, not copied.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { type Frame, fromWireError } from '../core/index.js';
import type { AnalysisOptions } from './run.js';
import type { AnalysisReply, AnalysisTask } from './worker.js';

/** The built worker, or (running from TypeScript sources) a bootstrap that loads the `.ts` one through tsx. */
function workerEntry(): string {
  const js = new URL('./worker.js', import.meta.url);
  if (existsSync(fileURLToPath(js))) return fileURLToPath(js);
  return fileURLToPath(new URL('./worker-dev.mjs', import.meta.url));
}

let pool: Piscina | null = null;

function getPool(): Piscina {
  if (!pool) {
    // one thread: analyses queue behind each other rather than compete with request handling
    pool = new Piscina({ filename: workerEntry(), minThreads: 0, maxThreads: 1, idleTimeout: 5000 });
  }
  return pool;
}

export interface AnalysisResultJson {
  readonly result: unknown;
  readonly text: string;
  readonly chart: unknown;
}

/** Runs one analysis in a worker thread; JSON-ready output, or the same coded error `runAnalysis` raises. */
export async function runAnalysisInWorker(
  kind: string,
  frame: Frame,
  options: AnalysisOptions,
): Promise<AnalysisResultJson> {
  const transfer: ArrayBuffer[] = [];
  for (const c of frame.columns) {
    const arr = c.kind === 'categorical' ? c.codes : c.values;
    if (arr.buffer instanceof ArrayBuffer && !transfer.includes(arr.buffer)) transfer.push(arr.buffer);
  }
  const task: AnalysisTask = { kind, frame, options };
  const reply = (await getPool().run(task, { transferList: transfer })) as AnalysisReply;
  if (!reply.ok) throw fromWireError(reply.error);
  return { result: reply.result, text: reply.text, chart: reply.chart };
}

/** Stops the pool's threads (for tests and shutdown). */
export async function closeAnalysisPool(): Promise<void> {
  const p = pool;
  pool = null;
  if (p) await p.destroy();
}
