/**
 * A tiny OpenAI-compatible chat-completions server on loopback for tests and benchmarks. It records
 * every request it receives (headers and body, raw), and answers by echoing the prompt back
 * (`ECHO: <all message contents>`), so tests can check both what left the gateway and what came back.
 * Streams are cut into `chunkSize`-character deltas so surrogates straddle chunk boundaries.
 * Faults on demand: `failNext(n, status)`, `delayMs`, `hangNext(n)`.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  /** The raw body as received. */
  readonly raw: string;
  readonly body: any;
}

export interface FakeUpstreamOptions {
  readonly chunkSize?: number;
  /** Custom answer instead of the echo. */
  readonly answer?: (body: any) => string;
}

export class FakeUpstream {
  readonly requests: RecordedRequest[] = [];
  delayMs = 0;
  private failing: Array<number> = [];
  private hanging = 0;

  private constructor(
    private readonly server: Server,
    readonly url: string,
    private readonly opts: FakeUpstreamOptions,
  ) {}

  static async start(opts: FakeUpstreamOptions = {}): Promise<FakeUpstream> {
    let self: FakeUpstream | null = null;
    const server = createServer((req, res) => {
      const parts: Buffer[] = [];
      req.on('data', (c: Buffer) => parts.push(c));
      req.on('end', () => {
        void self!.handle(req, Buffer.concat(parts).toString('utf8'), res);
      });
    });
    server.keepAliveTimeout = 5000;
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as AddressInfo).port;
    self = new FakeUpstream(server, `http://127.0.0.1:${port}/v1`, opts);
    return self;
  }

  /** The next `n` requests fail with `status`. */
  failNext(n: number, status = 500): void {
    for (let i = 0; i < n; i++) this.failing.push(status);
  }

  /** The next `n` requests never answer (until the client gives up). */
  hangNext(n: number): void {
    this.hanging += n;
  }

  /** Everything the upstream received, as one string (to search for leaked values). */
  allReceived(): string {
    return this.requests.map((r) => r.raw).join('\n');
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private async handle(
    req: IncomingMessage,
    raw: string,
    res: import('node:http').ServerResponse,
  ): Promise<void> {
    let body: any = null;
    try {
      body = JSON.parse(raw);
    } catch {}
    this.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, raw, body });
    if (this.hanging > 0) {
      this.hanging--;
      return; // never answers
    }
    const fail = this.failing.shift();
    if (fail !== undefined) {
      res.writeHead(fail, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'injected failure' } }));
      return;
    }
    if (req.url !== '/v1/chat/completions' || !body || !Array.isArray(body.messages)) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{"error":{"message":"not found"}}');
      return;
    }
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
    const text = this.opts.answer
      ? this.opts.answer(body)
      : `ECHO: ${body.messages.map((m: any) => m.content).join('\n')}`;
    const promptTokens = Math.ceil(raw.length / 4);
    const completionTokens = Math.ceil(text.length / 4);
    if (!body.stream) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          id: 'fake-1',
          object: 'chat.completion',
          model: body.model,
          choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
          usage: {
            prompt_tokens: promptTokens,
            completion_tokens: completionTokens,
            total_tokens: promptTokens + completionTokens,
          },
        }),
      );
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const size = this.opts.chunkSize ?? 3;
    const send = (o: unknown) => res.write(`data: ${JSON.stringify(o)}\n\n`);
    send({
      id: 'fake-1',
      object: 'chat.completion.chunk',
      choices: [{ index: 0, delta: { role: 'assistant' } }],
    });
    for (let i = 0; i < text.length; i += size) {
      send({
        id: 'fake-1',
        object: 'chat.completion.chunk',
        choices: [{ index: 0, delta: { content: text.slice(i, i + size) }, finish_reason: null }],
      });
    }
    send({
      id: 'fake-1',
      object: 'chat.completion.chunk',
      choices: [{ index: 0, delta: {}, finish_reason: 'stop' }],
    });
    if (body.stream_options?.include_usage)
      send({
        id: 'fake-1',
        object: 'chat.completion.chunk',
        choices: [],
        usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens },
      });
    res.end('data: [DONE]\n\n');
  }
}
