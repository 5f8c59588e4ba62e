/**
 * The JSON of a large predict answer, written straight into a pooled buffer. Fastify's serializer
 * builds one string of the whole answer, which Node then copies into a buffer to send: for 10,000
 * rows that is a few MB of fresh memory per request, each page faulted in (see `core/buffer-pool.ts`). The text is
 * the serializer's, byte for byte: its property order (the required `probability`, `label`, `factors`,
 * then the optional `value` and `warnings`), numbers as `JSON.stringify` writes them.
 */
import { pooledBuffer, returnBuffer } from '../core/index.js';

/** One row of a native model's answer (as the predict route builds it). */
export interface PredictionRow {
  readonly probability: number | null;
  readonly label: string | null;
  readonly value?: number;
  readonly factors: readonly unknown[];
  readonly warnings: readonly string[];
}

/** Rows of text handed to the buffer at a time. */
const ROWS_PER_WRITE = 256;

/** The answer's bytes (valid until `release`, which the caller runs once the response is sent). */
export function writePredictResponse(
  model: { readonly name: string; readonly version: number },
  requestId: string,
  predictions: readonly PredictionRow[],
): { bytes: Buffer; release(): void } {
  let buf = pooledBuffer(128 + predictions.length * 96);
  let at = 0;
  const put = (text: string) => {
    // at most 3 bytes per UTF-16 unit
    if (at + text.length * 3 > buf.length) {
      const grown = pooledBuffer(Math.max(buf.length * 2, at + text.length * 3));
      buf.copy(grown, 0, 0, at);
      returnBuffer(buf);
      buf = grown;
    }
    at += buf.write(text, at, 'utf8');
  };
  put(
    `{"model":{"name":${JSON.stringify(model.name)},"version":${model.version}},"requestId":${JSON.stringify(requestId)},"predictions":[`,
  );
  const empty = (a: readonly unknown[]) => a.length === 0;
  let text = '';
  for (let i = 0; i < predictions.length; i++) {
    const p = predictions[i];
    text += `${i ? ',' : ''}{"probability":${p.probability === null ? 'null' : p.probability},"label":${p.label === null ? 'null' : JSON.stringify(p.label)},"factors":${empty(p.factors) ? '[]' : JSON.stringify(p.factors)}${p.value === undefined ? '' : `,"value":${p.value}`},"warnings":${empty(p.warnings) ? '[]' : JSON.stringify(p.warnings)}}`;
    if ((i + 1) % ROWS_PER_WRITE === 0) {
      put(text);
      text = '';
    }
  }
  put(`${text}]}`);
  const out = buf;
  let released = false;
  return {
    bytes: out.subarray(0, at),
    release() {
      if (!released) returnBuffer(out);
      released = true;
    },
  };
}
