/**
 * A small typed client over `fetch`, typed by `schema.d.ts` (generated from the service's OpenAPI
 * document by scripts/gen-web-api.ts): a path or body that the server does not declare fails to
 * compile. Errors come back as `ApiError` carrying the RFC 9457 problem document, so every page can
 * say in words what went wrong.
 */
import type { paths } from './schema';

export type Method = 'get' | 'post' | 'put' | 'delete';
type Op<P extends keyof paths, M extends Method> = NonNullable<paths[P][M]>;
type Json<X> = X extends { content: { 'application/json': infer J } } ? J : unknown;
type Success<R> = R extends { 200: infer X }
  ? Json<X>
  : R extends { 201: infer X }
    ? Json<X>
    : R extends { 202: infer X }
      ? Json<X>
      : undefined;
/** What a successful call returns. */
export type Result<P extends keyof paths, M extends Method> =
  Op<P, M> extends { responses: infer R } ? Success<R> : never;
type Body<O> = O extends { requestBody?: { content: { 'application/json': infer B } } } ? B : never;
type Query<O> = O extends { parameters: { query?: infer Q } } ? Q : never;
type PathParams<O> = O extends { parameters: { path: infer A } } ? A : never;

export interface CallOptions<P extends keyof paths, M extends Method> {
  readonly path?: PathParams<Op<P, M>>;
  readonly query?: Query<Op<P, M>>;
  readonly body?: Body<Op<P, M>>;
  readonly signal?: AbortSignal;
}

/** A problem+json answer (or a network failure) in words. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string | null = null,
    readonly errors: readonly unknown[] = [],
    readonly requestId: string | null = null,
  ) {
    super(message);
  }
}

export function fillPath(template: string, params: Record<string, unknown> | undefined): string {
  return template.replace(/\{(\w+)\}/g, (_m, k: string) => {
    const v = params?.[k];
    if (v === undefined || v === null) throw new Error(`missing path parameter ${k}`);
    return encodeURIComponent(String(v));
  });
}

export function queryString(q: Record<string, unknown> | undefined): string {
  if (!q) return '';
  const sp = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== null && v !== '') sp.set(k, String(v));
  const s = sp.toString();
  return s ? `?${s}` : '';
}

/** Reads a failed response as an ApiError with the server's own words. */
export async function toApiError(res: Response): Promise<ApiError> {
  const text = await res.text().catch(() => '');
  try {
    const p = JSON.parse(text) as {
      detail?: string;
      title?: string;
      code?: string;
      errors?: unknown[];
      requestId?: string;
      error?: string;
    };
    return new ApiError(
      p.detail ?? p.error ?? p.title ?? `${res.status} ${res.statusText}`,
      res.status,
      p.code ?? null,
      p.errors ?? [],
      p.requestId ?? res.headers.get('x-request-id'),
    );
  } catch {
    return new ApiError(
      `The server answered ${res.status} ${res.statusText}${text ? `: ${text.slice(0, 200)}` : ''}`,
      res.status,
      null,
      [],
      res.headers.get('x-request-id'),
    );
  }
}

export class Api {
  constructor(readonly key: string) {}

  headers(extra: Record<string, string> = {}): Record<string, string> {
    return { authorization: `Bearer ${this.key}`, ...extra };
  }

  async call<P extends keyof paths, M extends Method>(
    method: M,
    p: P,
    opts: CallOptions<P, M> = {},
  ): Promise<Result<P, M>> {
    const url =
      fillPath(p as string, opts.path as Record<string, unknown>) +
      queryString(opts.query as Record<string, unknown>);
    const init: RequestInit = {
      method: method.toUpperCase(),
      headers: this.headers(opts.body === undefined ? {} : { 'content-type': 'application/json' }),
      signal: opts.signal,
    };
    if (opts.body !== undefined) init.body = JSON.stringify(opts.body);
    let res: Response;
    try {
      res = await fetch(url, init);
    } catch (e) {
      if ((e as Error).name === 'AbortError') throw e;
      throw new ApiError(
        `Cannot reach the Aegle server (${(e as Error).message}). Check that it is running.`,
        0,
      );
    }
    if (!res.ok) throw await toApiError(res);
    if (res.status === 204) return undefined as Result<P, M>;
    const type = res.headers.get('content-type') ?? '';
    return (type.includes('json') ? await res.json() : await res.text()) as Result<P, M>;
  }

  get<P extends keyof paths>(p: P, opts?: CallOptions<P, 'get'>) {
    return this.call('get', p, opts);
  }
  post<P extends keyof paths>(p: P, opts?: CallOptions<P, 'post'>) {
    return this.call('post', p, opts);
  }
  put<P extends keyof paths>(p: P, opts?: CallOptions<P, 'put'>) {
    return this.call('put', p, opts);
  }
  delete<P extends keyof paths>(p: P, opts?: CallOptions<P, 'delete'>) {
    return this.call('delete', p, opts);
  }

  /** Upload with progress (fetch has no upload progress; XMLHttpRequest does). */
  upload<P extends keyof paths>(
    p: P,
    form: FormData,
    onProgress: (fraction: number) => void,
    opts: { path?: Record<string, unknown> } = {},
  ): Promise<Result<P, 'post'>> {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open('POST', fillPath(p as string, opts.path));
      xhr.setRequestHeader('authorization', `Bearer ${this.key}`);
      xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
      xhr.onerror = () => reject(new ApiError('The upload failed: the server could not be reached.', 0));
      xhr.onload = () => {
        const res = new Response(xhr.status === 204 ? null : xhr.responseText, {
          status: xhr.status,
          headers: { 'content-type': xhr.getResponseHeader('content-type') ?? '' },
        });
        if (xhr.status >= 200 && xhr.status < 300) resolve(JSON.parse(xhr.responseText));
        else toApiError(res).then(reject, reject);
      };
      xhr.send(form);
    });
  }

  /**
   * Server-Sent Events over fetch (EventSource cannot send the Authorization header). Calls `onEvent`
   * per event until the stream ends or `signal` aborts.
   */
  async events(
    url: string,
    onEvent: (event: string, data: unknown) => void,
    signal: AbortSignal,
  ): Promise<void> {
    const res = await fetch(url, { headers: this.headers({ accept: 'text/event-stream' }), signal });
    if (!res.ok || !res.body) throw await toApiError(res);
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buf = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += value;
      let cut = buf.indexOf('\n\n');
      while (cut >= 0) {
        const block = buf.slice(0, cut);
        buf = buf.slice(cut + 2);
        let event = 'message';
        const data: string[] = [];
        for (const line of block.split('\n')) {
          if (line.startsWith('event:')) event = line.slice(6).trim();
          else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
        }
        if (data.length) {
          try {
            onEvent(event, JSON.parse(data.join('\n')));
          } catch {
            onEvent(event, data.join('\n'));
          }
        }
        cut = buf.indexOf('\n\n');
      }
    }
  }
}
