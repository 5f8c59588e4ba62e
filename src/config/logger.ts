import { pino } from 'pino';
import type { Logger } from '../core/index.js';
import type { Config } from './config.js';

/**
 * Paths redacted from every log line: anything that could carry patient data. Logs hold codes,
 * counts, ids and timings, never values.
 */
export const REDACT_PATHS = [
  'row',
  'rows',
  'values',
  'value',
  'text',
  'note',
  'patient',
  'name',
  'body',
  'req.body',
  'req.headers.authorization',
  'headers.authorization',
  '*.row',
  '*.rows',
  '*.value',
  '*.values',
  '*.text',
  '*.patient',
];

/** A pino logger writing JSON to stderr (stdout stays clean for `--json` output). */
export function createLogger(config: Pick<Config, 'logLevel'>, destination = 2): Logger {
  return pino(
    { level: config.logLevel, redact: { paths: REDACT_PATHS, censor: '[REDACTED]' }, base: { app: 'aegle' } },
    pino.destination({ fd: destination, sync: true }),
  ) as unknown as Logger;
}
