/**
 * Reads a request body into a reused buffer and hashes it on the way in (the same pool lends the
 * buffers large responses are written into: `pooledBuffer`). Fastify's own reader keeps
 * each chunk and concatenates them into a fresh buffer per request; for a 7.5 MB batch that is 7.5 MB
 * of memory the kernel has to hand over page by page on every request (on this project's virtual
 * machines each first touch of a 4 kB page costs 10–20 µs: ~25 ms a request), and the SHA-256 for
 * the audit entry ran over the whole body afterwards. Here chunks are copied into a buffer from a
 * small pool (sized from Content-Length, grown if the body is longer), hashed as they arrive, and
 * the buffer goes back to the pool once the body is parsed — nothing keeps a view of it.
 *
 * The checks are Fastify's: a Content-Length above the limit, or more bytes than the limit, is 413
 * `FST_ERR_CTP_BODY_TOO_LARGE`; a body shorter or longer than its Content-Length is 400
 * `FST_ERR_CTP_INVALID_CONTENT_LENGTH`; a stream error is 400.
 */
import { createHash, type Hash, hash } from 'node:crypto';
import type { Readable } from 'node:stream';
import Fastify from 'fastify';

const { FST_ERR_CTP_BODY_TOO_LARGE, FST_ERR_CTP_INVALID_CONTENT_LENGTH } = Fastify.errorCodes;

/** The largest buffer the pool keeps (a larger body gets a buffer of its own). */
const POOL_MAX_BYTES = 32 << 20;
/** Buffers kept for reuse. */
const POOL_SIZE = 4;

const free: Buffer[] = [];

/** A buffer of at least `size` bytes from the pool (or a new one); give it back with `returnBuffer`. */
export function pooledBuffer(size: number): Buffer {
  return acquire(size);
}

/** Gives a buffer from `pooledBuffer` back (nothing may use it afterwards). */
export function returnBuffer(buf: Buffer): void {
  release(buf);
}

function acquire(size: number): Buffer {
  let best = -1;
  for (let k = 0; k < free.length; k++)
    if (free[k].length >= size && (best < 0 || free[k].length < free[best].length)) best = k;
  if (best >= 0) return free.splice(best, 1)[0];
  // rounded up so that bodies of similar sizes share buffers
  return Buffer.allocUnsafeSlow(Math.max(16 << 10, 2 ** Math.ceil(Math.log2(Math.max(1, size)))));
}

function release(buf: Buffer): void {
  if (buf.length > POOL_MAX_BYTES) return;
  if (free.length < POOL_SIZE) free.push(buf);
  else {
    // keep the larger buffers: they are the expensive ones to fault in
    let smallest = 0;
    for (let k = 1; k < free.length; k++) if (free[k].length < free[smallest].length) smallest = k;
    if (free[smallest].length < buf.length) free[smallest] = buf;
  }
}

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
