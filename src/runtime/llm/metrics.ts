/** Prometheus metrics of the LLM gateway, per backend and model, on the service's registry. */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export class LlmMetrics {
  readonly requests: Counter<'backend' | 'model' | 'outcome'>;
  readonly tokens: Counter<'backend' | 'model' | 'direction'>;
  readonly duration: Histogram<'backend' | 'model'>;
  readonly phiReplaced: Counter<'backend' | 'type'>;
  readonly circuitOpen: Gauge<'backend'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.requests = new Counter({
      name: 'aegle_llm_requests_total',
      help: 'LLM calls by backend, model and outcome (ok, error code)',
      labelNames: ['backend', 'model', 'outcome'],
      registers,
    });
    this.tokens = new Counter({
      name: 'aegle_llm_tokens_total',
      help: 'Tokens by backend, model and direction (prompt, completion)',
      labelNames: ['backend', 'model', 'direction'],
      registers,
    });
    this.duration = new Histogram({
      name: 'aegle_llm_request_duration_seconds',
      help: 'LLM call latency, gate and audit included',
      labelNames: ['backend', 'model'],
      buckets: [0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers,
    });
    this.phiReplaced = new Counter({
      name: 'aegle_llm_phi_replaced_total',
      help: 'PHI values replaced by surrogates before external backends, by type',
      labelNames: ['backend', 'type'],
      registers,
    });
    this.circuitOpen = new Gauge({
      name: 'aegle_llm_circuit_open',
      help: '1 while the backend circuit breaker is open or half-open',
      labelNames: ['backend'],
      registers,
    });
  }
}
