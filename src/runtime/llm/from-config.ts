/** Builds the gateway a service or the CLI uses from the typed configuration. */
import { randomBytes } from 'node:crypto';
import type { Registry } from 'prom-client';
import type { Config } from '../../config/index.js';
import type { Logger } from '../../core/index.js';
import { createPseudonymizer, PhiGate, parseKey } from '../../privacy/index.js';
import { type LlmAuditSink, LlmGateway } from './gateway.js';
import { createModelRoutes, loadLlmConfigFile } from './llm-config.js';
import { LlmMetrics } from './metrics.js';
import { LlmQuotas } from './quota.js';

export interface GatewayDeps {
  readonly audit?: LlmAuditSink;
  readonly registry?: Registry;
  readonly logger?: Logger;
}

/**
 * The gateway for `config.llm.configFile`, or null when none is set. Surrogates are keyed with
 * AEGLE_SECRET_KEY when set, else with a random per-process key (consistent for this process's life).
 */
export function createGatewayFromConfig(config: Config, deps: GatewayDeps = {}): LlmGateway | null {
  if (!config.llm.configFile) return null;
  const settings = loadLlmConfigFile(config.llm.configFile);
  const secret = config.secretKey
    ? parseKey(config.secretKey, 'AEGLE_SECRET_KEY')
    : new Uint8Array(randomBytes(32));
  const quotas = new LlmQuotas(
    {
      tokensPerWindow: settings.quotas.tokensPerWindow ?? config.llm.tokensPerDay,
      requestsPerMinute: settings.quotas.requestsPerMinute ?? config.llm.requestsPerMinute,
    },
    settings.keyQuotas,
  );
  return new LlmGateway({
    routes: createModelRoutes(settings),
    gate: new PhiGate({ pseudonymizer: createPseudonymizer(secret) }),
    policy: settings.policy,
    quotas,
    audit: deps.audit,
    metrics: deps.registry ? new LlmMetrics(deps.registry) : undefined,
    logger: deps.logger,
  });
}
