/** Error codes of the language-model runtime and gateway. */
import { defineErrors } from '../../core/index.js';

export const LlmErrors = defineErrors({
  AEGLE_LLM_BAD_CONFIG: {
    message: "LLM backend configuration '{file}' is invalid: {reason}.",
    status: 500,
    fix: 'Correct the backends file named by AEGLE_LLM_CONFIG (docs/LLM.md describes every field).',
  },
  AEGLE_LLM_UNKNOWN_MODEL: {
    message: "No language model '{model}'. Models: {models}.",
    status: 404,
    fix: 'Use a model id listed by GET /api/v1/llm/models.',
  },
  AEGLE_LLM_BAD_REQUEST: {
    message: 'The completion request is not valid: {reason}.',
    status: 400,
    fix: 'Send an OpenAI chat-completions body: messages with role and string content, optional limits.',
  },
  AEGLE_LLM_POLICY_DENIED: {
    message: "Policy forbids sending this request to external backend '{backend}': {reason}.",
    status: 403,
    fix: 'Use a model on a local backend, or ask an admin to change the LLM policy.',
  },
  AEGLE_LLM_QUOTA_EXCEEDED: {
    message: 'Token quota of {limit} tokens per {window} exceeded for this key; retry in {retryAfter} s.',
    status: 429,
    fix: 'Wait for the quota window to roll over, lower max_tokens, or ask an admin for a larger quota.',
  },
  AEGLE_LLM_RATE_LIMITED: {
    message: 'LLM rate limit of {limit} requests per minute exceeded; retry in {retryAfter} s.',
    status: 429,
    fix: 'Slow down, or ask an admin for a higher LLM rate limit for this key.',
  },
  AEGLE_LLM_UPSTREAM: {
    message: "Backend '{backend}' failed: {reason}.",
    status: 502,
    fix: 'Check the upstream service and its credentials; the call is retried with backoff before this error.',
  },
  AEGLE_LLM_TIMEOUT: {
    message: "Backend '{backend}' did not answer within {timeoutMs} ms.",
    status: 504,
    fix: 'Raise timeoutMs for the backend, lower max_tokens, or check the upstream service.',
  },
  AEGLE_LLM_CIRCUIT_OPEN: {
    message: "Backend '{backend}' is failing and is paused for {retryAfter} s (circuit open).",
    status: 503,
    fix: 'Wait for the upstream to recover; the breaker lets one probe through after its reset time.',
  },
  AEGLE_LLM_LOCAL_UNAVAILABLE: {
    message: 'Local GGUF models need the optional dependency node-llama-cpp: {reason}.',
    status: 503,
    fix: 'Install with optional dependencies (npm ci, not --omit=optional), or use an upstream backend.',
  },
  AEGLE_LLM_BAD_OUTPUT: {
    message: 'The model output for {task} is not valid: {reason}.',
    status: 422,
    fix: 'Use a stronger model, a schema-constrained backend (local GGUF or an upstream with json_schema), or retry.',
  },
});
