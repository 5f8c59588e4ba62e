/**
 * Streaming parsers for FASTA, FASTQ and VCF 4.x: async generators over a file read line by line, so a
 * whole genome never sits in memory as text (a FASTA record's sequence is accumulated per record).
 * Gzip and bgzip (BGZF = concatenated gzip members, SAM spec §4.1) are detected by magic bytes;
 * node's zlib gunzip decodes every member in turn.
 */
import { createReadStream, openSync, readSync, closeSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import { createError } from '../../core/index.js';
import '../errors.js';

function isGzip(file: string): boolean {
  const fd = openSync(file, 'r');
  try {
    const b = Buffer.alloc(2);
    readSync(fd, b, 0, 2, 0);
    return b[0] === 0x1f && b[1] === 0x8b;
  } finally {
    closeSync(fd);
  }
}

/** Lines of a plain, gzip or bgzip text file. */
export async function* readLines(file: string): AsyncGenerator<string> {
  let stream: Readable = createReadStream(file);
  if (isGzip(file)) stream = stream.pipe(createGunzip());
  const rl = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of rl) yield line;
}

export interface FastaRecord {
  readonly id: string;
  readonly description: string;
  readonly sequence: string;
}

export async function* parseFasta(file: string): AsyncGenerator<FastaRecord> {
  let header: string | null = null;
  let parts: string[] = [];
  let lineNo = 0;
  for await (const raw of readLines(file)) {
    lineNo++;
    const line = raw.trim();
    if (line === '' || line.startsWith(';')) continue;
    if (line.startsWith('>')) {
      if (header !== null) yield fastaRecord(header, parts);
      header = line.slice(1);
      parts = [];
    } else {
      if (header === null)
        throw createError('AEGLE_INGEST_PARSE', {
          file: path.basename(file),
          line: lineNo,
          reason: "sequence data before the first '>' header",
        });
      parts.push(line);
    }
  }
  if (header !== null) yield fastaRecord(header, parts);
}

function fastaRecord(header: string, parts: string[]): FastaRecord {
  const sp = header.search(/\s/);
  return {
    id: sp < 0 ? header : header.slice(0, sp),
    description: sp < 0 ? '' : header.slice(sp + 1).trim(),
    sequence: parts.join('').toUpperCase(),
  };
}

export interface FastqRecord {
  readonly id: string;
  readonly description: string;
  readonly sequence: string;
  /** Phred+33 quality string, same length as the sequence. */
  readonly quality: string;
}

/** Four-line FASTQ (Cock et al. 2010). An empty sequence (with an empty quality line) is valid. */
export async function* parseFastq(file: string): AsyncGenerator<FastqRecord> {
  const it = readLines(file)[Symbol.asyncIterator]();
  let lineNo = 0;
  const next = async () => {
    const r = await it.next();
    if (r.done) return null;
    lineNo++;
    return r.value;
  };
  const bad = (reason: string) =>
    createError('AEGLE_INGEST_PARSE', { file: path.basename(file), line: lineNo, reason });
  for (;;) {
    let h = await next();
    while (h !== null && h.trim() === '') h = await next();
    if (h === null) return;
    if (!h.startsWith('@')) throw bad("a FASTQ record must start with '@'");
    const seq = await next();
    const plus = await next();
    const qual = await next();
    if (seq === null || plus === null || qual === null)
      throw bad('truncated record (a FASTQ record has 4 lines)');
    if (!plus.startsWith('+')) throw bad("the third line of a record must start with '+'");
    if (qual.length !== seq.length)
      throw bad(`quality length ${qual.length} differs from sequence length ${seq.length}`);
    const header = h.slice(1);
    const sp = header.search(/\s/);
    yield {
      id: sp < 0 ? header : header.slice(0, sp),
      description: sp < 0 ? '' : header.slice(sp + 1),
      sequence: seq.toUpperCase(),
      quality: qual,
    };
  }
}

/** Phred scores of a Phred+33 quality string. */
export function phredScores(quality: string): Uint8Array {
  const out = new Uint8Array(quality.length);
  for (let i = 0; i < quality.length; i++) out[i] = quality.charCodeAt(i) - 33;
  return out;
}

export interface VcfRecord {
  readonly chrom: string;
  readonly pos: number;
  readonly id: string | null;
  readonly ref: string;
  readonly alt: string;
  readonly qual: number | null;
  readonly filter: string | null;
  readonly info: string;
  /** Genotype (GT) of the first sample, e.g. `0|1`; null when there are no samples. */
  readonly genotype: string | null;
  readonly sample: string | null;
}

export interface VcfHeader {
  readonly meta: readonly string[];
  readonly samples: readonly string[];
}

/** VCF 4.x records (first sample's GT); `onHeader` receives the ## lines and sample names. */
export async function* parseVcf(file: string, onHeader?: (h: VcfHeader) => void): AsyncGenerator<VcfRecord> {
  const meta: string[] = [];
  let samples: string[] | null = null;
  let lineNo = 0;
  for await (const line of readLines(file)) {
    lineNo++;
    if (line.startsWith('##')) {
      meta.push(line);
      continue;
    }
    if (line.startsWith('#CHROM')) {
      samples = line.split('\t').slice(9);
      onHeader?.({ meta, samples });
      continue;
    }
    if (line.trim() === '') continue;
    if (samples === null)
      throw createError('AEGLE_INGEST_PARSE', {
        file: path.basename(file),
        line: lineNo,
        reason: 'record before the #CHROM header line',
      });
    const f = line.split('\t');
    if (f.length < 8)
      throw createError('AEGLE_INGEST_PARSE', {
        file: path.basename(file),
        line: lineNo,
        reason: `a VCF record has at least 8 tab-separated fields, got ${f.length}`,
      });
    const pos = Number(f[1]);
    if (!Number.isInteger(pos) || pos < 1)
      throw createError('AEGLE_INGEST_PARSE', {
        file: path.basename(file),
        line: lineNo,
        reason: `POS must be a positive integer, got '${f[1]}'`,
      });
    let genotype: string | null = null;
    if (f.length > 9) {
      const gtIdx = f[8].split(':').indexOf('GT');
      genotype = gtIdx >= 0 ? (f[9].split(':')[gtIdx] ?? null) : null;
    }
    yield {
      chrom: f[0],
      pos,
      id: f[2] === '.' ? null : f[2],
      ref: f[3],
      alt: f[4],
      qual: f[5] === '.' ? null : Number(f[5]),
      filter: f[6] === '.' ? null : f[6],
      info: f[7],
      genotype,
      sample: samples[0] ?? null,
    };
  }
}
