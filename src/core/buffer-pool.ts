/**
 * A small pool of large byte buffers, reused across requests. On this project's virtual machines each
 * first touch of a fresh 4 kB page costs 10–20 µs, so a server that allocates a few MB per request
 * (a request body, an answer, a prediction-log record) pays milliseconds in page faults alone; a
 * buffer taken from here has been touched before. Whoever takes one gives it back once nothing
 * reads it any more (a view kept after that sees the next user's bytes).
 */

/** The largest buffer the pool keeps (a larger one is left to the garbage collector). */
const POOL_MAX_BYTES = 32 << 20;
/** Buffers kept for reuse. */
const POOL_SIZE = 8;

const free: Buffer[] = [];
/** Buffers over shared memory (another thread may read them), kept apart. */
const freeShared: Buffer[] = [];

function acquire(size: number, shared: boolean): Buffer {
  const list = shared ? freeShared : free;
  let best = -1;
  for (let k = 0; k < list.length; k++)
    if (list[k].length >= size && (best < 0 || list[k].length < list[best].length)) best = k;
  if (best >= 0) return list.splice(best, 1)[0];
  // rounded up to a power of two so that requests of similar sizes share buffers
  const bytes = Math.max(16 << 10, 2 ** Math.ceil(Math.log2(Math.max(1, size))));
  return shared ? Buffer.from(new SharedArrayBuffer(bytes)) : Buffer.allocUnsafeSlow(bytes);
}

function release(buf: Buffer): void {
  const list = buf.buffer instanceof SharedArrayBuffer ? freeShared : free;
  // a second return of the same buffer would lend it to two users at once
  if (buf.length > POOL_MAX_BYTES || list.includes(buf)) return;
  if (list.length < POOL_SIZE) list.push(buf);
  else {
    // keep the larger buffers: they are the expensive ones to fault in
    let smallest = 0;
    for (let k = 1; k < list.length; k++) if (list[k].length < list[smallest].length) smallest = k;
    if (list[smallest].length < buf.length) list[smallest] = buf;
  }
}

/**
 * A buffer of at least `size` bytes (contents undefined) from the pool, or a new one; `shared`: over
 * a SharedArrayBuffer, for a worker thread to read without a copy.
 */
export function pooledBuffer(size: number, shared = false): Buffer {
  return acquire(size, shared);
}

/** Gives a buffer from `pooledBuffer` back (nothing may use it afterwards). */
export function returnBuffer(buf: Buffer): void {
  release(buf);
}
