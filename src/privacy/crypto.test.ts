import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { buffer as collect } from 'node:stream/consumers';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createDecryptStream,
  createEncryptStream,
  decryptBuffer,
  decryptFile,
  ENVELOPE_HEADER_BYTES,
  encryptBuffer,
  encryptFile,
  rotateBufferKey,
  rotateFileKey,
} from './crypto.js';

const K1 = new Uint8Array(randomBytes(32));
const K2 = new Uint8Array(randomBytes(32));

describe('envelope encryption (AES-256-GCM)', () => {
  it('round-trips any bytes and chunk size', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), fc.integer({ min: 1, max: 1024 }), (data, chunk) => {
        expect(Buffer.compare(decryptBuffer(encryptBuffer(data, K1, chunk), K1), Buffer.from(data))).toBe(0);
      }),
      { numRuns: 100 },
    );
  });
  it('detects any single-byte change, truncation and extension', () => {
    const data = randomBytes(5000);
    const enc = encryptBuffer(data, K1, 1024);
    for (const pos of [
      0,
      10,
      30,
      70,
      80,
      ENVELOPE_HEADER_BYTES + 2,
      ENVELOPE_HEADER_BYTES + 100,
      enc.length - 1,
    ]) {
      const bad = Buffer.from(enc);
      bad[pos] ^= 1;
      expect(() => decryptBuffer(bad, K1)).toThrowError(
        expect.objectContaining({ code: 'AEGLE_PRIVACY_TAMPERED' }),
      );
    }
    expect(() => decryptBuffer(enc.subarray(0, enc.length - 1044), K1)).toThrow(/truncated/);
    expect(() => decryptBuffer(Buffer.concat([enc, Buffer.alloc(30)]), K1)).toThrowError(
      expect.objectContaining({ code: 'AEGLE_PRIVACY_TAMPERED' }),
    );
    expect(() => decryptBuffer(enc, K2)).toThrow(/needs master key/);
  });
  it('rotation re-wraps the data key without re-encrypting the data', () => {
    const enc = encryptBuffer(Buffer.from('patient level data'), K1);
    const rot = rotateBufferKey(enc, K1, K2);
    expect(Buffer.compare(rot.subarray(ENVELOPE_HEADER_BYTES), enc.subarray(ENVELOPE_HEADER_BYTES))).toBe(0);
    expect(decryptBuffer(rot, K2).toString()).toBe('patient level data');
    expect(() => decryptBuffer(rot, K1)).toThrow();
  });
  it('files and streams: encryptFile/decryptFile, atomic, refuse tampering, rotate in place', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'aegle-enc-'));
    const plain = path.join(dir, 'a.bin');
    const data = randomBytes(300_000);
    writeFileSync(plain, data);
    await encryptFile(plain, path.join(dir, 'a.enc'), K1, 65536);
    expect(readFileSync(path.join(dir, 'a.enc')).includes(data.subarray(0, 64))).toBe(false);
    rotateFileKey(path.join(dir, 'a.enc'), K1, K2);
    await decryptFile(path.join(dir, 'a.enc'), path.join(dir, 'a.out'), K2);
    expect(Buffer.compare(readFileSync(path.join(dir, 'a.out')), data)).toBe(0);
    const bad = readFileSync(path.join(dir, 'a.enc'));
    bad[200_000] ^= 0x40;
    writeFileSync(path.join(dir, 'b.enc'), bad);
    await expect(decryptFile(path.join(dir, 'b.enc'), path.join(dir, 'b.out'), K2)).rejects.toMatchObject({
      code: 'AEGLE_PRIVACY_TAMPERED',
    });
    expect(existsSync(path.join(dir, 'b.out'))).toBe(false);
    const streamed = await collect(
      Readable.from([data.subarray(0, 7), data.subarray(7)])
        .pipe(createEncryptStream(K1, 4096))
        .pipe(createDecryptStream(K1)),
    );
    expect(Buffer.compare(streamed, data)).toBe(0);
  });
});
