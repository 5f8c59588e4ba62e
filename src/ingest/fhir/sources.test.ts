import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type FileChunk, readFhirChunks } from './sources.js';

describe('readFhirChunks', () => {
  it('cuts NDJSON after line breaks, counts lines as readline does, and hashes every byte', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'aegle-chunks-'));
    const long = `{"resourceType":"Patient","id":"${'x'.repeat(300)}"}`;
    const text = `{"a":1}\r\n{"b":2}\r{"c":3}\n\n${long}\n{"d":4}`;
    const file = path.join(dir, 'p.ndjson');
    writeFileSync(file, text);
    const digests: string[] = [];
    const chunks: FileChunk[] = [];
    for await (const c of readFhirChunks([file], 16, (_f, d) => digests.push(d)))
      chunks.push({ ...c, bytes: new Uint8Array(c.bytes) });
    const dec = new TextDecoder();
    expect(chunks.map((c) => dec.decode(c.bytes)).join('')).toBe(text);
    for (const c of chunks.slice(0, -1)) expect(c.bytes[c.bytes.length - 1]).toBe(10);
    // each chunk's offset is the number of lines before it (\r\n, \n and a lone \r each end one)
    let before = '';
    for (const c of chunks) {
      expect(c.lineOffset).toBe(before.split(/\r\n|\r|\n/).length - 1);
      before += dec.decode(c.bytes);
    }
    expect(chunks.length).toBeGreaterThan(3);
    expect(chunks.some((c) => dec.decode(c.bytes).includes(long))).toBe(true);
    expect(digests).toEqual([createHash('sha256').update(text).digest('hex')]);
  });

  it('reads a JSON document whole, in a buffer of its own', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'aegle-chunks-'));
    const file = path.join(dir, 'b.json');
    writeFileSync(file, '{"resourceType":"Bundle"}');
    const chunks: FileChunk[] = [];
    for await (const c of readFhirChunks([file], 4, () => {})) chunks.push(c);
    expect(chunks).toHaveLength(1);
    expect(chunks[0].kind).toBe('document');
    expect(chunks[0].bytes.byteLength).toBe(chunks[0].bytes.buffer.byteLength);
  });
});
