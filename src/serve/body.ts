/**
 * Reads a request body into a reused buffer (`core/buffer-pool.ts`) and hashes it on the way in.
 * Fastify's own reader keeps each chunk and concatenates them into a fresh buffer per request; for a
 * 7.5 MB batch that is 7.5 MB of memory the kernel has to hand over page by page on every request (on
 * this project's virtual machines each first touch of a 4 kB page costs 10–20 µs: ~25 ms a request),
 * and the SHA-256 for the audit entry ran over the whole body afterwards. Here chunks are copied into
 * a pooled buffer (sized from Content-Length, grown if the body is longer), hashed as they arrive,
 * and the buffer goes back to the pool once the body is parsed — nothing keeps a view of it.
 *
 * The checks are Fastify's: a Content-Length above the limit, or more bytes than the limit, is 413
 * `FST_ERR_CTP_BODY_TOO_LARGE`; a body shorter or longer than its Content-Length is 400
 * `FST_ERR_CTP_INVALID_CONTENT_LENGTH`; a stream error is 400.
 */
import { createHash, type Hash, hash } from 'node:crypto';
import type { Readable } from 'node:stream';
import Fastify from 'fastify';
import { pooledBuffer as acquire, returnBuffer as release } from '../core/index.js';

const { FST_ERR_CTP_BODY_TOO_LARGE, FST_ERR_CTP_INVALID_CONTENT_LENGTH } = Fastify.errorCodes;

/** A body read into a pooled buffer: its bytes (valid until `release`) and their SHA-256 (hex). */
export interface PooledBody {
  readonly bytes: Buffer;
  readonly sha256: string;
  release(): void;
}

/**
 * Reads `payload` (a request stream) up to `limit` bytes. Calls back once with an error (with the
 * HTTP status Fastify would use) or the body.
 */
export function readPooledBody(
  payload: Readable & { receivedEncodedLength?: number },
  contentLengthHeader: string | undefined,
  limit: number,
  done: (err: Error | null, body?: PooledBody) => void,
): void {
  const contentLength = Number(contentLengthHeader);
  if (contentLength > limit) {
    done(new FST_ERR_CTP_BODY_TOO_LARGE());
    return;
  }
  let buf = acquire(Number.isNaN(contentLength) ? 64 << 10 : contentLength);
  let length = 0;
  let hasher: Hash | null = null;
  let chunks = 0;
  const cleanup = () => {
    payload.removeListener('data', onData);
    payload.removeListener('end', onEnd);
    payload.removeListener('error', onEnd);
  };
  function onData(chunk: Buffer | string) {
    const c = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    if (length + c.length > limit || (payload.receivedEncodedLength ?? 0) > limit) {
      cleanup();
      release(buf);
      done(new FST_ERR_CTP_BODY_TOO_LARGE());
      return;
    }
    if (length + c.length > buf.length) {
      const grown = acquire(Math.max(length + c.length, buf.length * 2));
      buf.copy(grown, 0, 0, length);
      release(buf);
      buf = grown;
    }
    c.copy(buf, length);
    // hash from the second chunk on as the chunks arrive (a one-chunk body is hashed in one call)
    chunks++;
    if (chunks === 2) hasher = createHash('sha256').update(buf.subarray(0, length));
    if (hasher) hasher.update(c);
    length += c.length;
  }
  function onEnd(err?: Error & { statusCode?: number }) {
    cleanup();
    if (err != null) {
      release(buf);
      if (!(typeof err.statusCode === 'number' && err.statusCode >= 400)) err.statusCode = 400;
      done(err);
      return;
    }
    if (!Number.isNaN(contentLength) && (payload.receivedEncodedLength || length) !== contentLength) {
      release(buf);
      done(new FST_ERR_CTP_INVALID_CONTENT_LENGTH());
      return;
    }
    const bytes = buf.subarray(0, length);
    const sha256 = hasher ? (hasher as Hash).digest('hex') : hash('sha256', bytes, 'hex');
    let released = false;
    done(null, {
      bytes,
      sha256,
      release() {
        if (!released) release(buf);
        released = true;
      },
    });
  }
  payload.on('data', onData);
  payload.on('end', onEnd);
  payload.on('error', onEnd);
  payload.resume();
}
