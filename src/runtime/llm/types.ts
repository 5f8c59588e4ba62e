/**
 * The shapes every language-model backend speaks: a subset of the OpenAI chat-completions API
 * (https://platform.openai.com/docs/api-reference/chat), in camelCase.
 */

export type ChatRole = 'system' | 'user' | 'assistant' | 'tool';

export interface ChatMessage {
  readonly role: ChatRole;
  readonly content: string;
  readonly name?: string;
}

/** `response_format`: free text, any JSON object, or JSON matching a schema. */
export type ResponseFormat =
  | { readonly type: 'text' }
  | { readonly type: 'json_object' }
  | {
      readonly type: 'json_schema';
      readonly name?: string;
      readonly schema: Record<string, unknown>;
      readonly strict?: boolean;
    };

export interface ChatRequest {
  /** The backend's own model name (the gateway maps public ids to it). */
  readonly model: string;
  readonly messages: readonly ChatMessage[];
  readonly temperature?: number;
  readonly topP?: number;
  readonly maxTokens?: number;
  readonly stop?: readonly string[];
  readonly seed?: number;
  readonly responseFormat?: ResponseFormat;
  readonly signal?: AbortSignal;
}

export type FinishReason = 'stop' | 'length';

export interface TokenUsage {
  readonly promptTokens: number;
  readonly completionTokens: number;
}

export interface ChatResult {
  readonly text: string;
  readonly finishReason: FinishReason;
  readonly usage: TokenUsage;
}

/** `local` backends run inside the trust boundary and may see PHI; `external` ones never do. */
export type BackendKind = 'local' | 'external';

/** A language-model backend. `stream` calls `onText` per chunk and resolves with the whole result. */
export interface LlmBackend {
  readonly name: string;
  readonly kind: BackendKind;
  chat(req: ChatRequest): Promise<ChatResult>;
  stream(req: ChatRequest, onText: (text: string) => void): Promise<ChatResult>;
  close(): Promise<void>;
}

/** A public model id and where it runs. */
export interface ModelRoute {
  /** Id clients send as `model`. */
  readonly id: string;
  readonly backend: LlmBackend;
  /** The backend's name for it. */
  readonly upstreamModel: string;
}
