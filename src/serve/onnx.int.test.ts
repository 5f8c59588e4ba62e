/**
 * ONNX hosting through real HTTP: the real models in ../shared/data/onnx registered (API upload and
 * the runtime helper the CLI uses), served through OIP v2 and REST, plus an image model (logistic
 * regression fitted here on BreastMNIST pixels, exported with an image input) classifying a PNG and a
 * DICOM file with a FHIR answer.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelKind } from '../learn/index.js';
import { parseNpz } from '../learn/cnn/npy.js';
import { exportToOnnx } from '../learn/onnx-export/index.js';
import { registerOnnxModel } from '../runtime/index.js';
import { toFloat16Array } from '../runtime/onnx/index.js';
import { startTestServer, type TestServer } from './testing.js';

const SHARED = new URL('../../../shared/data/', import.meta.url).pathname;
const ONNX = `${SHARED}onnx/`;
const IRIS = ['Iris-setosa', 'Iris-versicolor', 'Iris-virginica'];

function irisRows(): { x: number[][]; y: number[] } {
  const lines = readFileSync(`${ONNX}Iris.csv`, 'utf8').trim().split('\n').slice(1);
  const x: number[][] = [];
  const y: number[] = [];
  for (const l of lines) {
    const f = l.split(',');
    x.push(f.slice(1, 5).map(Number));
    y.push(IRIS.indexOf(f[5].trim()));
  }
  return { x, y };
}

/** A 28×28 digit in 0–255 ink on black, as MNIST: a vertical bar ("1") or an ellipse ring ("0"). */
function drawDigit(d: 0 | 1): number[] {
  const img: number[] = new Array(28 * 28).fill(0);
  for (let r = 0; r < 28; r++)
    for (let c = 0; c < 28; c++) {
      const dist = Math.hypot((r - 14) / 9, (c - 14) / 6.5);
      const on = d === 1 ? c >= 13 && c <= 15 && r >= 5 && r <= 23 : dist > 0.78 && dist < 1.12;
      if (on) img[r * 28 + c] = 255;
    }
  return img;
}

function argmax(v: number[]): number {
  let b = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[b]) b = i;
  return b;
}

async function upload(
  srv: TestServer,
  name: string,
  file: string,
  descriptor?: object,
  alias?: string,
): Promise<{ status: number; body: any }> {
  const form = new FormData();
  form.append('model', new Blob([readFileSync(file)]), path.basename(file));
  if (descriptor) form.append('descriptor', new Blob([JSON.stringify(descriptor)]), 'descriptor.json');
  if (alias) form.append('alias', alias);
  const res = await srv.fetch(`/api/v1/models/${name}/versions`, { method: 'POST', body: form });
  return { status: res.status, body: await res.json() };
}

