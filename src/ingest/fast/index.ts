/**
 * The fast path for delimited text: a CSV/TSV file → Parquet parts written by worker threads, each
 * converting one byte range of whole lines (see csv-scan.ts). Column kinds come from a sample taken
 * at the start, the middle and the end of the file; a value of another kind later makes the file be
 * read again with that column retyped. Anything the fast path does not decide itself — quoted fields,
 * dates, booleans, unusual number spellings, ragged rows, bad bytes — returns `{ ok: false }` and the
 * caller reads the file with DuckDB's CSV reader instead, which also explains errors.
 */
import { availableParallelism } from 'node:os';
import { closeSync, openSync, readSync, rmSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { workerScript } from '../../core/worker-script.js';
import {
  convertRange,
  DATE,
  DOUBLE,
  INT,
  isoDate,
  isoTimestamp,
  type Kind,
  leadingZeroInteger,
  numberLike,
  type RangeResult,
  type RangeTask,
  strictNumber,
  TEXT,
  TIMESTAMP,
  textWitness,
  zonedTimestamp,
} from './csv-scan.js';

export { isoDate, isoTimestamp, numberLike, strictNumber, textWitness } from './csv-scan.js';

export interface FastCsvOptions {
  readonly delimiter: string;
  readonly missing: readonly string[];
  /** Directory the parts are written to (created by the caller, emptied on failure). */
  readonly dir: string;
  /**
   * Worker threads, one byte range each. Default: none below 512 kB (this thread converts the file),
   * else the machine's cores, at most 8 and one per 16 MB.
   */
  readonly workers?: number;
  /** An upper bound on the default number of workers (the user's thread limit). */
  readonly maxWorkers?: number;
}

export type FastCsvResult =
  | {
      readonly ok: true;
      readonly rows: number;
      readonly columns: ReadonlyArray<{ name: string; type: (typeof DUCKDB_TYPES)[number] }>;
      /** File names of the parts inside `dir`, in row order. */
      readonly parts: readonly string[];
    }
  | { readonly ok: false; readonly reason: string };

/**
 * Files smaller than this are converted on the calling thread: a worker's start costs more, and the
 * parse blocks the event loop for a few milliseconds at most (the server ingests uploads too).
 */
const IN_THREAD_BYTES = 512 << 10;
const PER_WORKER_BYTES = 16 << 20;
/** The sample: the first HEAD_BYTES, and SAMPLE_WINDOW bytes at a quarter, half, three quarters and the end. */
const HEAD_BYTES = 512 << 10;
const SAMPLE_WINDOW = 128 << 10;
const MAX_ROUNDS = 3;
const DUCKDB_TYPES = ['BIGINT', 'DOUBLE', 'VARCHAR', 'DATE', 'TIMESTAMP'] as const;

function readAt(fd: number, pos: number, length: number): Buffer {
  const b = Buffer.allocUnsafe(length);
  let got = 0;
  while (got < length) {
    const n = readSync(fd, b, got, length - got, pos + got);
    if (n === 0) break;
    got += n;
  }
  return b.subarray(0, got);
}

/** Whole lines of a window (the partial first and last lines dropped unless at the file's ends). */
function windowLines(b: Buffer, atStart: boolean, atEnd: boolean): string[] {
  let s = 0;
  if (!atStart) s = b.indexOf(10) + 1;
  let e = b.length;
  if (!atEnd) e = b.lastIndexOf(10) + 1;
  if (s <= 0 && !atStart) return [];
  return b
    .toString('utf8', s, Math.max(s, e))
    .split('\n')
    .map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l))
    .filter((l, i, all) => !(i === all.length - 1 && l === ''));
}

