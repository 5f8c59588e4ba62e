/**
 * FHIR sources → a stream of resources with what a mapper needs (Bundle fullUrl index, Bundle
 * Medications). Bundles (`.json`, any type; nested Bundles too) are read whole; Bulk Data NDJSON
 * (`.ndjson`, `.jsonl`) is streamed line by line, so its size is bounded only by the disk.
 * Spec: https://hl7.org/fhir/R4/bundle.html, https://hl7.org/fhir/uv/bulkdata/
 */
import { createReadStream } from 'node:fs';
import { open, readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { createError, sha256Stream } from '../../core/index.js';
import {
  type CodeableConcept,
  type FhirResource,
  type FullUrlIndex,
  isObject,
  type ResolvedRef,
} from '../../fhir/index.js';

/** One resource read, with its Bundle context; or a problem with a file or line. */
export type SourceItem =
  | {
      readonly kind: 'resource';
      readonly resource: FhirResource;
      readonly fullUrls?: FullUrlIndex;
      readonly fallbackId?: string;
      readonly medications?: ReadonlyMap<string, CodeableConcept>;
    }
  | { readonly kind: 'error'; readonly message: string };

const BUNDLE_EXT = ['.json'];
const NDJSON_EXT = ['.ndjson', '.jsonl'];

function kindOf(file: string): 'bundle' | 'ndjson' | null {
  const ext = path.extname(file).toLowerCase();
  if (BUNDLE_EXT.includes(ext)) return 'bundle';
  if (NDJSON_EXT.includes(ext)) return 'ndjson';
  return null;
}

/** Expands directories (recursively, sorted) into the FHIR files under them; files are kept as given. */
export async function listFhirFiles(paths: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  const walk = async (p: string, explicit: boolean): Promise<void> => {
    let st: Awaited<ReturnType<typeof stat>>;
    try {
      st = await stat(p);
    } catch {
      throw createError('AEGLE_INGEST_FILE_NOT_FOUND', { file: p });
    }
    if (st.isDirectory()) {
      const names = (await readdir(p)).sort();
      for (const n of names) await walk(path.join(p, n), false);
    } else if (explicit || kindOf(p)) out.push(p);
  };
  for (const p of paths) await walk(p, true);
  return out;
}

/** The type and id an entry's fullUrl stands for. */
function fullUrlTarget(fullUrl: string, res: FhirResource): ResolvedRef | null {
  if (typeof res.id === 'string') return { type: res.resourceType, id: res.id };
  if (fullUrl.startsWith('urn:uuid:') || fullUrl.startsWith('urn:oid:')) {
    return { type: res.resourceType, id: fullUrl.slice(fullUrl.lastIndexOf(':') + 1) };
  }
  return null;
}

/** Resources of a parsed JSON document: a Bundle's entries (recursively) or a single resource. */
export function* resourcesOfDocument(doc: unknown, where: string): Generator<SourceItem> {
  if (!isObject(doc) || typeof doc.resourceType !== 'string') {
    yield { kind: 'error', message: `${where}: not a FHIR resource (no resourceType)` };
    return;
  }
  const res = doc as FhirResource;
  yield { kind: 'resource', resource: res };
  if (res.resourceType !== 'Bundle') return;
  const entries = Array.isArray(res.entry) ? res.entry : [];
  const fullUrls = new Map<string, ResolvedRef>();
  const medications = new Map<string, CodeableConcept>();
  const items: Array<{ res: FhirResource; fallbackId?: string; index: number }> = [];
  entries.forEach((e: unknown, index: number) => {
    if (!isObject(e) || e.resource === undefined) return;
    if (!isObject(e.resource) || typeof e.resource.resourceType !== 'string') {
      items.push({ res: { resourceType: '' }, index });
      return;
    }
    const r = e.resource as FhirResource;
    const fullUrl = typeof e.fullUrl === 'string' ? e.fullUrl : undefined;
    let fallbackId: string | undefined;
    if (fullUrl) {
      const target = fullUrlTarget(fullUrl, r);
      if (target) {
        fullUrls.set(fullUrl, target);
        if (typeof r.id !== 'string') fallbackId = target.id;
      }
    }
    if (r.resourceType === 'Medication' && isObject(r.code)) {
      const id = typeof r.id === 'string' ? r.id : fallbackId;
      if (id) medications.set(id, r.code as CodeableConcept);
    }
    items.push({ res: r, fallbackId, index });
  });
  for (const { res: r, fallbackId, index } of items) {
    if (r.resourceType === '') {
      yield {
        kind: 'error',
        message: `${where}: Bundle.entry[${index}].resource is not a FHIR resource (no resourceType)`,
      };
    } else if (r.resourceType === 'Bundle') {
      yield* resourcesOfDocument(r, `${where} entry[${index}]`);
    } else yield { kind: 'resource', resource: r, fullUrls, fallbackId, medications };
  }
}

/** True for a line of a Bulk Data export log (not a resource; skipped silently). */
function isExportLogLine(o: unknown): boolean {
  return isObject(o) && o.resourceType === undefined && (o.exportId !== undefined || o.eventId !== undefined);
}

/** Streams the resources of every file, in order. Bad JSON is reported per file or line, never fatal. */
export async function* readFhirSources(files: readonly string[]): AsyncGenerator<SourceItem> {
  for (const file of files) {
    const shown = path.basename(file);
    const kind = kindOf(file);
    if (kind === 'ndjson') {
      const rl = createInterface({
        input: createReadStream(file, { highWaterMark: 1 << 20 }),
        crlfDelay: Number.POSITIVE_INFINITY,
      });
      let line = 0;
      for await (const text of rl) {
        line++;
        if (text.trim() === '') continue;
        let doc: unknown;
        try {
          doc = JSON.parse(text);
        } catch (e) {
          yield { kind: 'error', message: `${shown}:${line}: not valid JSON (${(e as Error).message})` };
          continue;
        }
        if (isExportLogLine(doc)) continue;
        yield* resourcesOfDocument(doc, `${shown}:${line}`);
      }
    } else {
      let doc: unknown;
      try {
        doc = JSON.parse(await readFile(file, 'utf8'));
      } catch (e) {
        yield { kind: 'error', message: `${shown}: not valid JSON (${(e as Error).message})` };
        continue;
      }
      yield* resourcesOfDocument(doc, shown);
    }
  }
}

/** A piece of a FHIR file as `readFhirChunks` cuts it: whole NDJSON lines, or a whole JSON file. */
export interface FileChunk {
  /** The file's name as error lines show it. */
  readonly shown: string;
  readonly kind: 'ndjson' | 'document';
  /** The bytes, in an ArrayBuffer of their own (so that they can be transferred to a worker). */
  readonly bytes: Uint8Array;
  /** Lines of the file before this chunk (NDJSON). */
  readonly lineOffset: number;
}

/** Line breaks in `b[0, end)` as node:readline counts them: \r\n, \n, and a lone \r. */
function countLineBreaks(b: Buffer, end: number): number {
  let n = 0;
  for (let p = b.indexOf(10); p !== -1 && p < end; p = b.indexOf(10, p + 1)) n++;
  const cr = b.indexOf(13);
  if (cr !== -1 && cr < end) {
    for (let i = cr; i < end; i++) if (b[i] === 13 && (i + 1 >= end || b[i + 1] !== 10)) n++;
  }
  return n;
}

/** A fresh buffer of `size` bytes that starts with `head`. */
function bufferWith(head: Buffer, size: number): Buffer {
  const b = Buffer.allocUnsafeSlow(size);
  head.copy(b);
  return b;
}

/**
 * Reads every file in order as chunks of about `chunkBytes`, cut after a line break (NDJSON) or
 * whole (JSON documents), and hashes the bytes on the way: `onFile(file, sha256)` is called when a
 * file has been read. One read of each byte, large reads, no per-line work.
 */
export async function* readFhirChunks(
  files: readonly string[],
  chunkBytes: number,
  onFile: (file: string, sha256: string) => void,
): AsyncGenerator<FileChunk> {
  for (const file of files) {
    const shown = path.basename(file);
    const hash = sha256Stream();
    if (kindOf(file) !== 'ndjson') {
      const read = await readFile(file);
      const bytes =
        read.byteOffset === 0 && read.buffer.byteLength === read.byteLength ? read : new Uint8Array(read);
      hash.update(bytes);
      onFile(file, hash.digest());
      yield { shown, kind: 'document', bytes, lineOffset: 0 };
      continue;
    }
    const fh = await open(file, 'r');
    try {
      let lines = 0;
      let carry: Buffer = Buffer.alloc(0);
      let size = chunkBytes;
      for (;;) {
        const buf = bufferWith(carry, Math.max(size, carry.length + 1));
        let filled = carry.length;
        let eof = false;
        while (filled < buf.length) {
          const { bytesRead } = await fh.read(buf, filled, buf.length - filled, null);
          if (bytesRead === 0) {
            eof = true;
            break;
          }
          filled += bytesRead;
        }
        const cut = eof ? filled : buf.lastIndexOf(10, filled - 1) + 1;
        if (cut === 0 && !eof) {
          // a line longer than the chunk: read on with a larger buffer
          carry = Buffer.from(buf.subarray(0, filled));
          size *= 2;
          continue;
        }
        carry = Buffer.from(buf.subarray(cut, filled));
        size = chunkBytes;
        if (cut > 0) {
          const bytes = buf.subarray(0, cut);
          hash.update(bytes);
          const lineOffset = lines;
          if (!eof) lines += countLineBreaks(buf, cut);
          yield { shown, kind: 'ndjson', bytes, lineOffset };
        }
        if (eof) break;
      }
    } finally {
      await fh.close();
    }
    onFile(file, hash.digest());
  }
}
