/**
 * A second thread for large request bodies. A 10,000-row predict body is 7.6 MB: its SHA-256 (for the
 * audit entry) took 4–5 ms of the event loop while the body arrived, and reading its rows 11 ms. Here
 * the hash is computed on this thread as the body arrives (a megabyte at a time, while the event loop
 * only copies chunks), and the event loop reads the first half of the rows while this thread reads
 * the second half (`RowSplit` in `runtime/row-table.ts`).
 *
 * The body lies in shared memory (a pooled buffer over a SharedArrayBuffer), so nothing is copied to
 * the thread; answers come back through shared memory too, and the event loop waits for them with
 * `Atomics.wait` (the parts it waits for take a few milliseconds). If the thread fails or does not
 * answer within 10 s it is no longer used, and the event loop does the work itself.
 *
 * Off unless a long-running process turns it on (`enableBodyHelper`: the model server does), and only
 * where the machine has a second core.
 */
import { hash as sha256Once } from 'node:crypto';
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { workerScript } from '../core/index.js';
import type { RowSplit, RowSplitResult } from '../runtime/index.js';

/** Bodies smaller than this are read and hashed on the event loop. */
export const BODY_HELPER_MIN_BYTES = 1 << 20;
/** How long the event loop waits for the thread before doing the work itself. */
const WAIT_MS = 10_000;

/** A job's answer in shared memory: [state (0 running, 1 done, 2 gave up), rows, end]. */
type Flag = Int32Array;

let enabled = false;
let thread: { worker: Worker; broken: boolean; scratch: Float64Array; rows: number } | null = null;

/** Turns the body helper on (or off) for this process. */
export function enableBodyHelper(on = true): void {
  enabled = on && os.availableParallelism() > 1;
  if (!enabled && thread) {
    void thread.worker.terminate();
    thread = null;
  }
}

/** Rows read by the helper thread in this process (for tests and diagnostics). */
export function bodyHelperRows(): number {
  return thread?.rows ?? 0;
}

/** The helper for a body of `bytes` bytes, or null (off, too small a body, or the thread failed). */
export function bodyHelper(bytes: number): BodyHelper | null {
  if (!enabled || bytes < BODY_HELPER_MIN_BYTES) return null;
  if (!thread) {
    try {
      const { script, eval: isEval } = workerScript(new URL('./body-worker.js', import.meta.url));
      const worker = new Worker(script, { eval: isEval });
      worker.unref();
      const t = { worker, broken: false, scratch: new Float64Array(new SharedArrayBuffer(8)), rows: 0 };
      worker.on('error', () => {
        t.broken = true;
      });
      worker.on('exit', () => {
        t.broken = true;
      });
      thread = t;
    } catch {
      return null;
    }
  }
  return thread.broken ? null : HELPER;
}

function newFlag(): Flag {
  return new Int32Array(new SharedArrayBuffer(12));
}

/** Waits for a job; false if the thread gave up, failed or did not answer (then it is not used again). */
function wait(flag: Flag): boolean {
  const t = thread;
  // a thread known to have failed will not answer: no wait (a job it finished still counts)
  if (!t || (t.broken && Atomics.load(flag, 0) === 0)) return false;
  if (Atomics.wait(flag, 0, 0, WAIT_MS) === 'timed-out') t.broken = true;
  return Atomics.load(flag, 0) === 1;
}

/** What a request's body reader asks of the helper thread. */
export interface BodyHelper {
  /** A split of the rows of one body (one at a time: `readRowTable` waits for it before returning). */
  readonly rows: RowSplit;
  /** Starts the SHA-256 of a body as it arrives (see `BackgroundHash`). */
  startHash(): BackgroundHash;
}

/**
 * A SHA-256 computed on the helper thread, part by part. Each call names the body's buffer (shared
 * memory) and the end of the bytes to hash so far; the bytes must stay as they are until the hash
 * is finished (or dropped).
 */
export interface BackgroundHash {
  /** Hashes the bytes from the previous call's end to `upTo`. */
  update(body: Uint8Array, upTo: number): void;
  /** Hashes the rest, to `length`; returns a function that waits for the digest (hex). */
  finish(body: Uint8Array, length: number): () => string;
  /** Forgets the hash (the body was refused). */
  drop(): void;
}

let nextHashId = 1;
let rowsFlag: Flag | null = null;
let rowsFields = 0;
let rowsCap = 0;

const split: RowSplit = {
  minBytes: BODY_HELPER_MIN_BYTES,
  start(body, at, keyStart, keyEnd, rowBytes) {
    const t = thread!;
    rowsFields = keyStart.length;
    // room for the rows the rest of the body can hold at the first row's length, and some
    rowsCap = Math.ceil(((body.length - at) / Math.max(1, rowBytes)) * 1.25) + 64;
    if (t.scratch.length < rowsCap * rowsFields)
      t.scratch = new Float64Array(new SharedArrayBuffer(8 * rowsCap * rowsFields));
    rowsFlag = newFlag();
    t.worker.postMessage({
      op: 'rows',
      body,
      at,
      keyStart: [...keyStart],
      keyEnd: [...keyEnd],
      cap: rowsCap,
      scratch: t.scratch,
      flag: rowsFlag,
    });
  },
  finish(): RowSplitResult | null {
    const flag = rowsFlag!;
    rowsFlag = null;
    if (!wait(flag)) return null;
    const scratch = thread!.scratch;
    const cap = rowsCap;
    const n = flag[1];
    thread!.rows += n;
    return {
      n,
      end: flag[2],
      copy(j, into, offset) {
        into.set(scratch.subarray(j * cap, j * cap + n), offset);
      },
    };
  },
  abandon() {
    const flag = rowsFlag;
    rowsFlag = null;
    if (flag) wait(flag);
  },
};

const HELPER: BodyHelper = {
  rows: split,
  startHash(): BackgroundHash {
    const id = nextHashId++;
    let from = 0;
    let state: 'open' | 'finished' | 'dropped' = 'open';
    return {
      update(body, upTo) {
        if (state !== 'open' || upTo <= from) return;
        thread!.worker.postMessage({ op: 'hash', id, body, from, to: upTo });
        from = upTo;
      },
      finish(body, length) {
        const flag = newFlag();
        const digest = new Uint8Array(new SharedArrayBuffer(32));
        state = 'finished';
        thread!.worker.postMessage({ op: 'hashEnd', id, body, from, to: length, digest, flag });
        let hex: string | null = null;
        return () => {
          // the thread's digest, or (it failed) one taken here
          if (hex === null)
            hex = wait(flag)
              ? Buffer.from(digest).toString('hex')
              : sha256Once('sha256', body.subarray(0, length), 'hex');
          return hex;
        };
      },
      drop() {
        if (state === 'open') thread?.worker.postMessage({ op: 'hashDrop', id });
        state = 'dropped';
      },
    };
  },
};
