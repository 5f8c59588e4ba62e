/**
 * The logging interface every layer takes. It is pino's shape (message last, fields first), so a pino
 * logger satisfies it, but lower layers never import pino: they receive a Logger.
 * Logs are data: a constant message plus a fields object. Never put patient data in either.
 */
export interface Logger {
  debug(fields: object, msg: string): void;
  info(fields: object, msg: string): void;
  warn(fields: object, msg: string): void;
  error(fields: object, msg: string): void;
  child(bindings: object): Logger;
}

/** A logger that drops everything (the default for library calls). */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return silentLogger;
  },
};