describe('ONNX models served over HTTP', () => {
  let srv: TestServer;
  let tmp: string;
  let breastPng: Buffer;

  beforeAll(async () => {
    srv = await startTestServer({ env: { AEGLE_MODEL_CACHE_SIZE: '8' } });
    tmp = mkdtempSync(path.join(os.tmpdir(), 'aegle-onnx-'));
    // BreastMNIST: a logistic model over 784 pixels, exported with an image input [N, 1, 28, 28]
    const z = parseNpz(new Uint8Array(readFileSync(`${SHARED}imaging/breastmnist.npz`)));
    const img = z.get('train_images')!;
    const lab = z.get('train_labels')!;
    const n = img.shape[0];
    const p = 28 * 28;
    const data = new Float64Array(n * p);
    const pix = img.data as Uint8Array;
    for (let i = 0; i < n; i++) for (let j = 0; j < p; j++) data[j * n + i] = pix[i * p + j] / 255;
    const y = Float64Array.from(lab.data as Uint8Array);
    const columns = Array.from({ length: p }, (_, j) => `px${j}`);
    const model = await modelKind('logistic')
      .create({})
      .fit({ data, nRows: n, nCols: p, columns }, y, { task: 'binary', classes: ['0', '1'] });
    const onnxFile = path.join(tmp, 'breast.onnx');
    const bytes = exportToOnnx(model.toJSON(), { imageInput: { channels: 1, height: 28, width: 28 } });
    await import('node:fs').then((fs) => fs.writeFileSync(onnxFile, bytes));
    const reg = await upload(srv, 'breast-us', onnxFile, {
      task: 'classification',
      classLabels: ['malignant', 'normal-or-benign'],
      output: 'probabilities',
      outputKind: 'probabilities',
      description: 'breast ultrasound',
      preprocessing: {
        steps: [{ op: 'grayscale' }, { op: 'resize', width: 28, height: 28 }, { op: 'minmax' }],
        layout: 'NCHW',
      },
    });
    expect(reg.status, JSON.stringify(reg.body)).toBe(201);
    // one test image saved as a PNG
    const test = z.get('test_images')!;
    breastPng = await sharp(Buffer.from((test.data as Uint8Array).subarray(0, p)), {
      raw: { width: 28, height: 28, channels: 1 },
    })
      .png()
      .toBuffer();
  }, 120_000);

  afterAll(async () => {
    await srv?.dispose();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('registers ONNX models like any artifact: versions, aliases, input schema from the model', async () => {
    const first = await upload(srv, 'iris-mlp', `${ONNX}iris-mlp-pytorch.onnx`, {
      task: 'classification',
      classLabels: IRIS,
      featureNames: ['SepalLengthCm', 'SepalWidthCm', 'PetalLengthCm', 'PetalWidthCm'],
      batching: { maxBatchSize: 64, maxQueueDelayMicros: 2000 },
    });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.body).toMatchObject({ name: 'iris-mlp', version: 1, kind: 'onnx', task: 'classification' });
    const second = await upload(srv, 'iris-mlp', `${ONNX}iris-mlp-pytorch.onnx`, undefined, 'champion');
    expect(second.body).toMatchObject({ version: 2, aliases: ['champion'] });
    // v1 carries the descriptor: point champion back at it
    const alias = await srv.fetch('/api/v1/models/iris-mlp/aliases/champion', {
      method: 'PUT',
      json: { version: 1 },
    });
    expect(alias.status).toBe(200);
    const manifest = await (
      await srv.fetch('/api/v1/models/iris-mlp/versions/1/artifact/manifest.json')
    ).json();
    expect(manifest.kind).toBe('onnx');
    expect(manifest.inputSchema.tensors.inputs).toEqual([
      { name: 'input', isTensor: true, dtype: 'float32', shape: ['batch_size', 4], dynamicAxes: [0] },
    ]);
    const meta = await (await srv.fetch('/v2/models/iris-mlp/versions/1')).json();
    expect(meta).toMatchObject({
      name: 'iris-mlp',
      platform: 'onnxruntime_onnx',
      inputs: [{ name: 'input', datatype: 'FP32', shape: [-1, 4] }],
    });
    expect(meta.versions.sort()).toEqual(['1', '2']);
    expect((await srv.fetch('/v2/models/iris-mlp/versions/2/ready')).status).toBe(200);
    // a file that is not ONNX is refused
    const junk = path.join(tmp, 'junk.onnx');
    await import('node:fs').then((fs) => fs.writeFileSync(junk, 'not a model'));
    const bad = await upload(srv, 'junk', junk);
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('AEGLE_RUNTIME_ONNX_LOAD');
  });

  it('Iris MLP reaches accuracy ≥ 0.97 over OIP v2, one request per row, batched', async () => {
    const { x, y } = irisRows();
    const answers = await Promise.all(
      x.map(async (row) => {
        const res = await srv.fetch('/v2/models/iris-mlp/infer', {
          method: 'POST',
          json: { inputs: [{ name: 'input', shape: [1, 4], datatype: 'FP32', data: row }] },
        });
        expect(res.status).toBe(200);
        return res.json();
      }),
    );
    expect(answers[0]).toMatchObject({ model_name: 'iris-mlp', model_version: '1' });
    const preds = answers.map((a) => argmax(a.outputs[0].data));
    const acc = preds.filter((p, i) => p === y[i]).length / y.length;
    expect(acc).toBeGreaterThanOrEqual(0.97);
    const metrics = await (await srv.fetch('/metrics')).text();
    expect(metrics).toMatch(/aegle_onnx_batch_size_bucket\{[^}]*model="iris-mlp"/);
    expect(metrics).toMatch(/aegle_onnx_queue_depth\{model="iris-mlp",version="1"\} 0/);
    const sizes = metrics.match(/aegle_onnx_batch_size_count\{model="iris-mlp",version="1"\} (\d+)/);
    expect(Number(sizes?.[1])).toBeLessThan(150); // some requests shared a batch
  });

  it('Iris MLP over REST: rows as arrays or named objects, labels and model version', async () => {
    const { x, y } = irisRows();
    const res = await srv.fetch('/api/v1/models/iris-mlp/predict', { method: 'POST', json: { rows: x } });
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(body.model).toEqual({ name: 'iris-mlp', version: 1 });
    const acc = body.predictions.filter((p: any, i: number) => p.label === IRIS[y[i]]).length / y.length;
    expect(acc).toBeGreaterThanOrEqual(0.97);
    expect(body.predictions[0].probabilities).toHaveLength(3);
    const named = await srv.fetch('/api/v1/models/iris-mlp/predict', {
      method: 'POST',
      json: { rows: [{ SepalLengthCm: 5.1, SepalWidthCm: 3.5, PetalLengthCm: 1.4, PetalWidthCm: 0.2 }] },
    });
    expect((await named.json()).predictions[0].label).toBe('Iris-setosa');
    const wrong = await srv.fetch('/api/v1/models/iris-mlp/predict', {
      method: 'POST',
      json: { rows: [[1, 2, 3]] },
    });
    expect(wrong.status).toBe(400);
    // every prediction is audited
    await srv.service.audit.flush();
    const audit = await srv.service.meta.db
      .selectFrom('audit_log')
      .select(['action', 'resource', 'output_summary'])
      .where('resource', 'like', 'model:iris-mlp%')
      .where('action', '=', 'predict')
      .execute();
    expect(audit.length).toBeGreaterThanOrEqual(150 + 2);
  });

  it('MNIST CNN classifies a drawn 1 and 0 over OIP v2', async () => {
    const reg = await upload(srv, 'mnist', `${ONNX}mnist-cntk-opset7.onnx`, {
      task: 'classification',
      batching: { maxBatchSize: 16, maxQueueDelayMicros: 2000 },
    });
    expect(reg.status, JSON.stringify(reg.body)).toBe(201);
    const [one, zero] = await Promise.all(
      ([1, 0] as const).map(async (d) =>
        (
          await srv.fetch('/v2/models/mnist/infer', {
            method: 'POST',
            json: {
              inputs: [{ name: 'Input3', shape: [1, 1, 28, 28], datatype: 'FP32', data: drawDigit(d) }],
            },
          })
        ).json(),
      ),
    );
    expect(one.outputs[0]).toMatchObject({ name: 'Plus214_Output_0', shape: [1, 10], datatype: 'FP32' });
    expect(argmax(one.outputs[0].data)).toBe(1);
    expect(argmax(zero.outputs[0].data)).toBe(0);
  });

  it('skl2onnx random forest returns INT64 labels when only output_label is requested', async () => {
    // registered the way `aegle models register FILE.onnx` does it
    const v = await registerOnnxModel(srv.service.registry, path.join(tmp, 'staging'), {
      name: 'iris-rf',
      model: new Uint8Array(readFileSync(`${ONNX}rf_iris-skl2onnx.onnx`)),
      descriptor: { task: 'classification', classLabels: IRIS, output: 'output_label', outputKind: 'labels' },
      createdBy: 'test',
    });
    expect(v).toMatchObject({ name: 'iris-rf', version: 1, kind: 'onnx' });
    const { x, y } = irisRows();
    const res = await srv.fetch('/v2/models/iris-rf/infer', {
      method: 'POST',
      json: {
        inputs: [{ name: 'float_input', shape: [x.length, 4], datatype: 'FP32', data: x }],
        outputs: [{ name: 'output_label' }],
      },
    });
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(body.outputs).toHaveLength(1);
    expect(body.outputs[0]).toMatchObject({ name: 'output_label', datatype: 'INT64', shape: [150] });
    const acc = body.outputs[0].data.filter((l: number, i: number) => l === y[i]).length / y.length;
    expect(acc).toBeGreaterThan(0.95);
    const map = await srv.fetch('/v2/models/iris-rf/infer', {
      method: 'POST',
      json: {
        inputs: [{ name: 'float_input', shape: [1, 4], datatype: 'FP32', data: x[0] }],
        outputs: [{ name: 'output_probability' }],
      },
    });
    expect(map.status).toBe(400);
    expect((await map.json()).error).toMatch(/AEGLE_RUNTIME_ONNX_OUTPUT/);
    const rest = await srv.fetch('/api/v1/models/iris-rf/predict', {
      method: 'POST',
      json: { rows: [x[0]] },
    });
    expect((await rest.json()).predictions[0]).toMatchObject({ label: 'Iris-setosa', classIndex: 0 });
  });

  it('SqueezeNet fp16 takes an FP16 tensor and returns 1000 probabilities', async () => {
    const reg = await upload(srv, 'squeezenet', `${ONNX}squeezenet1.0-fp16.onnx`, { task: 'classification' });
    expect(reg.status, JSON.stringify(reg.body)).toBe(201);
    const n = 3 * 224 * 224;
    const pix = new Float32Array(n);
    for (let i = 0; i < n; i++) pix[i] = (((i * 7919) % 255) - 120) / 60;
    // the values travel as numbers and are held as IEEE half bits (Uint16Array) inside
    const half = Array.from(toFloat16Array(pix), (h) => h);
    expect(half.length).toBe(n);
    const res = await srv.fetch('/v2/models/squeezenet/infer', {
      method: 'POST',
      json: {
        inputs: [{ name: 'data_0', shape: [1, 3, 224, 224], datatype: 'FP16', data: Array.from(pix) }],
      },
    });
    const body = await res.json();
    expect(res.status, JSON.stringify(body).slice(0, 300)).toBe(200);
    const out = body.outputs[0];
    expect(out).toMatchObject({ name: 'softmaxout_1', datatype: 'FP16', shape: [1, 1000, 1, 1] });
    expect(out.data).toHaveLength(1000);
    const sum = out.data.reduce((a: number, b: number) => a + b, 0);
    expect(sum).toBeGreaterThan(0.98);
    expect(sum).toBeLessThan(1.02);
  });

  it('classifies a BreastMNIST PNG (multipart) with its model version, and as FHIR', async () => {
    const form = new FormData();
    form.append('file', new Blob([breastPng], { type: 'image/png' }), 'breast.png');
    const res = await srv.fetch('/api/v1/models/breast-us/predict', { method: 'POST', body: form });
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(body.model).toEqual({ name: 'breast-us', version: 1 });
    expect(['malignant', 'normal-or-benign']).toContain(body.predictions[0].label);
    expect(body.predictions[0].probabilities).toHaveLength(2);
    const fhir = await srv.fetch('/api/v1/models/breast-us/predict?format=fhir', {
      method: 'POST',
      body: breastPng,
      headers: { 'content-type': 'image/png' },
    });
    expect(fhir.status).toBe(200);
    expect(fhir.headers.get('content-type')).toMatch(/application\/fhir\+json/);
    const bundle = await fhir.json();
    expect(bundle.resourceType).toBe('Bundle');
    const [report, obs] = bundle.entry.map((e: any) => e.resource);
    expect(report).toMatchObject({ resourceType: 'DiagnosticReport', status: 'final' });
    expect(report.result[0].reference).toBe(bundle.entry[1].fullUrl);
    expect(obs).toMatchObject({ resourceType: 'Observation', status: 'final' });
    expect(obs.valueCodeableConcept.text).toBe(body.predictions[0].label);
    expect(obs.method.coding[0].code).toBe('breast-us@1');
  });

  it('classifies a DICOM file (application/dicom) as FHIR; no PHI in the audit', async () => {
    const dcm = readFileSync(`${SHARED}dicom/CT_small.dcm`);
    const res = await srv.fetch('/api/v1/models/breast-us/predict?format=fhir', {
      method: 'POST',
      body: dcm,
      headers: { 'content-type': 'application/dicom' },
    });
    const bundle = await res.json();
    expect(res.status, JSON.stringify(bundle)).toBe(200);
    const report = bundle.entry[0].resource;
    expect(report.category[0].coding.map((c: any) => c.code)).toContain('CT');
    expect(report.identifier[0].value).toMatch(/^urn:oid:[0-9.]+$/);
    await srv.service.audit.flush();
    const rows = await srv.service.meta.db
      .selectFrom('audit_log')
      .select(['output_summary'])
      .where('resource', '=', 'model:breast-us')
      .execute();
    const text = JSON.stringify(rows);
    expect(text).not.toMatch(/CompressedSamples|19\d\d-?\d\d-?\d\d/);
    // a native model refuses a file
    const native = await srv.fetch('/api/v1/models/iris-mlp/predict', {
      method: 'POST',
      body: dcm,
      headers: { 'content-type': 'application/dicom' },
    });
    expect(native.status).toBe(400); // iris-mlp has no preprocessing
  });

  it('answers 503 with Retry-After when a model queue is full', async () => {
    const reg = await upload(srv, 'iris-tight', `${ONNX}iris-mlp-pytorch.onnx`, {
      task: 'classification',
      batching: { maxBatchSize: 1, maxQueueDelayMicros: 0, maxQueueSize: 1 },
    });
    expect(reg.status).toBe(201);
    const send = () =>
      srv.fetch('/v2/models/iris-tight/infer', {
        method: 'POST',
        json: { inputs: [{ name: 'input', shape: [1, 4], datatype: 'FP32', data: [5.1, 3.5, 1.4, 0.2] }] },
      });
    await send(); // loaded
    const all = await Promise.all(Array.from({ length: 200 }, send));
    const full = all.filter((r) => r.status === 503);
    expect(full.length).toBeGreaterThan(0);
    expect(full[0].headers.get('retry-after')).toBe('1');
    expect((await full[0].json()).error).toMatch(/AEGLE_RUNTIME_QUEUE_FULL/);
    expect(all.filter((r) => r.status === 200).length).toBeGreaterThan(0);
  });
});
