/** FASTA / FASTQ / VCF files → DuckDB dataset versions (streamed, atomic). */
import { createReadStream } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { DuckStore } from '../../store/index.js';
import { type FastqRecord, parseFasta, parseFastq, parseVcf, phredScores } from './parsers.js';
import { type ColumnTypes, writeRecordTable } from './table-writer.js';

export type GenomicsFormat = 'fasta' | 'fastq' | 'vcf';

export function genomicsFormatOf(file: string): GenomicsFormat | undefined {
  const f = file.toLowerCase().replace(/\.(gz|bgz)$/, '');
  if (/\.(fa|fasta|fna|ffn|faa)$/.test(f)) return 'fasta';
  if (/\.(fq|fastq)$/.test(f)) return 'fastq';
  if (/\.vcf$/.test(f)) return 'vcf';
  return undefined;
}

async function hashFile(file: string, tag: string): Promise<string> {
  const h = createHash('sha256').update(tag);
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}

const COLUMNS: Record<GenomicsFormat, ColumnTypes> = {
  fasta: [
    ['id', 'VARCHAR'],
    ['description', 'VARCHAR'],
    ['length', 'BIGINT'],
    ['gc', 'DOUBLE'],
    ['sequence', 'VARCHAR'],
  ],
  fastq: [
    ['id', 'VARCHAR'],
    ['description', 'VARCHAR'],
    ['length', 'INTEGER'],
    ['mean_quality', 'DOUBLE'],
    ['sequence', 'VARCHAR'],
    ['quality', 'VARCHAR'],
  ],
  vcf: [
    ['chrom', 'VARCHAR'],
    ['pos', 'BIGINT'],
    ['id', 'VARCHAR'],
    ['ref', 'VARCHAR'],
    ['alt', 'VARCHAR'],
    ['qual', 'DOUBLE'],
    ['filter', 'VARCHAR'],
    ['info', 'VARCHAR'],
    ['sample', 'VARCHAR'],
    ['genotype', 'VARCHAR'],
  ],
};

function meanQuality(r: FastqRecord): number | null {
  if (!r.quality.length) return null;
  const q = phredScores(r.quality);
  let s = 0;
  for (const v of q) s += v;
  return s / q.length;
}

/** Ingests a FASTA, FASTQ or VCF (plain, gzip or bgzip) file as a new version of dataset `name`. */
export async function ingestGenomicsFile(
  db: DuckStore,
  file: string,
  name: string,
  format = genomicsFormatOf(file),
) {
  if (!format) throw new Error(`cannot tell the format of ${path.basename(file)}`);
  const contentHash = await hashFile(file, `genomics-${format}-v1`);
  let rows: AsyncIterable<Record<string, unknown>>;
  if (format === 'fasta') {
    rows = (async function* () {
      for await (const r of parseFasta(file)) {
        let gc = 0;
        let n = 0;
        for (let i = 0; i < r.sequence.length; i++) {
          const c = r.sequence.charCodeAt(i);
          if (c === 71 || c === 67) gc++;
          if (c === 65 || c === 67 || c === 71 || c === 84) n++;
        }
        yield {
          id: r.id,
          description: r.description,
          length: r.sequence.length,
          gc: n ? gc / n : null,
          sequence: r.sequence,
        };
      }
    })();
  } else if (format === 'fastq') {
    rows = (async function* () {
      for await (const r of parseFastq(file))
        yield { ...r, length: r.sequence.length, mean_quality: meanQuality(r) };
    })();
  } else {
    rows = (async function* () {
      for await (const r of parseVcf(file)) yield { ...r };
    })();
  }
  return writeRecordTable(db, rows, {
    name,
    columns: COLUMNS[format],
    contentHash,
    source: `file:${path.basename(file)}`,
    format,
  });
}
