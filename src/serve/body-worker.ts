/**
 * The body helper's thread (`body-helper.ts`): hashes bodies as they arrive and reads the second half
 * of a body's rows, from shared memory, answering through each job's flag.
 */
import { createHash, type Hash } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
import { readNumericRows } from '../runtime/index.js';

type Message =
  | {
      op: 'rows';
      body: Uint8Array;
      at: number;
      keyStart: number[];
      keyEnd: number[];
      cap: number;
      scratch: Float64Array;
      flag: Int32Array;
    }
  | { op: 'hash'; id: number; body: Uint8Array; from: number; to: number }
  | {
      op: 'hashEnd';
      id: number;
      body: Uint8Array;
      from: number;
      to: number;
      digest: Uint8Array;
      flag: Int32Array;
    }
  | { op: 'hashDrop'; id: number };

/** Hashes under way, by id. */
const hashes = new Map<number, Hash>();

function hashPart(id: number, body: Uint8Array, from: number, to: number): Hash {
  let h = hashes.get(id);
  if (!h) hashes.set(id, (h = createHash('sha256')));
  if (to > from) h.update(body.subarray(from, to));
  return h;
}

parentPort?.on('message', (m: Message) => {
  if (m.op === 'hash') {
    hashPart(m.id, m.body, m.from, m.to);
    return;
  }
  if (m.op === 'hashDrop') {
    hashes.delete(m.id);
    return;
  }
  let state = 2; // gave up: the event loop does it itself
  try {
    if (m.op === 'rows') {
      const cols = m.keyStart.map((_, j) => m.scratch.subarray(j * m.cap, (j + 1) * m.cap));
      const read = readNumericRows(m.body, m.at, m.keyStart, m.keyEnd, cols, m.cap);
      if (read) {
        m.flag[1] = read.n;
        m.flag[2] = read.end;
        state = 1;
      }
    } else {
      const h = hashPart(m.id, m.body, m.from, m.to);
      hashes.delete(m.id);
      m.digest.set(h.digest());
      state = 1;
    }
  } finally {
    Atomics.store(m.flag, 0, state);
    Atomics.notify(m.flag, 0);
  }
});
