import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { classify, fromFloat16Array, OnnxEndpoint, OnnxModel, toFloat16Array } from './index.js';

const DATA = new URL('../../../../shared/data/onnx/', import.meta.url).pathname;

function irisRows(): { x: Float32Array; y: number[] } {
  const lines = readFileSync(`${DATA}Iris.csv`, 'utf8').trim().split('\n').slice(1);
  const names = ['Iris-setosa', 'Iris-versicolor', 'Iris-virginica'];
  const x = new Float32Array(lines.length * 4);
  const y: number[] = [];
  lines.forEach((l, i) => {
    const f = l.split(',');
    // Id,SepalLengthCm,SepalWidthCm,PetalLengthCm,PetalWidthCm,Species
    for (let j = 0; j < 4; j++) x[i * 4 + j] = Number(f[j + 1]);
    y.push(names.indexOf(f[5].trim()));
  });
  return { x, y };
}

/** Draws a digit into a 28×28 canvas with 0–255 ink (white on black, as MNIST). */
function drawDigit(d: 0 | 1): Float32Array {
  const img = new Float32Array(28 * 28);
  for (let r = 0; r < 28; r++) {
    for (let c = 0; c < 28; c++) {
      let on = false;
      if (d === 1) on = c >= 13 && c <= 15 && r >= 5 && r <= 23;
      else {
        const dist = Math.hypot((r - 14) / 9, (c - 14) / 6.5);
        on = dist > 0.78 && dist < 1.12;
      }
      if (on) img[r * 28 + c] = 255;
    }
  }
  return img;
}

describe('real ONNX models', () => {
  const opened: Array<{ close(): Promise<void> }> = [];
  afterAll(async () => {
    for (const m of opened) await m.close();
  });

  it('reads the input schema (names, dtypes, dynamic axes) from the model', async () => {
    const m = await OnnxModel.create(`${DATA}iris-mlp-pytorch.onnx`, { warmup: false });
    opened.push(m);
    expect(m.inputs).toEqual([
      { name: 'input', isTensor: true, dtype: 'float32', shape: ['batch_size', 4], dynamicAxes: [0] },
    ]);
    expect(m.outputs[0]).toMatchObject({ name: 'output', dtype: 'float32', dynamicAxes: [0] });
    expect(m.batchable).toBe(true);
    const rf = await OnnxModel.create(`${DATA}rf_iris-skl2onnx.onnx`);
    opened.push(rf);
    expect(rf.outputs.map((o) => [o.name, o.isTensor])).toEqual([
      ['output_label', true],
      ['output_probability', false],
    ]);
    await expect(
      rf.run({ float_input: { dtype: 'float32', shape: [1, 4], data: new Float32Array(4) } }, [
        'output_probability',
      ]),
    ).rejects.toMatchObject({
      code: 'AEGLE_RUNTIME_ONNX_OUTPUT',
    });
    await expect(
      m.run({ input: { dtype: 'float64', shape: [1, 4], data: new Float64Array(4) } }),
    ).rejects.toMatchObject({ code: 'AEGLE_RUNTIME_ONNX_INPUT' });
    await expect(
      m.run({ input: { dtype: 'float32', shape: [1, 5], data: new Float32Array(5) } }),
    ).rejects.toThrow(/dim 1 must be 4/);
  });

  it('Iris MLP (PyTorch) reaches ≥ 0.97 accuracy on Iris.csv', async () => {
    const ep = await OnnxEndpoint.create(`${DATA}iris-mlp-pytorch.onnx`, {
      descriptor: {
        formatVersion: 1,
        task: 'classification',
        classLabels: ['setosa', 'versicolor', 'virginica'],
      },
    });
    opened.push(ep);
    const { x, y } = irisRows();
    const out = await ep.infer({ input: { dtype: 'float32', shape: [y.length, 4], data: x } });
    const preds = classify(out.output, ep.descriptor);
    const acc = preds.filter((p, i) => p.classIndex === y[i]).length / y.length;
    expect(acc).toBeGreaterThanOrEqual(0.97);
  });

  it('skl2onnx random forest returns int64 labels when output_label alone is requested', async () => {
    const m = await OnnxModel.create(`${DATA}rf_iris-skl2onnx.onnx`);
    opened.push(m);
    const { x, y } = irisRows();
    const out = await m.run({ float_input: { dtype: 'float32', shape: [y.length, 4], data: x } }, [
      'output_label',
    ]);
    expect(out.output_label.dtype).toBe('int64');
    const labels = Array.from(out.output_label.data as BigInt64Array, Number);
    expect(new Set(labels)).toEqual(new Set([0, 1, 2]));
    expect(labels.filter((l, i) => l === y[i]).length / y.length).toBeGreaterThan(0.95);
  });

  it('MNIST CNN recognises a drawn 1 and 0, and is rewritten to batch', async () => {
    const ep = await OnnxEndpoint.create(`${DATA}mnist-cntk-opset7.onnx`, {
      batching: { maxBatchSize: 8, maxQueueDelayMicros: 2000 },
    });
    opened.push(ep);
    expect(ep.model.batchRewritten).toBe(true);
    expect(ep.model.inputs[0].dynamicAxes).toEqual([0]);
    const [one, zero] = await Promise.all(
      ([1, 0] as const).map((d) =>
        ep.infer({ Input3: { dtype: 'float32', shape: [1, 1, 28, 28], data: drawDigit(d) } }),
      ),
    );
    expect(classify(one.Plus214_Output_0)[0].classIndex).toBe(1);
    expect(classify(zero.Plus214_Output_0)[0].classIndex).toBe(0);
    expect(ep.stats().batchSizes[2]).toBe(1);
  });

  it('SqueezeNet fp16 runs and returns a 1000-way softmax summing to ≈ 1', async () => {
    const m = await OnnxModel.create(`${DATA}squeezenet1.0-fp16.onnx`, { intraOpThreads: 2 });
    opened.push(m);
    expect(m.inputs[0].dtype).toBe('float16');
    const n = 3 * 224 * 224;
    const pix = new Float32Array(n);
    for (let i = 0; i < n; i++) pix[i] = ((i * 7919) % 255) - 120;
    const out = await m.run({
      data_0: { dtype: 'float16', shape: [1, 3, 224, 224], data: toFloat16Array(pix) },
    });
    const t = out.softmaxout_1;
    expect(t.dtype).toBe('float16');
    expect(t.shape).toEqual([1, 1000, 1, 1]);
    const p = fromFloat16Array(t.data as Uint16Array);
    const sum = p.reduce((a, b) => a + b, 0);
    expect(sum).toBeGreaterThan(0.98);
    expect(sum).toBeLessThan(1.02);
    expect(Math.min(...p)).toBeGreaterThanOrEqual(0);
  });

  it('falls back to CPU with a warning when CUDA is asked for but absent', async () => {
    const warnings: string[] = [];
    const logger = {
      debug() {},
      info() {},
      warn(_f: object, msg: string) {
        warnings.push(msg);
      },
      error() {},
      child() {
        return logger;
      },
    };
    const m = await OnnxModel.create(`${DATA}iris-mlp-pytorch.onnx`, { device: 'cuda', logger });
    opened.push(m);
    if (m.executionProvider === 'cpu') expect(warnings.join()).toMatch(/falling back to CPU/);
  });
});
