/**
 * Language-model runtime: backends (local GGUF via node-llama-cpp, OpenAI-compatible upstreams), the
 * gateway every call passes (policy, quotas, PHI gate, audit, metrics), and clinical tasks on top.
 * See docs/LLM.md.
 */
export * from './errors.js';
export * from './types.js';
export * from './resilience.js';
export * from './openai-backend.js';
export * from './llama-backend.js';
export * from './llm-config.js';
export * from './quota.js';
export * from './metrics.js';
export * from './gateway.js';
export * from './tasks/index.js';
export * from './from-config.js';
