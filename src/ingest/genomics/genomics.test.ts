import { describe, expect, it } from 'vitest';
import { DuckStore } from '../../store/index.js';
import {
  ingestGenomicsFile,
  kmerCounts,
  kmerNames,
  oneHotEncode,
  parseFasta,
  parseFastq,
  parseVcf,
  phredScores,
  reverseComplement,
} from './index.js';

const DIR = new URL('../../../../shared/data/genomics/', import.meta.url).pathname;

async function all<T>(g: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of g) out.push(x);
  return out;
}

describe('genomics parsers', () => {
  it('FASTA: MT-human is 16,569 bp and SARS-CoV-2 is 29,903 bp', async () => {
    const mt = await all(parseFasta(`${DIR}MT-human.fa`));
    expect(mt).toHaveLength(1);
    expect(mt[0].sequence.length).toBe(16569);
    const cov = await all(parseFasta(`${DIR}SARS-CoV-2_MN908947.3.fasta`));
    expect(cov[0].id).toBe('MN908947.3');
    expect(cov[0].sequence.length).toBe(29903);
    expect(cov[0].sequence.startsWith('ATTAAAGGTT')).toBe(true);
  });

  it('FASTQ: 9 reads with qualities, the first with an empty sequence', async () => {
    const r1 = await all(parseFastq(`${DIR}fastp_R1.fq`));
    expect(r1).toHaveLength(9);
    expect(r1[0].sequence).toBe('');
    expect(r1[0].quality).toBe('');
    for (const r of r1) expect(r.quality.length).toBe(r.sequence.length);
    expect(r1[1].sequence.length).toBeGreaterThan(0);
    expect(Math.max(...phredScores(r1[1].quality))).toBeLessThanOrEqual(45);
  });

  it('VCF (bgzip): 952 variants on chr21 for NA18537', async () => {
    let samples: readonly string[] = [];
    const v = await all(parseVcf(`${DIR}NA18537.chr21.1000G.vcf.gz`, (h) => (samples = h.samples)));
    expect(v).toHaveLength(952);
    expect(new Set(v.map((r) => r.chrom))).toEqual(new Set(['21']));
    expect(samples).toEqual(['NA18537']);
    expect(v[0].genotype).toMatch(/^[01][|/][01]$/);
    for (let i = 1; i < v.length; i++) expect(v[i].pos).toBeGreaterThanOrEqual(v[i - 1].pos);
  });
});

describe('sequence encoders', () => {
  it('reverse complement, one-hot and k-mer counts', () => {
    expect(reverseComplement('ATGCN')).toBe('NGCAT');
    expect(Array.from(oneHotEncode('ACGTN'))).toEqual([
      1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0,
    ]);
    expect(Array.from(oneHotEncode('N', { ambiguous: 'uniform' }))).toEqual([0.25, 0.25, 0.25, 0.25]);
    const names = kmerNames(2);
    expect(names.slice(0, 5)).toEqual(['AA', 'AC', 'AG', 'AT', 'CA']);
    const c = kmerCounts('AACGTNAA', 2);
    expect(c[names.indexOf('AA')]).toBe(2);
    expect(c[names.indexOf('AC')]).toBe(1);
    expect(c.reduce((a, b) => a + b, 0)).toBe(5);
    // canonical: ACG and its reverse complement CGT count together
    const k3 = kmerNames(3);
    const can = kmerCounts('ACGT', 3, { canonical: true });
    expect(can[k3.indexOf('ACG')]).toBe(2);
  });
});

describe('genomics ingest into DuckDB', () => {
  it('writes FASTA, FASTQ and VCF tables atomically', async () => {
    const db = await DuckStore.create({ path: ':memory:' });
    const vcf = await ingestGenomicsFile(db, `${DIR}NA18537.chr21.1000G.vcf.gz`, 'na18537');
    expect(vcf.dataset.rows).toBe(952);
    const fq = await ingestGenomicsFile(db, `${DIR}fastp_R1.fq`, 'reads');
    expect(fq.dataset.rows).toBe(9);
    const fa = await ingestGenomicsFile(db, `${DIR}MT-human.fa`, 'mt');
    const [{ length }] = await db.all<{ length: number }>(`SELECT length FROM "${fa.dataset.table}"`);
    expect(Number(length)).toBe(16569);
    expect((await ingestGenomicsFile(db, `${DIR}fastp_R1.fq`, 'reads')).unchanged).toBe(true);
    await db.close();
  });
});
