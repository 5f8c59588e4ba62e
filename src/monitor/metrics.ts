/**
 * Prometheus metrics of one service instance (its own registry, so tests can run several apps in one
 * process): request latency per route, predictions per model and version, job durations, queue depth.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export class ServiceMetrics {
  readonly registry = new Registry();
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  readonly predictions: Counter<'model' | 'version'>;
  readonly predictionRequests: Counter<'model' | 'version' | 'outcome'>;
  readonly jobDuration: Histogram<'type' | 'status'>;
  readonly queueDepth: Gauge<'queue'>;
  readonly shed: Counter<string>;
  readonly inFlight: Gauge<string>;

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    if (opts.defaultMetrics ?? true)
      collectDefaultMetrics({ register: this.registry, prefix: 'aegle_process_' });
    this.httpDuration = new Histogram({
      name: 'aegle_http_request_duration_seconds',
      help: 'HTTP request latency by route template',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [this.registry],
    });
    this.predictions = new Counter({
      name: 'aegle_predictions_total',
      help: 'Rows scored, by model and version',
      labelNames: ['model', 'version'],
      registers: [this.registry],
    });
    this.predictionRequests = new Counter({
      name: 'aegle_prediction_requests_total',
      help: 'Prediction requests by model, version and outcome',
      labelNames: ['model', 'version', 'outcome'],
      registers: [this.registry],
    });
    this.jobDuration = new Histogram({
      name: 'aegle_job_duration_seconds',
      help: 'Job run time by type and final status',
      labelNames: ['type', 'status'],
      buckets: [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600],
      registers: [this.registry],
    });
    this.queueDepth = new Gauge({
      name: 'aegle_queue_depth',
      help: 'Items waiting: jobs queued, audit entries and prediction-log rows not yet written',
      labelNames: ['queue'],
      registers: [this.registry],
    });
    this.inFlight = new Gauge({
      name: 'aegle_http_requests_in_flight',
      help: 'Requests being handled now',
      registers: [this.registry],
    });
    this.shed = new Counter({
      name: 'aegle_requests_shed_total',
      help: 'Requests answered 503 because the event loop was overloaded',
      registers: [this.registry],
    });
  }
}
