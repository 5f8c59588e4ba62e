/**
 * The Fastify application: cross-cutting concerns first (request ids, load shedding, CORS, security
 * headers, authentication + RBAC + per-key rate limits, metrics, problem+json errors, OpenAPI), then
 * one encapsulated plugin per domain. Every route declares its permission in `config.permission`
 * (or `config.public` for health), and its params, body and responses as TypeBox schemas.
 */
import { randomUUID } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import helmet from '@fastify/helmet';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyRequest,
  LogController,
} from 'fastify';
import { pino } from 'pino';
import { REDACT_PATHS } from '../config/index.js';
import { createError } from '../core/index.js';
import { errorHandler, sendProblem } from './errors.js';
import type { Principal } from './keys.js';
import { type Permission, PERMISSION_TEXT, roleAllows } from './rbac.js';
import { analysisRoutes } from './routes/analysis.js';
import { cdsHooksRoutes } from './routes/cds-hooks.js';
import { datasetRoutes } from './routes/datasets.js';
import { estimatorRoutes } from './routes/estimators.js';
import { fhirRoutes } from './routes/fhir.js';
import { insightRoutes } from './routes/insights.js';
import { jobRoutes } from './routes/jobs.js';
import { modelRoutes } from './routes/models.js';
import { oipRoutes } from './routes/oip.js';
import { systemRoutes } from './routes/system.js';
import { ProblemSchema } from './schemas.js';
import type { Service } from './service.js';
import { webDashboard } from './web/index.js';
import { llmPlugin } from './llm/index.js';
import { createGatewayFromConfig } from '../runtime/llm/index.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The permission a caller's role must have. */
    permission?: Permission;
    /** Answers without a credential (health only) — or see `selfAuth`. */
    public?: boolean;
    /**
     * With `public`: the route skips the key check here because it authenticates its callers itself
     * (CDS Hooks: a CDS client's JWT, or a key whose role has `permission`), before reading the body.
     */
    selfAuth?: boolean;
    /**
     * The route serves a browser page or its assets (the dashboard): its responses get helmet's full
     * set of page headers instead of the API set (`API_SECURITY_HEADERS`).
     */
    page?: boolean;
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
}

export interface AppOptions {
  /** A pino logger, or false for none (tests). Default: JSON on stderr at the config's level. */
  readonly logger?: pino.Logger | false;
}

export interface RouteInfo {
  readonly method: string;
  readonly url: string;
  /** null for public routes. */
  readonly permission: Permission | null;
  /** Answers without a credential. */
  readonly public: boolean;
  /** Authenticates its callers itself (a key needs `permission`; see FastifyContextConfig.selfAuth). */
  readonly selfAuth: boolean;
}

/** Whether the service takes traffic (false while starting and while shutting down). */
export interface Readiness {
  ready: boolean;
  state: string;
}

export type AegleApp = FastifyInstance & { readiness: Readiness; routeTable: RouteInfo[] };

/** The headers @fastify/helmet sets with these options (it sets the same ones on every response). */
async function helmetHeaders(options: Record<string, unknown>): Promise<Record<string, string>> {
  const scratch = Fastify();
  await scratch.register(helmet, { global: true, ...options });
  scratch.get('/', async () => 'ok');
  const res = await scratch.inject({ method: 'GET', url: '/' });
  await scratch.close();
  const skip = new Set(['content-type', 'content-length', 'date', 'connection', 'keep-alive']);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers)) if (!skip.has(k) && v !== undefined) out[k] = String(v);
  return out;
}

/**
 * The security headers of an API response (JSON, FHIR, NDJSON, event streams), after OWASP's REST
 * Security Cheat Sheet: no caching anywhere (answers carry patient data), nothing may run or frame
 * it, no MIME sniffing, HTTPS only. helmet's page headers (cross-origin isolation, a CSP for scripts
 * and styles, download and DNS-prefetch switches) only mean something to a browser rendering a page,
 * so they go on pages alone: the dashboard's routes (`page: true`) and the API explorer (`/docs`).
 * A route that sets its own `cache-control` (event streams, the dashboard's assets) keeps it.
 */
export const API_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
};

const REQUEST_ID_RE = /^[A-Za-z0-9._-]{1,64}$/;

