/**
 * Starting and stopping the service. Shutdown is graceful: readiness turns 503 (load balancers stop
 * sending), the listener stops accepting, in-flight requests finish, running jobs drain (or are
 * cancelled and marked failed after the timeout), and the audit chain and prediction log are flushed
 * before the database closes.
 */
import type { pino } from 'pino';
import type { Config } from '../config/index.js';
import type { Logger } from '../core/index.js';
import { type AegleApp, buildApp } from './app.js';
import { Service, type ServiceOptions } from './service.js';
import { enableParallelPredict } from '../compute/index.js';
import { enableBodyHelper } from './body-helper.js';

export interface RunningServer {
  readonly app: AegleApp;
  readonly service: Service;
  /** `http://host:port` actually bound. */
  readonly url: string;
  /** Graceful shutdown; resolves when everything is closed. Idempotent. */
  close(): Promise<void>;
}

export async function startServer(
  config: Config,
  opts: Omit<ServiceOptions, 'config'> & {
    logger?: Logger;
    httpLogger?: pino.Logger | false;
    host?: string;
    port?: number;
    handleSignals?: boolean;
  } = {},
): Promise<RunningServer> {
  const service = await Service.create({ ...opts, config });
  // a batch of thousands of rows is scored on two threads where there is a second core
  enableParallelPredict();
  enableBodyHelper();
  const app = await buildApp(service, { logger: opts.httpLogger });
  let url: string;
  try {
    url = await app.listen({ host: opts.host ?? config.host, port: opts.port ?? config.port });
  } catch (e) {
    await app.close().catch(() => {});
    await service.close(0).catch(() => {});
    throw e;
  }
  let closing: Promise<void> | null = null;
  const close = () => {
    if (!closing) {
      closing = (async () => {
        app.readiness.ready = false;
        app.readiness.state = 'shutting down';
        app.log.info({}, 'shutting down: draining requests and jobs');
        await app.close();
        await service.close(config.serve.shutdownTimeoutMs);
        app.log.info({}, 'shut down');
      })();
    }
    return closing;
  };
  if (opts.handleSignals) {
    const onSignal = (sig: NodeJS.Signals) => {
      app.log.info({ signal: sig }, 'signal received');
      close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  }
  return { app, service, url, close };
}
