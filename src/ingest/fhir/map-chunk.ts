/**
 * The parse-and-map kernel of a FHIR import: one chunk of input (whole Bulk Data NDJSON lines, or one
 * JSON document) → staging CSV text per table, the counts and the errors. Synchronous and free of I/O,
 * so the calling thread and the worker threads of `ParsePool` run exactly the same code.
 *
 * The one piece of state an import carries from resource to resource is the unit learned per code
 * (`UnitHarmoniser`: the first valid UCUM unit seen for a code without a canonical unit). A chunk
 * mapped without knowing what came before reports the units it learned; the caller checks them
 * against the import so far and maps the chunk again, given those units, when they disagree.
 */
import {
  FHIR_TABLE_NAMES,
  FHIR_TABLES,
  type FhirColumn,
  type FhirResource,
  type FhirRow,
  formatIssue,
  isObject,
  type MapContext,
  mapResource,
  UnitHarmoniser,
} from '../../fhir/index.js';
import { resourcesOfDocument } from './sources.js';

/** At most this many error lines are kept (the rest are counted in a last line). */
export const MAX_REPORTED_ERRORS = 1000;

/** What one chunk holds and where it came from. */
export interface ChunkTask {
  /** The file's name as error lines show it. */
  readonly shown: string;
  /** `ndjson`: whole lines of a Bulk Data file; `document`: one JSON file (a Bundle or a resource). */
  readonly kind: 'ndjson' | 'document';
  readonly bytes: Uint8Array;
  /** Lines of the file before this chunk (NDJSON). */
  readonly lineOffset: number;
  /** Units learned by the import before this chunk, when known (code key → unit, in learning order). */
  readonly units?: ReadonlyArray<readonly [string, string]>;
}

/** A chunk mapped: staging CSV per table (in `FHIR_TABLE_NAMES` order), counts and errors. */
export interface ChunkResult {
  /** UTF-8 CSV lines per table, null where the chunk has no row for it. */
  readonly csv: Array<Uint8Array | null>;
  readonly rows: number[];
  /** Every resource read, by type, Bundles and their entries included. */
  readonly resources: Record<string, number>;
  readonly skipped: Record<string, number>;
  /** The first `MAX_REPORTED_ERRORS` error lines, in input order. */
  readonly errors: string[];
  /** Errors beyond those. */
  readonly moreErrors: number;
  /** Units this chunk learned itself, in the order it first saw their codes. */
  readonly learned: ReadonlyArray<readonly [string, string]>;
  /** Whether the chunk was mapped knowing the units learned before it (`ChunkTask.units`). */
  readonly seeded: boolean;
}

