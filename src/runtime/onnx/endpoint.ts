/**
 * An ONNX model behind a dynamic batcher: what the serve layer's REST predict and OIP v2 `infer`
 * routes call. Requests are validated before they queue (one bad request never fails a batch); a batch
 * concatenates requests along axis 0, runs once, and splits the outputs back.
 *
 * @example
 * const ep = await OnnxEndpoint.create('mnist.onnx', { batching: { maxBatchSize: 32, maxQueueDelayMicros: 2000 } });
 * const out = await ep.infer({ Input3: { dtype: 'float32', shape: [1, 1, 28, 28], data: pixels } });
 */
import type { Logger } from '../../core/index.js';
import { type BatcherStats, DynamicBatcher, type SubmitOptions } from '../batcher.js';
import type { BatchingConfig, OnnxDescriptor } from './descriptor.js';
import { OnnxModel, type OnnxModelOptions } from './model.js';
import { concatBatch, splitBatch, type TensorData } from './tensor.js';

export interface OnnxEndpointOptions extends OnnxModelOptions {
  /** Batching (default: a batch of up to 32 rows, 1 ms delay, when the model can batch; else none). */
  readonly batching?: BatchingConfig | false;
  readonly descriptor?: OnnxDescriptor;
  readonly logger?: Logger;
}

export interface InferOptions extends SubmitOptions {
  /** Outputs to return (default: every tensor output). */
  readonly outputs?: readonly string[];
}

export const DEFAULT_BATCHING: BatchingConfig = {
  maxBatchSize: 32,
  maxQueueDelayMicros: 1000,
  maxConcurrency: 1,
  maxQueueSize: 1024,
};

type Feeds = Readonly<Record<string, TensorData>>;

export class OnnxEndpoint {
  readonly model: OnnxModel;
  readonly descriptor: OnnxDescriptor | undefined;
  readonly batching: BatchingConfig;
  private readonly batcher: DynamicBatcher<Feeds, Record<string, TensorData>>;

  private constructor(model: OnnxModel, batching: BatchingConfig, descriptor?: OnnxDescriptor) {
    this.model = model;
    this.descriptor = descriptor;
    this.batching = batching;
    const outputs = model.tensorOutputNames();
    const first = model.inputs[0]?.name;
    this.batcher = new DynamicBatcher<Feeds, Record<string, TensorData>>(
      (items) => this.executeBatch(items, outputs),
      { name: model.name, ...batching },
      (f) => (model.batchable && first ? (f[first]?.shape[0] ?? 1) : 1),
    );
  }

  static async create(source: string | Uint8Array, opts: OnnxEndpointOptions = {}): Promise<OnnxEndpoint> {
    const model = await OnnxModel.create(source, opts);
    return OnnxEndpoint.fromModel(model, opts.batching ?? opts.descriptor?.batching, opts.descriptor);
  }

  /** Wraps a loaded model. A model that cannot batch gets maxBatchSize 1 whatever is asked. */
  static fromModel(
    model: OnnxModel,
    batching?: BatchingConfig | false,
    descriptor?: OnnxDescriptor,
  ): OnnxEndpoint {
    let cfg: BatchingConfig =
      batching === false
        ? { ...DEFAULT_BATCHING, maxBatchSize: 1, maxQueueDelayMicros: 0 }
        : { ...DEFAULT_BATCHING, ...(batching ?? {}) };
    if (!model.batchable && cfg.maxBatchSize > 1)
      cfg = { ...cfg, maxBatchSize: 1, maxQueueDelayMicros: 0, preferredBatchSizes: [] };
    return new OnnxEndpoint(model, cfg, descriptor);
  }

  /** Validates and queues one request (any batch size along axis 0). */
  infer(feeds: Feeds, opts: InferOptions = {}): Promise<Record<string, TensorData>> {
    this.model.validateFeeds(feeds);
    const wanted = opts.outputs;
    if (wanted) {
      // checks names and tensor-ness up front
      for (const o of wanted) {
        const spec = this.model.outputs.find((s) => s.name === o);
        if (!spec?.isTensor) return this.model.run(feeds, wanted);
      }
    }
    return this.batcher.submit(feeds, opts).then((all) => {
      if (!wanted) return all;
      const out: Record<string, TensorData> = {};
      for (const o of wanted) out[o] = all[o];
      return out;
    });
  }

  stats(): BatcherStats {
    return this.batcher.stats();
  }

  /** Observe each batch (rows, compute seconds), e.g. for a Prometheus histogram. */
  get onBatch(): ((rows: number, seconds: number) => void) | undefined {
    return this.batcher.onBatch;
  }

  set onBatch(fn: ((rows: number, seconds: number) => void) | undefined) {
    this.batcher.onBatch = fn;
  }

  /** Observe each answered request (seconds queued, seconds from submit to result). */
  get onRequest(): ((queueSeconds: number, totalSeconds: number) => void) | undefined {
    return this.batcher.onRequest;
  }

  set onRequest(fn: ((queueSeconds: number, totalSeconds: number) => void) | undefined) {
    this.batcher.onRequest = fn;
  }

  async close(): Promise<void> {
    this.batcher.close();
    await this.model.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private async executeBatch(items: Feeds[], outputs: string[]): Promise<Array<Record<string, TensorData>>> {
    if (items.length === 1) return [await this.model.run(items[0], outputs)];
    // Requests whose non-batch dims differ cannot share a run: group them by trailing shape.
    const groups = new Map<string, number[]>();
    items.forEach((f, i) => {
      const key = this.model.inputs.map((s) => f[s.name].shape.slice(1).join('x')).join('|');
      const g = groups.get(key);
      if (g) g.push(i);
      else groups.set(key, [i]);
    });
    const results = new Array<Record<string, TensorData>>(items.length);
    for (const idx of groups.values()) {
      const feeds: Record<string, TensorData> = {};
      for (const s of this.model.inputs) feeds[s.name] = concatBatch(idx.map((i) => items[i][s.name]));
      const rows = idx.map((i) => items[i][this.model.inputs[0].name].shape[0]);
      // a group of several was concatenated into fresh buffers, which can move to the worker uncopied
      const out =
        idx.length > 1
          ? await this.model.runTransferringFeeds(feeds, outputs)
          : await this.model.run(feeds, outputs);
      const parts: Record<string, TensorData[]> = {};
      for (const o of outputs) parts[o] = splitBatch(out[o], rows);
      idx.forEach((itemIdx, j) => {
        const r: Record<string, TensorData> = {};
        for (const o of outputs) r[o] = parts[o][j];
        results[itemIdx] = r;
      });
    }
    return results;
  }
}
