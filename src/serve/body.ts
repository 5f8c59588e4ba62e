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
import type { BackgroundHash, BodyHelper } from './body-helper.js';

/** With a body helper, the bytes handed to its thread for hashing at a time. */
const HASH_STEP_BYTES = 1 << 20;

const { FST_ERR_CTP_BODY_TOO_LARGE, FST_ERR_CTP_INVALID_CONTENT_LENGTH } = Fastify.errorCodes;

/** A body read into a pooled buffer: its bytes (valid until `release`) and their SHA-256. */
export interface PooledBody {
  readonly bytes: Buffer;
  /** The SHA-256 of the bytes (hex); after `hashInBackground`, waits for the helper thread's. */
  sha256(): string;
  /**
   * With a body helper: starts the hash on its thread (call it once the helper has read the rows,
   * so the hash does not delay them). Without one: nothing (the hash was taken on the way in).
   */
  hashInBackground(): void;
  /** The bytes are no longer read (a background hash may still: the buffer goes back after it). */
  release(): void;
}

/**
 * Reads `payload` (a request stream) up to `limit` bytes. Calls back once with an error (with the
 * HTTP status Fastify would use) or the body. `helperFor(contentLength)` may lend a body helper
 * (`body-helper.ts`): the body then goes into shared memory and is hashed on its thread, a megabyte
 * at a time as it arrives; the last part once `hashInBackground` is called.
 */
export function readPooledBody(
  payload: Readable & { receivedEncodedLength?: number },
  contentLengthHeader: string | undefined,
  limit: number,
  done: (err: Error | null, body?: PooledBody) => void,
  helperFor: (contentLength: number) => BodyHelper | null = () => null,
): void {
  const contentLength = Number(contentLengthHeader);
  if (contentLength > limit) {
    done(new FST_ERR_CTP_BODY_TOO_LARGE());
    return;
  }
  const helper = Number.isNaN(contentLength) ? null : helperFor(contentLength);
  let buf = acquire(Number.isNaN(contentLength) ? 64 << 10 : contentLength, helper !== null);
  let length = 0;
  let hasher: Hash | null = null;
  let chunks = 0;
  // with a helper: the hash runs on its thread, a step at a time as the body arrives
  let background: BackgroundHash | null = helper ? helper.startHash() : null;
  let hashedTo = 0;
  const cleanup = () => {
    payload.removeListener('data', onData);
    payload.removeListener('end', onEnd);
    payload.removeListener('error', onEnd);
  };
  const refuse = (err: Error) => {
    cleanup();
    background?.drop();
    release(buf);
    done(err);
  };
  function onData(chunk: Buffer | string) {
    const c = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    if (length + c.length > limit || (payload.receivedEncodedLength ?? 0) > limit) {
      refuse(new FST_ERR_CTP_BODY_TOO_LARGE());
      return;
    }
    if (length + c.length > buf.length) {
      // (with a helper the buffer holds the declared length: this body is longer, and is refused
      // at its end; the old buffer goes back to the pool now, so the thread must not read it on)
      if (background) {
        background.drop();
        background = null;
      }
      const grown = acquire(Math.max(length + c.length, buf.length * 2), helper !== null);
      buf.copy(grown, 0, 0, length);
      release(buf);
      buf = grown;
    }
    c.copy(buf, length);
    if (background) {
      length += c.length;
      if (length - hashedTo >= HASH_STEP_BYTES) {
        background.update(buf, length);
        hashedTo = length;
      }
      return;
    }
    // hash from the second chunk on as the chunks arrive (a one-chunk body is hashed in one call)
    chunks++;
    if (chunks === 2) hasher = createHash('sha256').update(buf.subarray(0, length));
    if (hasher) hasher.update(c);
    length += c.length;
  }
  function onEnd(err?: Error & { statusCode?: number }) {
    if (err != null) {
      if (!(typeof err.statusCode === 'number' && err.statusCode >= 400)) err.statusCode = 400;
      refuse(err);
      return;
    }
    if (!Number.isNaN(contentLength) && (payload.receivedEncodedLength || length) !== contentLength) {
      refuse(new FST_ERR_CTP_INVALID_CONTENT_LENGTH());
      return;
    }
    cleanup();
    const bytes = buf.subarray(0, length);
    const whole = buf;
    const bg = background;
    let hex: string | null = null;
    if (!bg) hex = hasher ? (hasher as Hash).digest('hex') : hash('sha256', bytes, 'hex');
    let pending: (() => string) | null = null;
    let readersDone = false;
    let returned = false;
    const giveBack = () => {
      if (!returned) release(whole);
      returned = true;
    };
    done(null, {
      bytes,
      sha256() {
        if (hex === null) {
          if (pending) hex = pending();
          else {
            // asked before `hashInBackground`: taken here, the thread's part forgotten
            bg?.drop();
            hex = hash('sha256', bytes, 'hex');
          }
          if (readersDone) giveBack();
        }
        return hex;
      },
      hashInBackground() {
        if (bg && hex === null && !pending) pending = bg.finish(whole, length);
      },
      release() {
        readersDone = true;
        // a hash still running reads the buffer: it goes back once `sha256()` has the answer
        if (!pending || hex !== null) giveBack();
      },
    });
  }
  payload.on('data', onData);
  payload.on('end', onEnd);
  payload.on('error', onEnd);
  payload.resume();
}
