/**
 * The inference worker of one model instance (see session-host.ts): it owns the model's onnxruntime
 * sessions and answers open / run / release requests from the main thread one after another, in the
 * order they came, moving output buffers back as transferables. An `exit` request ends the thread
 * once the requests before it are answered (never in the middle of a native run: see session-host.ts).
 */
import { parentPort } from 'node:worker_threads';
import type * as ort from 'onnxruntime-node';
import { describeSession, firstLine, openOrtSession, runOrtSession } from './ort-session.js';
import type { WireTensor, WorkerReply, WorkerRequest } from './session-host.js';
import type { TensorData } from './tensor.js';

const port = parentPort;
if (!port) throw new Error('session-worker.ts runs as a worker thread only');

const sessions = new Map<number, ort.InferenceSession>();

/** The output's array, copied into a buffer of its own when it is a view into a larger one. */
function movable(t: TensorData): TensorData['data'] {
  const d = t.data;
  if (Array.isArray(d) || (d.byteOffset === 0 && d.byteLength === d.buffer.byteLength)) return d;
  return d.slice();
}

async function handle(
  req: Exclude<WorkerRequest, { op: 'exit' }>,
): Promise<{ reply: WorkerReply; transfer: ArrayBuffer[] }> {
  switch (req.op) {
    case 'open': {
      const opened = await openOrtSession(req.bytes, req.settings);
      await sessions.get(req.session)?.release();
      sessions.set(req.session, opened.session);
      const { inputs, outputs } = describeSession(opened.session);
      const reply: WorkerReply = {
        id: req.id,
        ok: true,
        opened: {
          inputs,
          outputs,
          executionProvider: opened.executionProvider,
          cudaFallback: opened.cudaFallback,
        },
      };
      return { reply, transfer: [] };
    }
    case 'run': {
      const session = sessions.get(req.session);
      if (!session) throw new Error(`session ${req.session} is not open in this worker`);
      const feeds: Record<string, TensorData> = {};
      for (const t of req.feeds) feeds[t.name] = t;
      const result = await runOrtSession(session, feeds, req.names);
      const outputs: WireTensor[] = req.names.map((name) => {
        const t = result[name];
        return { name, dtype: t.dtype, shape: t.shape, data: movable(t) };
      });
      const transfer = outputs.flatMap((t) => (Array.isArray(t.data) ? [] : [t.data.buffer as ArrayBuffer]));
      return { reply: { id: req.id, ok: true, outputs }, transfer: [...new Set(transfer)] };
    }
    case 'release': {
      const session = sessions.get(req.session);
      sessions.delete(req.session);
      await session?.release();
      return { reply: { id: req.id, ok: true }, transfer: [] };
    }
  }
}

let chain: Promise<void> = Promise.resolve();

port.on('message', (req: WorkerRequest) => {
  // A malformed request is a bug on the main thread's side: the worker dies loudly, and the host
  // fails what it had sent and starts a new one on the next request.
  if (!req || typeof req.op !== 'string') throw new Error(`malformed request: ${JSON.stringify(req)}`);
  chain = chain.then(async () => {
    if (req.op === 'exit') {
      for (const s of sessions.values()) await s.release();
      sessions.clear();
      process.exit(0);
    }
    try {
      const { reply, transfer } = await handle(req);
      port.postMessage(reply, transfer);
    } catch (e) {
      port.postMessage({ id: req.id, ok: false, message: firstLine(e) } satisfies WorkerReply);
    }
  });
});