/** Kinds from sampled lines, or the reason to leave the file to DuckDB. */
export function sampleKinds(
  lines: readonly string[],
  ncol: number,
  delimiter: string,
  missing: readonly string[],
): Kind[] | string {
  const miss = new Set(missing);
  const seen = Array.from({ length: ncol }, () => ({
    int: false,
    dbl: false,
    date: false,
    ts: false,
    zoned: false,
    witness: false,
    other: false,
  }));
  for (const line of lines) {
    if (line.includes('"')) return 'a field is quoted';
    const f = line.split(delimiter);
    if (f.length !== ncol) return 'a line has a different number of fields than the header';
    for (let c = 0; c < ncol; c++) {
      const s = seen[c];
      if (s.witness) continue; // text already: nothing a later value can change
      const v = f[c];
      if (miss.has(v)) continue;
      const n = strictNumber(v);
      if (n === 'int') {
        if (v.length - (v.charCodeAt(0) === 45 ? 1 : 0) > 15)
          return `column ${c + 1} has an integer of more than 15 digits`;
        s.int = true;
      } else if (n === 'double') s.dbl = true;
      else if (leadingZeroInteger(v))
        s.witness = true; // ZIP codes, MRNs: text for DuckDB too
      else if (zonedTimestamp(v))
        s.zoned = true; // text alone, but DuckDB's call among dates
      else if (numberLike(v)) return `column ${c + 1} has a number in a spelling DuckDB reads itself`;
      else if (textWitness(v)) s.witness = true;
      else {
        const days = isoDate(v);
        const micros = Number.isNaN(days) ? isoTimestamp(v) : Number.NaN;
        if (days === Number.NEGATIVE_INFINITY)
          s.witness = true; // "2024-02-30": not a date
        else if (Number.isFinite(days)) s.date = true;
        else if (Number.isFinite(micros)) s.ts = true;
        else if (micros === Number.NEGATIVE_INFINITY) return `column ${c + 1} has a time that does not exist`;
        else s.other = true;
      }
    }
  }
  const kinds: Kind[] = [];
  for (let c = 0; c < ncol; c++) {
    const s = seen[c];
    if (s.witness) kinds.push(TEXT);
    else if (s.other) return `column ${c + 1} has a value that may be a date or a boolean`;
    else if ((s.ts || s.date) && s.zoned) return `column ${c + 1} mixes zoned and other dates or times`;
    else if (s.ts && s.date) return `column ${c + 1} mixes dates and timestamps`;
    else if (s.zoned) kinds.push(TEXT);
    else if (s.ts) kinds.push(s.int || s.dbl ? TEXT : TIMESTAMP);
    else if (s.date)
      kinds.push(s.int || s.dbl ? TEXT : DATE); // dates among numbers: text for DuckDB
    else if (s.dbl) kinds.push(DOUBLE);
    else if (s.int) kinds.push(INT);
    else return `column ${c + 1} is missing throughout the sample`;
  }
  return kinds;
}

/** Worker threads started before the sampling, so that their start overlaps it; reused across rounds. */
class Crew {
  private readonly workers: Worker[] = [];
  private failure: Error | null = null;

  constructor(size: number) {
    const { script, eval: isEval } = workerScript(new URL('./csv-worker.js', import.meta.url));
    for (let i = 0; i < size; i++) {
      const w = new Worker(script, { eval: isEval });
      w.on('error', (e) => {
        this.failure ??= e;
      });
      this.workers.push(w);
    }
  }

  run(tasks: readonly RangeTask[]): Promise<RangeResult[]> {
    return Promise.all(
      tasks.map(
        (task, i) =>
          new Promise<RangeResult>((resolve, reject) => {
            const w = this.workers[i];
            if (this.failure) return reject(this.failure);
            const onExit = (code: number) =>
              reject(this.failure ?? new Error(`CSV worker exited with code ${code}`));
            w.once('exit', onExit);
            w.once('message', (m: { result?: RangeResult; error?: string }) => {
              w.off('exit', onExit);
              if (m.error !== undefined) reject(new Error(m.error));
              else resolve(m.result!);
            });
            w.postMessage(task);
          }),
      ),
    );
  }

  close(): void {
    for (const w of this.workers) void w.terminate();
  }
}

/**
 * Converts a delimited file with a header line into Parquet parts under `opts.dir`, or says why it
 * should be read by DuckDB instead. Never leaves parts behind when it says no.
 */
export async function csvToParquet(file: string, size: number, opts: FastCsvOptions): Promise<FastCsvResult> {
  const fail = (reason: string): FastCsvResult => {
    rmSync(opts.dir, { recursive: true, force: true });
    return { ok: false, reason };
  };
  if (Buffer.byteLength(opts.delimiter) !== 1) return fail('the delimiter is not one byte');
  const delim = opts.delimiter.charCodeAt(0);
  const workers =
    opts.workers ??
    (size < IN_THREAD_BYTES
      ? 1
      : Math.max(
          1,
          Math.min(availableParallelism(), opts.maxWorkers ?? 8, 8, Math.ceil(size / PER_WORKER_BYTES)),
        ));
  const crew = opts.workers !== undefined || size >= IN_THREAD_BYTES ? new Crew(workers) : null;
  try {
    return await convert(file, size, opts, delim, workers, crew, fail);
  } finally {
    crew?.close();
  }
}

