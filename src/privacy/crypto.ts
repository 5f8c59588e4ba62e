/**
 * Encryption at rest: envelope encryption with AES-256-GCM (NIST SP 800-38D).
 *
 * Each object gets a fresh random 256-bit data key (DEK); the DEK is wrapped (AES-256-GCM) by the master
 * key (KEK) from config or a key file. Data are encrypted in chunks, each with its own nonce
 * (8-byte random prefix ‖ 32-bit chunk index) and authenticated together with the fixed header, its
 * index and a final-chunk flag, so altering, reordering, truncating or extending the file is detected.
 * Rotating the master key re-wraps the DEK in the 88-byte header; the data bytes are not re-encrypted.
 *
 * Layout: magic "AEGLENC1" (8) ‖ kid (8, SHA-256 of the KEK) ‖ wrap IV (12) ‖ wrapped DEK (32) ‖
 * wrap tag (16) ‖ data nonce prefix (8) ‖ chunk size u32 BE (4) ‖ chunks: length u32 BE ‖ ciphertext ‖ tag (16).
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
  fsyncSync,
  writeSync,
  createReadStream,
  createWriteStream,
} from 'node:fs';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createError } from '../core/index.js';
import './errors.js';
import { tempPathFor } from './atomic.js';

const MAGIC = Buffer.from('AEGLENC1', 'latin1');
export const ENVELOPE_HEADER_BYTES = 88;
const DEFAULT_CHUNK = 64 * 1024;

function checkKey(key: Uint8Array, what: string): Buffer {
  if (!(key instanceof Uint8Array) || key.length !== 32) {
    throw createError('AEGLE_PRIVACY_BAD_KEY', {
      what,
      expected: '32 bytes',
      got: `${key?.length ?? 0} bytes`,
    });
  }
  return Buffer.from(key);
}

/** The 8-byte key id of a master key (lets rotation and errors say which key an object needs). */
export function keyId(master: Uint8Array): string {
  return createHash('sha256').update(master).digest().subarray(0, 8).toString('hex');
}

function fixedPart(h: Buffer): Buffer {
  // magic, nonce prefix, chunk size: what never changes on rotation
  return Buffer.concat([h.subarray(0, 8), h.subarray(76, 88)]);
}

function makeHeader(master: Buffer, dek: Buffer, chunkSize: number): Buffer {
  const h = Buffer.alloc(ENVELOPE_HEADER_BYTES);
  MAGIC.copy(h, 0);
  Buffer.from(keyId(master), 'hex').copy(h, 8);
  randomBytes(8).copy(h, 76);
  h.writeUInt32BE(chunkSize, 84);
  wrapInto(h, master, dek);
  return h;
}

function wrapInto(h: Buffer, master: Buffer, dek: Buffer): void {
  Buffer.from(keyId(master), 'hex').copy(h, 8);
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', master, iv);
  c.setAAD(Buffer.concat([fixedPart(h), h.subarray(8, 16)]));
  const w = Buffer.concat([c.update(dek), c.final()]);
  iv.copy(h, 16);
  w.copy(h, 28);
  c.getAuthTag().copy(h, 60);
}

function parseHeader(h: Buffer, what: string): void {
  if (h.length < ENVELOPE_HEADER_BYTES || !h.subarray(0, 8).equals(MAGIC)) {
    throw createError('AEGLE_PRIVACY_TAMPERED', { what, reason: 'not an Aegle envelope (bad magic)' });
  }
}

function unwrap(h: Buffer, master: Buffer, what: string): Buffer {
  parseHeader(h, what);
  try {
    const d = createDecipheriv('aes-256-gcm', master, h.subarray(16, 28));
    d.setAAD(Buffer.concat([fixedPart(h), h.subarray(8, 16)]));
    d.setAuthTag(h.subarray(60, 76));
    return Buffer.concat([d.update(h.subarray(28, 60)), d.final()]);
  } catch {
    const kid = h.subarray(8, 16).toString('hex');
    throw createError('AEGLE_PRIVACY_TAMPERED', {
      what,
      reason:
        kid === keyId(master)
          ? 'the wrapped data key does not authenticate'
          : `it needs master key ${kid}, not ${keyId(master)}`,
    });
  }
}

function nonce(h: Buffer, index: number): Buffer {
  const n = Buffer.alloc(12);
  h.copy(n, 0, 76, 84);
  n.writeUInt32BE(index, 8);
  return n;
}