const TEXT = 0;
const LIST = 1;
const PLAIN = 2;
const KINDS: readonly (readonly number[])[] = FHIR_TABLE_NAMES.map((t) =>
  FHIR_TABLES[t].map((c: FhirColumn) => (c.type === 'text' ? TEXT : c.type === 'list' ? LIST : PLAIN)),
);
const TABLE_INDEX: Readonly<Record<string, number>> = Object.fromEntries(
  FHIR_TABLE_NAMES.map((t, i) => [t, i]),
);
const NEEDS_QUOTES = /[",\n\r]/;
const QUOTE = /"/g;
const encoder = new TextEncoder();

/**
 * CSV lines encoded as UTF-8 some 16 kB at a time, into a buffer that grows by doubling: the text
 * dies young instead of living (and being copied by the garbage collector) until the chunk ends.
 */
class CsvBytes {
  private buf = new Uint8Array(1 << 16);
  private len = 0;
  private text = '';
  rows = 0;
  push(line: string): void {
    this.text += `${line}\n`;
    if (this.text.length > 16_384) this.flush();
  }
  private flush(): void {
    const t = this.text;
    // UTF-8 takes at most 3 bytes per UTF-16 code unit
    if (this.len + 3 * t.length > this.buf.length) {
      const next = new Uint8Array(Math.max(2 * this.buf.length, this.len + 3 * t.length));
      next.set(this.buf.subarray(0, this.len));
      this.buf = next;
    }
    this.len += encoder.encodeInto(t, this.buf.subarray(this.len)).written;
    this.text = '';
  }
  /** The bytes written, in an ArrayBuffer of their own; null when there are none. */
  take(): Uint8Array | null {
    this.flush();
    return this.len ? this.buf.slice(0, this.len) : null;
  }
}

/** A CSV field, quoted when it must be (empty strings are quoted so that only unquoted empties are NULL). */
function csvText(v: string): string {
  return v === '' || NEEDS_QUOTES.test(v) ? `"${v.replace(QUOTE, '""')}"` : v;
}

/** One staging CSV line: timestamps and dates as epoch ms, lists tab-joined, null as an empty field. */
export function csvLine(kinds: readonly number[], row: FhirRow): string {
  let line = '';
  for (let j = 0; j < kinds.length; j++) {
    const v = row[j];
    if (j > 0) line += ',';
    if (v === null) continue;
    const k = kinds[j];
    if (k === TEXT) line += csvText(v as string);
    else if (k === LIST) line += csvText((v as readonly string[]).join('\t'));
    else line += String(v);
  }
  return line;
}

/** True for a line of a Bulk Data export log (not a resource; skipped silently). */
function isExportLogLine(o: unknown): boolean {
  return isObject(o) && o.resourceType === undefined && (o.exportId !== undefined || o.eventId !== undefined);
}

/** True when `s` is empty or white space only (JSON text starts with `{` almost always). */
function isBlank(s: string): boolean {
  return s.length === 0 || (s.charCodeAt(0) !== 123 && s.trim() === '');
}

/** Maps one chunk. `units` (optional) are the units learned before it; see the module comment. */
export function mapChunkSync(task: ChunkTask): ChunkResult {
  const units = new UnitHarmoniser(task.units ?? []);
  const out = FHIR_TABLE_NAMES.map(() => new CsvBytes());
  const resources: Record<string, number> = {};
  const skipped: Record<string, number> = {};
  const errors: string[] = [];
  let moreErrors = 0;
  const report = (line: string) => {
    if (errors.length < MAX_REPORTED_ERRORS) errors.push(line);
    else moreErrors++;
  };
  const plain: MapContext = { units };

  const take = (res: FhirResource, ctx: MapContext) => {
    const type = res.resourceType;
    resources[type] = (resources[type] ?? 0) + 1;
    if (type === 'Bundle') return;
    const mapped = mapResource(res, ctx);
    if (mapped.kind === 'skipped') skipped[type] = (skipped[type] ?? 0) + 1;
    else if (mapped.kind === 'invalid') for (const i of mapped.issues) report(formatIssue(i));
    else {
      const t = TABLE_INDEX[mapped.table];
      const kinds = KINDS[t];
      const into = out[t];
      for (const row of mapped.rows) into.push(csvLine(kinds, row));
      into.rows += mapped.rows.length;
    }
  };
  const takeDocument = (doc: unknown, where: string) => {
    for (const item of resourcesOfDocument(doc, where)) {
      if (item.kind === 'error') report(item.message);
      else
        take(item.resource, {
          fullUrls: item.fullUrls,
          fallbackId: item.fallbackId,
          medications: item.medications,
          units,
        });
    }
  };

  const b = task.bytes;
  const text = Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8');
  if (task.kind === 'document') {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (e) {
      doc = undefined;
      report(`${task.shown}: not valid JSON (${(e as Error).message})`);
    }
    if (doc !== undefined) takeDocument(doc, task.shown);
  } else {
    // Line breaks as node:readline counts them: \r\n, \n, and a lone \r (rare: then split by a regex)
    const crlf = text.includes('\r');
    const split = crlf ? text.split(/\r\n|\r|\n/) : null;
    const n = split ? split.length : text.length;
    let at = 0;
    for (let i = 0; split ? i < n : at < n; i++) {
      let line: string;
      if (split) line = split[i];
      else {
        const nl = text.indexOf('\n', at);
        line = text.slice(at, nl === -1 ? n : nl);
        at = nl === -1 ? n : nl + 1;
      }
      if (isBlank(line)) continue;
      let doc: unknown;
      try {
        doc = JSON.parse(line);
      } catch (e) {
        report(`${task.shown}:${task.lineOffset + i + 1}: not valid JSON (${(e as Error).message})`);
        continue;
      }
      if (isObject(doc) && typeof doc.resourceType === 'string' && doc.resourceType !== 'Bundle')
        take(doc as FhirResource, plain);
      else if (!isExportLogLine(doc)) takeDocument(doc, `${task.shown}:${task.lineOffset + i + 1}`);
    }
  }
  return {
    csv: out.map((o) => o.take()),
    rows: out.map((o) => o.rows),
    resources,
    skipped,
    errors,
    moreErrors,
    learned: units.newlyLearned(),
    seeded: task.units !== undefined,
  };
}
