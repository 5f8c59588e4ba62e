/**
 * `aegle llm …`: run a local GGUF model directly (`complete`), list the gateway's models, and evaluate
 * clinical extraction on a labelled set (`eval`). Thin over src/runtime/llm. Prompts and answers are
 * printed only where asked for; nothing from them goes to logs.
 */
import type { Command } from 'commander';
import { createError } from '../../core/index.js';
import {
  type Caller,
  createGatewayFromConfig,
  type Extraction,
  extractFromNote,
  LlamaBackend,
  type LlmGateway,
  readLabelledJsonl,
  scoreExtractions,
} from '../../runtime/index.js';
import { type CliContext, formatTable } from '../context.js';

const CLI_CALLER: Caller = { keyId: 'cli', role: 'admin' };

function intOpt(v: string | undefined, name: string, min: number, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min)
    throw createError('AEGLE_CORE_INVALID_PARAM', {
      param: name,
      owner: 'aegle llm',
      expected: `an integer ≥ ${min}`,
      got: v,
    });
  return n;
}

function gatewayOf(ctx: CliContext): LlmGateway {
  const g = createGatewayFromConfig(ctx.config);
  if (!g)
    throw createError('AEGLE_LLM_BAD_CONFIG', {
      file: '(none)',
      reason: 'set AEGLE_LLM_CONFIG to a backends file (docs/LLM.md)',
    });
  return g;
}

export function registerLlmCommands(program: Command, getCtx: () => CliContext): void {
  const llm = program
    .command('llm')
    .description(
      'Language models: run a local GGUF model, list gateway models, evaluate clinical extraction',
    );

  llm
    .command('complete')
    .description('Complete a prompt with a local GGUF model (raw completion, no chat template)')
    .requiredOption('--model <file>', 'path of a .gguf model')
    .requiredOption('--prompt <text>', 'the prompt')
    .option('--max-tokens <n>', 'tokens to generate', '64')
    .option('--temperature <t>', 'sampling temperature (0 = greedy)', '0')
    .option('--threads <n>', 'CPU threads', '1')
    .option('--json', 'print {"text", "tokens"} as JSON')
    .action(
      async (o: {
        model: string;
        prompt: string;
        maxTokens?: string;
        temperature?: string;
        threads?: string;
        json?: boolean;
      }) => {
        const ctx = getCtx();
        const temperature = Number(o.temperature ?? '0');
        if (!(temperature >= 0 && temperature <= 2))
          throw createError('AEGLE_CORE_INVALID_PARAM', {
            param: 'temperature',
            owner: 'aegle llm complete',
            expected: 'a number in [0, 2]',
            got: o.temperature,
          });
        const backend = new LlamaBackend({
          name: 'cli',
          modelPath: o.model,
          template: 'raw',
          contextSize: 2048,
          threads: intOpt(o.threads, 'threads', 1, 1),
        });
        try {
          const r = await backend.chat({
            model: o.model,
            messages: [{ role: 'user', content: o.prompt }],
            maxTokens: intOpt(o.maxTokens, 'max-tokens', 1, 64),
            temperature,
          });
          if (o.json) ctx.json({ text: r.text, tokens: r.usage.completionTokens });
          else ctx.out(r.text);
        } finally {
          await backend.close();
        }
      },
    );

  llm
    .command('models')
    .description('Models of the gateway (from the AEGLE_LLM_CONFIG backends file)')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => {
      const ctx = getCtx();
      const g = gatewayOf(ctx);
      const models = g.models();
      if (o.json) ctx.json(models);
      else
        ctx.out(
          formatTable(
            ['id', 'backend', 'kind'],
            models.map((m) => [m.id, m.backend, m.kind]),
          ),
        );
      await g.close();
    });

  llm
    .command('eval')
    .description(
      'Precision/recall per field of a clinical task on a labelled JSONL set ({"text", "labels"} per line)',
    )
    .argument('<task>', 'the task: extract')
    .argument('<data>', 'labelled JSONL file')
    .requiredOption('--backend <b>', 'model id of the gateway to evaluate (aegle llm models)')
    .option('--limit <n>', 'first N examples only')
    .option('--json', 'print JSON')
    .action(async (task: string, data: string, o: { backend: string; limit?: string; json?: boolean }) => {
      const ctx = getCtx();
      if (task !== 'extract')
        throw createError('AEGLE_LLM_BAD_REQUEST', { reason: `unknown task '${task}' (tasks: extract)` });
      let set = readLabelledJsonl(data);
      if (o.limit) set = set.slice(0, intOpt(o.limit, 'limit', 1, set.length));
      const g = gatewayOf(ctx);
      const preds: Array<Extraction | null> = [];
      let failed = 0;
      try {
        for (const [i, ex] of set.entries()) {
          try {
            preds.push((await extractFromNote(g, CLI_CALLER, ex.text, { model: o.backend })).extraction);
          } catch (e) {
            failed++;
            preds.push(null);
            ctx.err(`example ${i + 1}: ${(e as Error).message}`);
          }
        }
      } finally {
        await g.close();
      }
      const scores = scoreExtractions(
        preds,
        set.map((x) => x.labels),
      );
      if (o.json) ctx.json({ task, model: o.backend, examples: set.length, failed, fields: scores });
      else {
        ctx.out(`${set.length} examples, ${failed} failed`);
        ctx.out(
          formatTable(
            ['field', 'precision', 'recall', 'f1', 'tp', 'fp', 'fn'],
            scores.map((s) => [
              s.field,
              s.precision.toFixed(3),
              s.recall.toFixed(3),
              s.f1.toFixed(3),
              s.tp,
              s.fp,
              s.fn,
            ]),
          ),
        );
      }
    });
}
