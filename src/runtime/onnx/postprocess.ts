/**
 * Turning a classifier's output tensor into labels and probabilities, as the descriptor says
 * (`outputKind`: logits → softmax; probabilities → as is; labels → class indices).
 */
import type { OnnxDescriptor } from './descriptor.js';
import { type TensorData, toNumbers } from './tensor.js';

export interface Classification {
  /** Index of the most probable class. */
  readonly classIndex: number;
  /** Its label (from the descriptor) or the index as text. */
  readonly label: string;
  /** Class probabilities (null when the model returns labels only). */
  readonly probabilities: readonly number[] | null;
}

/** Numerically stable softmax of one row. */
export function softmax(row: ArrayLike<number>): number[] {
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < row.length; i++) if (row[i] > max) max = row[i];
  const e = Array.from(row, (v) => Math.exp(v - max));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

/** One Classification per row of `output` (axis 0 = rows; other axes flattened to classes). */
export function classify(
  output: TensorData,
  descriptor?: Pick<OnnxDescriptor, 'classLabels' | 'outputKind'>,
): Classification[] {
  const values = toNumbers(output);
  const rows = output.shape.length === 0 ? 1 : output.shape[0];
  const k = rows === 0 ? 0 : values.length / rows;
  const labels = descriptor?.classLabels;
  const kind =
    descriptor?.outputKind ?? (output.dtype === 'int64' || output.dtype === 'int32' ? 'labels' : 'logits');
  const out: Classification[] = [];
  for (let r = 0; r < rows; r++) {
    if (kind === 'labels') {
      const idx = values[r * k];
      out.push({ classIndex: idx, label: labels?.[idx] ?? String(idx), probabilities: null });
      continue;
    }
    const row = values.subarray(r * k, (r + 1) * k);
    const p = kind === 'logits' ? softmax(row) : Array.from(row);
    let best = 0;
    for (let i = 1; i < p.length; i++) if (p[i] > p[best]) best = i;
    out.push({ classIndex: best, label: labels?.[best] ?? String(best), probabilities: p });
  }
  return out;
}