function aad(h: Buffer, index: number, final: boolean): Buffer {
  const a = Buffer.alloc(5);
  a.writeUInt32BE(index, 0);
  a[4] = final ? 1 : 0;
  return Buffer.concat([fixedPart(h), a]);
}

function sealChunk(h: Buffer, dek: Buffer, index: number, data: Buffer, final: boolean): Buffer {
  const c = createCipheriv('aes-256-gcm', dek, nonce(h, index));
  c.setAAD(aad(h, index, final));
  const ct = Buffer.concat([c.update(data), c.final()]);
  const len = Buffer.alloc(4);
  len.writeUInt32BE((ct.length | (final ? 0x80000000 : 0)) >>> 0, 0);
  return Buffer.concat([len, ct, c.getAuthTag()]);
}

/** Incremental decryptor over the chunk stream (after the header). */
function chunkOpener(h: Buffer, dek: Buffer, what: string) {
  let buf: Buffer = Buffer.alloc(0);
  let index = 0;
  let done = false;
  const tampered = (reason: string) => createError('AEGLE_PRIVACY_TAMPERED', { what, reason });
  return {
    push(data: Buffer): Buffer[] {
      buf = buf.length ? Buffer.concat([buf, data]) : data;
      const out: Buffer[] = [];
      while (buf.length >= 4) {
        if (done) throw tampered('data after the final chunk');
        const word = buf.readUInt32BE(0);
        const final = (word & 0x80000000) !== 0;
        const len = word & 0x7fffffff;
        if (len > h.readUInt32BE(84)) throw tampered('a chunk is longer than the chunk size');
        if (buf.length < 4 + len + 16) break;
        try {
          const d = createDecipheriv('aes-256-gcm', dek, nonce(h, index));
          d.setAAD(aad(h, index, final));
          d.setAuthTag(buf.subarray(4 + len, 4 + len + 16));
          out.push(Buffer.concat([d.update(buf.subarray(4, 4 + len)), d.final()]));
        } catch {
          throw tampered(`chunk ${index} does not authenticate`);
        }
        buf = buf.subarray(4 + len + 16);
        index++;
        if (final) done = true;
      }
      return out;
    },
    end(): void {
      if (!done || buf.length) throw tampered('the file is truncated (no final chunk)');
    },
  };
}

/** Encrypts bytes into an envelope. */
export function encryptBuffer(data: Uint8Array, master: Uint8Array, chunkSize = DEFAULT_CHUNK): Buffer {
  const kek = checkKey(master, 'The master key');
  const dek = randomBytes(32);
  const h = makeHeader(kek, dek, chunkSize);
  const parts: Buffer[] = [h];
  const src = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  let index = 0;
  for (let off = 0; ; off += chunkSize) {
    const end = Math.min(src.length, off + chunkSize);
    const final = end >= src.length;
    parts.push(sealChunk(h, dek, index++, src.subarray(off, end), final));
    if (final) break;
  }
  return Buffer.concat(parts);
}

/** Decrypts an envelope; throws AEGLE_PRIVACY_TAMPERED on any alteration or a wrong key. */
export function decryptBuffer(data: Uint8Array, master: Uint8Array, what = '(buffer)'): Buffer {
  const kek = checkKey(master, 'The master key');
  const b = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  parseHeader(b, what);
  const h = Buffer.from(b.subarray(0, ENVELOPE_HEADER_BYTES));
  const dek = unwrap(h, kek, what);
  const o = chunkOpener(h, dek, what);
  const out = o.push(Buffer.from(b.subarray(ENVELOPE_HEADER_BYTES)));
  o.end();
  return Buffer.concat(out);
}

/** A Transform stream that encrypts (plaintext in, envelope out). */
export function createEncryptStream(master: Uint8Array, chunkSize = DEFAULT_CHUNK): Transform {
  const kek = checkKey(master, 'The master key');
  const dek = randomBytes(32);
  const h = makeHeader(kek, dek, chunkSize);
  let pending: Buffer = Buffer.alloc(0);
  let index = 0;
  let started = false;
  return new Transform({
    transform(chunk: Buffer, _enc, cb: TransformCallback) {
      if (!started) {
        this.push(h);
        started = true;
      }
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      // keep at least one byte back so the final chunk is known at flush
      while (pending.length > chunkSize) {
        this.push(sealChunk(h, dek, index++, pending.subarray(0, chunkSize), false));
        pending = pending.subarray(chunkSize);
      }
      cb();
    },
    flush(cb: TransformCallback) {
      if (!started) this.push(h);
      this.push(sealChunk(h, dek, index++, pending, true));
      cb();
    },
  });
}

