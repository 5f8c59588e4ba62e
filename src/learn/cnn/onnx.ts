/**
 * Exports a trained TF.js CNN as ONNX: Conv (+Relu), MaxPool, BatchNormalization, Flatten, Gemm,
 * Softmax. ONNX is channels-first, so the exported model takes NCHW ([N, C, H, W]; 1-D: [N, C, L]),
 * kernels are transposed, and a Transpose back to channels-last precedes Flatten so the dense weights
 * keep TF.js's (h, w, c) order.
 */
import type * as tf from '@tensorflow/tfjs';
import { GraphBuilder } from '../onnx-export/graph.js';
import type { TrainedCnn } from './cnn.js';

function transposeKernel(w: Float32Array, shape: number[], dims: 1 | 2): Float32Array {
  // TF: [kh, kw, cin, cout] (1-D: [k, cin, cout]) → ONNX [cout, cin, kh, kw] ([cout, cin, k])
  const [kh, kw, cin, cout] = dims === 2 ? shape : [1, shape[0], shape[1], shape[2]];
  const out = new Float32Array(w.length);
  for (let a = 0; a < kh; a++)
    for (let b = 0; b < kw; b++)
      for (let i = 0; i < cin; i++)
        for (let o = 0; o < cout; o++)
          out[((o * cin + i) * kh + a) * kw + b] = w[((a * kw + b) * cin + i) * cout + o];
  return out;
}

export function cnnToOnnx(m: TrainedCnn): Uint8Array {
  const g = new GraphBuilder();
  const { dims, inputShape } = m.spec;
  const c = inputShape[inputShape.length - 1];
  const spatial = inputShape.slice(0, -1);
  let x = g.input('input', 'float', ['N', c, ...spatial]);
  let channelsFirst = true;
  for (const layer of m.model.layers as tf.layers.Layer[]) {
    const cls = layer.getClassName();
    const cfg = layer.getConfig() as Record<string, any>;
    const w = layer
      .getWeights()
      .map((t) => ({ data: t.dataSync() as Float32Array, shape: t.shape as number[] }));
    if (cls === 'Conv2D' || cls === 'Conv1D') {
      const k = dims === 2 ? (w[0].shape.slice(0, 2) as number[]) : [w[0].shape[0]];
      const cout = w[0].shape[w[0].shape.length - 1];
      const cin = w[0].shape[w[0].shape.length - 2];
      const kernel = g.constant(transposeKernel(w[0].data, w[0].shape, dims), [cout, cin, ...k], 'float');
      const bias = g.constant(w[1].data, [cout], 'float');
      x = g.node('Conv', [x, kernel, bias], {
        kernel_shape: k,
        auto_pad: cfg.padding === 'same' ? 'SAME_UPPER' : 'VALID',
      });
      if (cfg.activation === 'relu') x = g.node('Relu', [x]);
    } else if (cls === 'MaxPooling2D' || cls === 'MaxPooling1D') {
      const size = dims === 2 ? cfg.poolSize : [cfg.poolSize[0] ?? cfg.poolSize];
      const strides = dims === 2 ? cfg.strides : [cfg.strides[0] ?? cfg.strides];
      x = g.node('MaxPool', [x], { kernel_shape: size, strides });
    } else if (cls === 'BatchNormalization') {
      const [gamma, beta, mean, variance] = w;
      const ch = gamma.shape[0];
      if (channelsFirst) {
        x = g.node(
          'BatchNormalization',
          [
            x,
            g.constant(gamma.data, [ch], 'float'),
            g.constant(beta.data, [ch], 'float'),
            g.constant(mean.data, [ch], 'float'),
            g.constant(variance.data, [ch], 'float'),
          ],
          { epsilon: cfg.epsilon },
        );
      } else {
        // after Flatten: y = (x − mean) / sqrt(var + eps) · gamma + beta
        const scale = gamma.data.map((gv, i) => gv / Math.sqrt(variance.data[i] + cfg.epsilon));
        const shift = beta.data.map((b, i) => b - mean.data[i] * scale[i]);
        x = g.node('Add', [
          g.node('Mul', [x, g.constant(scale, [1, ch], 'float')]),
          g.constant(shift, [1, ch], 'float'),
        ]);
      }
    } else if (cls === 'Dropout') {
      // identity at inference
    } else if (cls === 'Flatten') {
      x = g.node('Transpose', [x], { perm: dims === 2 ? [0, 2, 3, 1] : [0, 2, 1] });
      x = g.node('Flatten', [x], { axis: 1 });
      channelsFirst = false;
    } else if (cls === 'Dense') {
      const [kin, kout] = w[0].shape;
      x = g.node('Gemm', [
        x,
        g.constant(w[0].data, [kin, kout], 'float'),
        g.constant(w[1].data, [kout], 'float'),
      ]);
      if (cfg.activation === 'relu') x = g.node('Relu', [x]);
      else if (cfg.activation === 'softmax') x = g.node('Softmax', [x], { axis: 1 });
    } else throw new Error(`layer ${cls} cannot be exported to ONNX`);
  }
  g.node('Identity', [x], {}, { outputs: ['probabilities'] });
  g.output('probabilities', 'float', ['N', m.spec.nClasses]);
  return g.build('aegle-cnn');
}

/** NHWC (or NLC) → NCHW (NCL) for feeding the exported model. */
export function toChannelsFirst(x: Float32Array, n: number, spatial: number, c: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < n; i++)
    for (let s = 0; s < spatial; s++)
      for (let k = 0; k < c; k++) out[(i * c + k) * spatial + s] = x[(i * spatial + s) * c + k];
  return out;
}
