/** Request and response schemas of the OpenAI-compatible LLM routes (TypeBox → JSON Schema → OpenAPI). */
import { Type } from '@sinclair/typebox';

export const ChatMessageSchema = Type.Object(
  {
    role: Type.Union([
      Type.Literal('system'),
      Type.Literal('developer'),
      Type.Literal('user'),
      Type.Literal('assistant'),
      Type.Literal('tool'),
    ]),
    // a string, or an array of {type: 'text', text} parts (checked in the handler: ajv's type coercion
    // mangles a union of string and array)
    content: Type.Unknown({ description: 'string, or an array of {type: "text", text} parts' }),
    name: Type.Optional(Type.String()),
  },
  { additionalProperties: true },
);

export const ChatCompletionBody = Type.Object(
  {
    model: Type.String({ minLength: 1 }),
    messages: Type.Array(ChatMessageSchema, { minItems: 1, maxItems: 1000 }),
    temperature: Type.Optional(Type.Number({ minimum: 0, maximum: 2 })),
    top_p: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    max_tokens: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
    max_completion_tokens: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
    stop: Type.Optional(Type.Union([Type.String(), Type.Array(Type.String(), { maxItems: 8 }), Type.Null()])),
    seed: Type.Optional(Type.Integer()),
    stream: Type.Optional(Type.Boolean()),
    stream_options: Type.Optional(
      Type.Object({ include_usage: Type.Optional(Type.Boolean()) }, { additionalProperties: true }),
    ),
    response_format: Type.Optional(
      Type.Union([
        Type.Object({ type: Type.Literal('text') }),
        Type.Object({ type: Type.Literal('json_object') }),
        Type.Object({
          type: Type.Literal('json_schema'),
          json_schema: Type.Object(
            {
              name: Type.Optional(Type.String()),
              schema: Type.Record(Type.String(), Type.Unknown()),
              strict: Type.Optional(Type.Boolean()),
            },
            { additionalProperties: true },
          ),
        }),
      ]),
    ),
    user: Type.Optional(Type.String()),
    /** Aegle extensions: the conversation scope of surrogates, and the dataset the text is from (policy). */
    metadata: Type.Optional(
      Type.Object(
        { conversation_id: Type.Optional(Type.String()), dataset: Type.Optional(Type.String()) },
        { additionalProperties: true },
      ),
    ),
  },
  {
    additionalProperties: true,
    description:
      'OpenAI chat-completions request (https://platform.openai.com/docs/api-reference/chat/create)',
  },
);

export const ChatCompletionResponse = Type.Object({
  id: Type.String(),
  object: Type.Literal('chat.completion'),
  created: Type.Integer(),
  model: Type.String(),
  choices: Type.Array(
    Type.Object({
      index: Type.Integer(),
      message: Type.Object({ role: Type.Literal('assistant'), content: Type.String() }),
      finish_reason: Type.String(),
    }),
  ),
  usage: Type.Object({
    prompt_tokens: Type.Integer(),
    completion_tokens: Type.Integer(),
    total_tokens: Type.Integer(),
  }),
});

export const ModelList = Type.Object({
  object: Type.Literal('list'),
  data: Type.Array(
    Type.Object({
      id: Type.String(),
      object: Type.Literal('model'),
      created: Type.Integer(),
      owned_by: Type.String(),
      /** `local` backends may see PHI; `external` ones only ever see surrogates. */
      kind: Type.String(),
    }),
  ),
});
