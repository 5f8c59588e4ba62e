/**
 * Prometheus metrics of the ONNX models' dynamic batchers, on the service's own registry: requests
 * waiting per model version (read from the loaded models at scrape time), rows per executed batch and
 * batch compute time.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { type ModelRef, OnnxServedModel, type ServedModel } from '../runtime/index.js';

export class OnnxServingMetrics {
  readonly queueDepth: Gauge<'model' | 'version'>;
  readonly batchSize: Histogram<'model' | 'version'>;
  readonly batchSeconds: Histogram<'model' | 'version'>;
  readonly queueFull: Counter<'model' | 'version'>;

  constructor(registry: Registry, loaded: () => readonly ServedModel[]) {
    this.queueDepth = new Gauge({
      name: 'aegle_onnx_queue_depth',
      help: 'Requests waiting in an ONNX model version’s dynamic-batch queue',
      labelNames: ['model', 'version'],
      registers: [registry],
      collect() {
        this.reset();
        for (const m of loaded())
          if (m instanceof OnnxServedModel)
            this.set({ model: m.ref.name, version: String(m.ref.version) }, m.stats().queueDepth);
      },
    });
    this.batchSize = new Histogram({
      name: 'aegle_onnx_batch_size',
      help: 'Rows per batch executed by an ONNX model version',
      labelNames: ['model', 'version'],
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
      registers: [registry],
    });
    this.batchSeconds = new Histogram({
      name: 'aegle_onnx_batch_duration_seconds',
      help: 'Compute time of one batch of an ONNX model version',
      labelNames: ['model', 'version'],
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers: [registry],
    });
    this.queueFull = new Counter({
      name: 'aegle_onnx_queue_full_total',
      help: 'Requests refused with 503 because the batch queue was full',
      labelNames: ['model', 'version'],
      registers: [registry],
    });
  }

  observeBatch(ref: ModelRef, rows: number, seconds: number): void {
    const labels = { model: ref.name, version: String(ref.version) };
    this.batchSize.observe(labels, rows);
    this.batchSeconds.observe(labels, seconds);
  }
}
