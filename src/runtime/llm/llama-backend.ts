/**
 * A local GGUF model through node-llama-cpp (llama.cpp bindings), CPU only. node-llama-cpp is an
 * optional dependency (≈680 MB of prebuilt binaries for every platform), so it is imported on first
 * use: everything else works without it, and a missing install is a clear AEGLE_LLM_LOCAL_UNAVAILABLE.
 *
 * Prompts: `template: 'raw'` concatenates the message contents (for completion models such as
 * llama.cpp's stories260K test model); `'chat'` applies the model's own chat template (read from the
 * GGUF by node-llama-cpp). `response_format` with a JSON schema becomes a GBNF grammar, so the output
 * is valid JSON of that shape by construction. One context sequence: requests run one at a time.
 */
import { createError } from '../../core/index.js';
import './errors.js';
import type { BackendKind, ChatRequest, ChatResult, LlmBackend } from './types.js';

export interface LlamaBackendOptions {
  readonly name: string;
  /** Path of the .gguf file. */
  readonly modelPath: string;
  /** Context window in tokens (default 2048). */
  readonly contextSize?: number;
  /** CPU threads (default: node-llama-cpp's choice). */
  readonly threads?: number;
  readonly template?: 'raw' | 'chat';
  /** Local models are inside the trust boundary unless said otherwise. */
  readonly kind?: BackendKind;
}

type Mod = typeof import('node-llama-cpp');

interface Loaded {
  mod: Mod;
  llama: import('node-llama-cpp').Llama;
  model: import('node-llama-cpp').LlamaModel;
  context: import('node-llama-cpp').LlamaContext;
}

/** Imports node-llama-cpp, or throws AEGLE_LLM_LOCAL_UNAVAILABLE. */
export async function importLlamaCpp(): Promise<Mod> {
  try {
    const name = 'node-llama-cpp';
    return (await import(name)) as Mod;
  } catch (e) {
    throw createError(
      'AEGLE_LLM_LOCAL_UNAVAILABLE',
      { reason: (e as Error).message.split('\n')[0] },
      { cause: e },
    );
  }
}

export class LlamaBackend implements LlmBackend {
  readonly name: string;
  readonly kind: BackendKind;
  private loading: Promise<Loaded> | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly grammars = new Map<string, Promise<import('node-llama-cpp').LlamaGrammar>>();

  constructor(private readonly opts: LlamaBackendOptions) {
    this.name = opts.name;
    this.kind = opts.kind ?? 'local';
  }

  /** Loads the model now (otherwise it loads on the first request). */
  async load(): Promise<void> {
    await this.ensure();
  }

  chat(req: ChatRequest): Promise<ChatResult> {
    return this.stream(req, () => {});
  }

  stream(req: ChatRequest, onText: (text: string) => void): Promise<ChatResult> {
    const run = () => this.generate(req, onText);
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => {});
    return p;
  }

  async close(): Promise<void> {
    const l = this.loading;
    this.loading = null;
    if (!l) return;
    const x = await l.catch(() => null);
    if (!x) return;
    await x.context.dispose();
    await x.model.dispose();
    await x.llama.dispose();
  }

  private ensure(): Promise<Loaded> {
    if (!this.loading) {
      this.loading = (async () => {
        const mod = await importLlamaCpp();
        const llama = await mod.getLlama({ gpu: false, build: 'never', logLevel: mod.LlamaLogLevel.error });
        const model = await llama.loadModel({ modelPath: this.opts.modelPath });
        const context = await model.createContext({
          contextSize: this.opts.contextSize ?? 2048,
          threads: this.opts.threads,
        });
        return { mod, llama, model, context };
      })();
      this.loading.catch(() => {
        this.loading = null;
      });
    }
    return this.loading;
  }

  private grammar(l: Loaded, req: ChatRequest): Promise<import('node-llama-cpp').LlamaGrammar> | undefined {
    const rf = req.responseFormat;
    if (!rf || rf.type === 'text') return undefined;
    const key = rf.type === 'json_schema' ? JSON.stringify(rf.schema) : 'json';
    let g = this.grammars.get(key);
    if (!g) {
      g =
        rf.type === 'json_schema'
          ? l.llama.createGrammarForJsonSchema(rf.schema as any)
          : l.llama.getGrammarFor('json');
      this.grammars.set(key, g);
      g.catch(() => this.grammars.delete(key));
    }
    return g;
  }

  private async generate(req: ChatRequest, onText: (text: string) => void): Promise<ChatResult> {
    const l = await this.ensure();
    const grammar = await this.grammar(l, req);
    const seq = l.context.getSequence();
    const common = {
      maxTokens: req.maxTokens ?? 256,
      temperature: req.temperature ?? 0,
      topP: req.topP,
      seed: req.seed,
      grammar,
      customStopTriggers: req.stop?.length ? [...req.stop] : undefined,
      signal: req.signal,
      stopOnAbortSignal: true,
      onTextChunk: onText,
    };
    try {
      if ((this.opts.template ?? 'chat') === 'raw') {
        const prompt = req.messages.map((m) => m.content).join('\n');
        const promptTokens = l.model.tokenize(prompt).length;
        let completionTokens = 0;
        const completion = new l.mod.LlamaCompletion({ contextSequence: seq });
        const r = await completion.generateCompletionWithMeta(prompt, {
          ...common,
          onToken: (t) => {
            completionTokens += t.length;
          },
        });
        completion.dispose({ disposeSequence: false });
        return {
          text: r.response,
          finishReason: r.metadata.stopReason === 'maxTokens' ? 'length' : 'stop',
          usage: { promptTokens, completionTokens },
        };
      }
      const msgs = [...req.messages];
      const last = msgs.pop();
      const systemPrompt =
        msgs
          .filter((m) => m.role === 'system')
          .map((m) => m.content)
          .join('\n') || undefined;
      const session = new l.mod.LlamaChatSession({
        contextSequence: seq,
        systemPrompt,
        autoDisposeSequence: false,
      });
      const history: import('node-llama-cpp').ChatHistoryItem[] = session
        .getChatHistory()
        .filter((h) => h.type === 'system');
      for (const m of msgs) {
        if (m.role === 'user' || m.role === 'tool') history.push({ type: 'user', text: m.content });
        else if (m.role === 'assistant') history.push({ type: 'model', response: [m.content] });
      }
      session.setChatHistory(history);
      let completionTokens = 0;
      const r = await session.promptWithMeta(last?.content ?? '', {
        ...common,
        onToken: (t) => {
          completionTokens += t.length;
        },
      });
      session.dispose({ disposeSequence: false });
      const text = typeof r.responseText === 'string' ? r.responseText : '';
      const promptTokens = l.model.tokenize(req.messages.map((m) => m.content).join('\n')).length;
      return {
        text,
        finishReason: r.stopReason === 'maxTokens' ? 'length' : 'stop',
        usage: { promptTokens, completionTokens },
      };
    } finally {
      await seq.clearHistory().catch(() => {});
      seq.dispose();
    }
  }
}