export async function buildApp(service: Service, opts: AppOptions = {}): Promise<AegleApp> {
  const cfg = service.config.serve;
  const logger =
    opts.logger === false
      ? pino({ level: 'silent' })
      : (opts.logger ??
        pino(
          {
            level: service.config.logLevel,
            redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
            base: { app: 'aegle' },
          },
          pino.destination({ fd: 2, sync: false }),
        ));
  const app = Fastify({
    loggerInstance: logger,
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'requestId' }),
    genReqId: (req) => {
      const h = req.headers['x-request-id'];
      return typeof h === 'string' && REQUEST_ID_RE.test(h) ? h : randomUUID();
    },
    bodyLimit: cfg.bodyLimit,
    // a request's child logger (with its requestId) is made when the request first logs: most never do
    childLoggerFactory: (logger, bindings, opts) => new LazyChildLogger(logger, bindings, opts),
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    ajv: { customOptions: { allErrors: true, coerceTypes: 'array', removeAdditional: false } },
  }) as unknown as AegleApp;
  const readiness: Readiness = { ready: true, state: 'ready' };
  app.decorate('readiness', readiness);
  // every route with its permission: the authorisation-matrix test and docs/SECURITY.md read this
  const routeTable: RouteInfo[] = [];
  app.decorate('routeTable', routeTable);
  app.addHook('onRoute', (r) => {
    for (const method of [r.method].flat()) {
      if (method === 'HEAD') continue;
      routeTable.push({
        method,
        url: r.url,
        permission: r.config?.permission ?? (r.config?.public ? null : 'docs:read'),
        public: Boolean(r.config?.public) && !r.config?.selfAuth,
        selfAuth: Boolean(r.config?.selfAuth),
      });
    }
  });
  app.decorateRequest('principal', null);
  app.addSchema(ProblemSchema);
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((req, reply) =>
    sendProblem(req, reply, 404, 'AEGLE_SERVE_NOT_FOUND', `No route ${req.method} ${req.url.split('?')[0]}.`),
  );

  // --- load shedding: 503 + Retry-After while the event loop lags (health keeps answering) ---
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  let overloaded = false;
  let behind = 0;
  const lagTimer = setInterval(() => {
    // the mean over each half second (as @fastify/under-pressure does), for two windows in a row: one
    // long synchronous step (start-up, a model load) does not shed a healthy loop; a loop that stays
    // behind does
    behind = lag.count > 0 && lag.mean / 1e6 - 10 > cfg.maxEventLoopDelayMs ? behind + 1 : 0;
    overloaded = behind >= 2;
    lag.reset();
  }, 500);
  lagTimer.unref();
  app.addHook('onClose', async () => {
    clearInterval(lagTimer);
    lag.disable();
  });

  // --- security headers ---
  // API responses get API_SECURITY_HEADERS; pages get helmet's. helmet computes the same headers for
  // every response (and re-parses its CSP each time): compute them once, on a scratch instance, and
  // set them as a block
  const pageHeaders = await helmetHeaders({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", 'https:', "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'validator.swagger.io'],
      },
    },
  });

  // --- authentication, authorisation, per-key rate limits ---
  const authenticate = async (req: FastifyRequest): Promise<void> => {
    const routeCfg = req.routeOptions.config ?? {};
    if (routeCfg.public) return;
    const isDocs = req.url.startsWith('/docs') || req.url.startsWith('/api/v1/openapi.json');
    if (isDocs && cfg.publicDocs) return;
    const permission: Permission = routeCfg.permission ?? 'docs:read';
    const h = req.headers.authorization;
    if (!h) throw createError('AEGLE_AUTH_REQUIRED');
    const m = /^Bearer\s+(\S+)$/i.exec(h);
    const principal = m ? await service.keys.verify(m[1]) : null;
    if (!principal) throw createError('AEGLE_AUTH_INVALID');
    req.principal = principal;
    if (!roleAllows(principal.role, permission))
      throw createError('AEGLE_AUTH_FORBIDDEN', {
        role: principal.role,
        permission: PERMISSION_TEXT[permission],
      });
    const limit = principal.rateLimit ?? cfg.rateLimitPerMinute;
    const rate = await service.rateLimiter.hit(principal.keyId, limit);
    if (!rate.allowed) throw createError('AEGLE_AUTH_RATE_LIMITED', { limit, retryAfter: rate.retryAfter });
  };
  // --- one onRequest hook (each async hook is a promise per request): security headers, request id
  // echo, shedding, CORS, then authentication ---
  const corsOrigins = new Set(cfg.corsOrigins);
  app.addHook('onRequest', async (req, reply) => {
    service.metrics.inFlight.inc();
    const cfgRoute = req.routeOptions.config;
    reply.headers(cfgRoute?.page || req.url.startsWith('/docs') ? pageHeaders : API_SECURITY_HEADERS);
    reply.header('x-request-id', req.id);
    if (overloaded && !cfgRoute?.public) {
      service.metrics.shed.inc();
      reply.header('retry-after', '1');
      return sendProblem(
        req,
        reply,
        503,
        'AEGLE_SERVE_OVERLOADED',
        'The service is overloaded; retry in 1 s.',
      );
    }
    if (corsOrigins.size) {
      const origin = req.headers.origin;
      if (origin && corsOrigins.has(origin)) {
        reply.header('access-control-allow-origin', origin);
        reply.header('vary', 'Origin');
        if (req.method === 'OPTIONS' && req.headers['access-control-request-method']) {
          reply.header('access-control-allow-methods', 'GET,POST,PUT,DELETE');
          reply.header('access-control-allow-headers', 'authorization,content-type,x-request-id');
          reply.header('access-control-max-age', '600');
          return reply.code(204).send();
        }
      }
    }
    try {
      await authenticate(req);
    } catch (e) {
      return errorHandler(e as Error, req, reply);
    }
  });

  // while draining, answer with Connection: close so keep-alive sockets end with their last response
  // (otherwise close() would wait for the keep-alive timeout)
  // (callback hooks: an async one costs a promise and a microtask on every response)
  app.addHook('onSend', (_req, reply, payload, done) => {
    if (!readiness.ready) reply.header('connection', 'close');
    done(null, payload);
  });

  // --- metrics + request log ---
  app.addHook('onResponse', (req, reply, done) => {
    try {
      service.metrics.inFlight.dec();
      const route = req.routeOptions.url ?? 'unmatched';
      service.metrics.httpDuration.observe(
        { method: req.method, route, status: String(reply.statusCode) },
        reply.elapsedTime / 1000,
      );
      if (reply.statusCode >= 500)
        req.log.warn(
          {
            method: req.method,
            route,
            status: reply.statusCode,
            ms: reply.elapsedTime,
            key: req.principal?.keyId,
          },
          'request failed',
        );
      else
        req.log.debug(
          {
            method: req.method,
            route,
            status: reply.statusCode,
            ms: reply.elapsedTime,
            key: req.principal?.keyId,
          },
          'request done',
        );
    } catch (e) {
      done(e as Error);
      return;
    }
    done();
  });

  // --- OpenAPI from the route schemas ---
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Aegle API',
        version: '1',
        description: 'Datasets, jobs, model registry, predictions, audit. See docs/API.md.',
      },
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'aegle_… API key' } },
      },
      security: [{ bearer: [] }],
    },
    refResolver: {
      buildLocalReference: (json, _base, _frag, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`),
    },
  });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    staticCSP: true,
    uiConfig: { url: '/api/v1/openapi.json' } as never,
  });

  await app.register(systemRoutes(service));
  await app.register(datasetRoutes(service), { prefix: '/api/v1/datasets' });
  await app.register(jobRoutes(service), { prefix: '/api/v1/jobs' });
  await app.register(modelRoutes(service), { prefix: '/api/v1/models' });
  await app.register(insightRoutes(service), { prefix: '/api/v1/models' });
  await app.register(estimatorRoutes(), { prefix: '/api/v1' });
  await app.register(analysisRoutes(service), { prefix: '/api/v1/analysis' });
  await app.register(oipRoutes(service), { prefix: '/v2' });
  await app.register(webDashboard());
  await app.register(fhirRoutes(service));
  await app.register(cdsHooksRoutes(service));
  // the LLM gateway answers only when backends are configured (AEGLE_LLM_CONFIG)
  const llmGateway = createGatewayFromConfig(service.config, {
    audit: service.audit,
    registry: service.metrics.registry,
    logger: service.logger,
  });
  if (llmGateway) {
    await app.register(llmPlugin, { prefix: '/api/v1/llm', gateway: llmGateway });
    app.addHook('onClose', async () => llmGateway.close());
  }
  return app;
}

type LogFn = (...args: unknown[]) => void;
type ChildOptions = Parameters<FastifyBaseLogger['child']>[1];

/**
 * A request's logger, made real on first use. Fastify makes a pino child (bindings serialised and
 * redacted) for every request; on the predict path that was 2 % of a request's CPU for a logger that,
 * with request logging off, almost never writes.
 */
class LazyChildLogger {
  private real: FastifyBaseLogger | null = null;

  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly bindings: Record<string, unknown>,
    private readonly opts: ChildOptions,
  ) {}

  private get log(): FastifyBaseLogger {
    this.real ??= this.parent.child(this.bindings, this.opts);
    return this.real;
  }

  /**
   * Whether a call at `level` would write: asked of the parent while no child exists (a child takes
   * its parent's level unless its options set one), so a request that logs nothing at an enabled
   * level never makes its child logger (`req.log.debug(…)` on every response did, at 2 µs each).
   */
  private enabled(level: string): boolean {
    const target = (this.real ?? (this.opts?.level === undefined ? this.parent : null)) as {
      isLevelEnabled?: (l: string) => boolean;
    } | null;
    return target?.isLevelEnabled ? target.isLevelEnabled(level) : true;
  }

  get level(): string {
    return this.real ? this.real.level : this.parent.level;
  }

  set level(l: string) {
    this.log.level = l;
  }

  fatal(...a: unknown[]): void {
    if (this.enabled('fatal')) (this.log.fatal as LogFn)(...a);
  }
  error(...a: unknown[]): void {
    if (this.enabled('error')) (this.log.error as LogFn)(...a);
  }
  warn(...a: unknown[]): void {
    if (this.enabled('warn')) (this.log.warn as LogFn)(...a);
  }
  info(...a: unknown[]): void {
    if (this.enabled('info')) (this.log.info as LogFn)(...a);
  }
  debug(...a: unknown[]): void {
    if (this.enabled('debug')) (this.log.debug as LogFn)(...a);
  }
  trace(...a: unknown[]): void {
    if (this.enabled('trace')) (this.log.trace as LogFn)(...a);
  }
  silent(...a: unknown[]): void {
    (this.log.silent as LogFn)(...a);
  }
  child(bindings: Record<string, unknown>, opts?: ChildOptions): FastifyBaseLogger {
    return this.log.child(bindings, opts);
  }
}