async function convert(
  file: string,
  size: number,
  opts: FastCsvOptions,
  delim: number,
  workers: number,
  crew: Crew | null,
  fail: (reason: string) => FastCsvResult,
): Promise<FastCsvResult> {
  const fd = openSync(file, 'r');
  let names: string[];
  let dataStart: number;
  let kinds: Kind[] | string;
  const bounds: number[] = [];
  try {
    const head = readAt(fd, 0, Math.min(size, HEAD_BYTES));
    if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf)
      return fail('the file starts with a byte-order mark');
    const nl = head.indexOf(10);
    if (nl < 0) return fail('the header line is longer than 512 kB or the only line');
    const headerLine = head.toString('utf8', 0, nl).replace(/\r$/, '');
    names = headerLine.split(opts.delimiter);
    if (headerLine.includes('"')) return fail('the header is quoted');
    const lower = new Set(names.map((n) => n.toLowerCase()));
    if (lower.size !== names.length || names.some((n) => n === '' || n.trim() !== n))
      return fail('the header has empty, padded or repeated names');
    dataStart = nl + 1;
    if (dataStart >= size) return fail('there are no data lines');
    const lines = windowLines(head.subarray(dataStart), true, head.length === size);
    for (const at of [0.25, 0.5, 0.75, 1]) {
      const pos = Math.max(head.length, Math.floor(size * at) - (at === 1 ? SAMPLE_WINDOW : 0));
      if (pos >= size) continue;
      lines.push(
        ...windowLines(
          readAt(fd, pos, Math.min(SAMPLE_WINDOW, size - pos)),
          false,
          pos + SAMPLE_WINDOW >= size,
        ),
      );
    }
    kinds = sampleKinds(lines, names.length, opts.delimiter, opts.missing);
    if (typeof kinds === 'string') return fail(kinds);
    bounds.push(dataStart);
    for (let k = 1; k < workers; k++) {
      const nominal = dataStart + Math.floor(((size - dataStart) * k) / workers);
      const b = readAt(fd, nominal, 1 << 20);
      const i = b.indexOf(10);
      if (i < 0) {
        if (b.length === 1 << 20) return fail('a line is longer than 1 MB');
        continue;
      }
      const at = nominal + i + 1;
      if (at > bounds[bounds.length - 1] && at < size) bounds.push(at);
    }
    bounds.push(size);
  } finally {
    closeSync(fd);
  }
  const parts = bounds.slice(1).map((_, k) => `part-${k}.parquet`);
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const tasks: RangeTask[] = parts.map((p, k) => ({
      file,
      from: bounds[k],
      to: bounds[k + 1],
      last: k === parts.length - 1,
      names,
      kinds: kinds as Kind[],
      delimiter: delim,
      missing: opts.missing,
      out: path.join(opts.dir, p),
    }));
    let results: RangeResult[];
    try {
      results = crew ? await crew.run(tasks) : [convertRange(tasks[0])];
    } catch (e) {
      // a worker that failed (out of memory, killed): DuckDB's reader still gets its chance
      return fail(`a reader thread failed: ${e instanceof Error ? e.message : String(e)}`);
    }
    const bail = results.find((r) => !r.ok && 'bail' in r);
    if (bail && 'bail' in bail) return fail(bail.bail);
    const retypes = results.flatMap((r) => (!r.ok && 'retype' in r ? r.retype : []));
    if (retypes.length === 0) {
      const rows = results.reduce((n, r) => n + (r.ok ? r.rows : 0), 0);
      if (rows === 0) return fail('there are no data rows');
      return {
        ok: true,
        rows,
        columns: names.map((name, c) => ({ name, type: DUCKDB_TYPES[(kinds as Kind[])[c]] })),
        parts,
      };
    }
    const next: Kind[] = [...(kinds as Kind[])];
    for (const r of retypes) {
      // text wins over everything; a decimal turns an integer column into DOUBLE
      if (r.to === TEXT || (r.to === DOUBLE && next[r.column] === INT)) next[r.column] = r.to;
    }
    kinds = next;
  }
  return fail('column kinds kept changing');
}