/** A Transform stream that decrypts an envelope; errors with AEGLE_PRIVACY_TAMPERED on alteration. */
export function createDecryptStream(master: Uint8Array, what = '(stream)'): Transform {
  const kek = checkKey(master, 'The master key');
  let head: Buffer = Buffer.alloc(0);
  let opener: ReturnType<typeof chunkOpener> | null = null;
  return new Transform({
    transform(chunk: Buffer, _enc, cb: TransformCallback) {
      try {
        if (!opener) {
          head = Buffer.concat([head, chunk]);
          if (head.length < ENVELOPE_HEADER_BYTES) return cb();
          const h = Buffer.from(head.subarray(0, ENVELOPE_HEADER_BYTES));
          opener = chunkOpener(h, unwrap(h, kek, what), what);
          chunk = head.subarray(ENVELOPE_HEADER_BYTES);
        }
        for (const b of opener.push(chunk)) this.push(b);
        cb();
      } catch (e) {
        cb(e as Error);
      }
    },
    flush(cb: TransformCallback) {
      try {
        if (!opener) throw createError('AEGLE_PRIVACY_TAMPERED', { what, reason: 'the header is truncated' });
        opener.end();
        cb();
      } catch (e) {
        cb(e as Error);
      }
    },
  });
}

/** Encrypts a file into `out` (streaming, atomic: a temp file renamed into place). */
export async function encryptFile(
  input: string,
  out: string,
  master: Uint8Array,
  chunkSize = DEFAULT_CHUNK,
): Promise<void> {
  const tmp = tempPathFor(out);
  try {
    await pipeline(
      createReadStream(input),
      createEncryptStream(master, chunkSize),
      createWriteStream(tmp, { mode: 0o600 }),
    );
    renameSync(tmp, out);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** Decrypts an envelope file into `out` (streaming, atomic); nothing is left at `out` if it fails. */
export async function decryptFile(input: string, out: string, master: Uint8Array): Promise<void> {
  const tmp = tempPathFor(out);
  try {
    await pipeline(
      createReadStream(input),
      createDecryptStream(master, input),
      createWriteStream(tmp, { mode: 0o600 }),
    );
    renameSync(tmp, out);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/**
 * Re-wraps an envelope file's data key under a new master key. Only the 88-byte header changes; the
 * encrypted data are copied byte for byte. Atomic.
 */
export function rotateFileKey(file: string, oldMaster: Uint8Array, newMaster: Uint8Array): void {
  const oldK = checkKey(oldMaster, 'The old master key');
  const newK = checkKey(newMaster, 'The new master key');
  const fd = openSync(file, 'r');
  const tmp = tempPathFor(file);
  const out = openSync(tmp, 'w', 0o600);
  try {
    const h = Buffer.alloc(ENVELOPE_HEADER_BYTES);
    const got = readSync(fd, h, 0, ENVELOPE_HEADER_BYTES, 0);
    if (got < ENVELOPE_HEADER_BYTES)
      throw createError('AEGLE_PRIVACY_TAMPERED', { what: file, reason: 'the header is truncated' });
    const dek = unwrap(h, oldK, file);
    wrapInto(h, newK, dek);
    writeSync(out, h);
    const buf = Buffer.alloc(1 << 20);
    let pos = ENVELOPE_HEADER_BYTES;
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, pos);
      if (n <= 0) break;
      writeSync(out, buf, 0, n);
      pos += n;
    }
    fsyncSync(out);
  } catch (e) {
    closeSync(out);
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(out);
  closeSync(fd);
  renameSync(tmp, file);
}

/** Re-wraps an in-memory envelope under a new master key (data bytes unchanged). */
export function rotateBufferKey(data: Uint8Array, oldMaster: Uint8Array, newMaster: Uint8Array): Buffer {
  const b = Buffer.from(data);
  const h = b.subarray(0, ENVELOPE_HEADER_BYTES);
  const dek = unwrap(Buffer.from(h), checkKey(oldMaster, 'The old master key'), '(buffer)');
  wrapInto(h, checkKey(newMaster, 'The new master key'), dek);
  return b;
}
