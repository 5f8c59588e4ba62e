let lastMs = -1;
let lastIso = '';

/**
 * The current time as ISO 8601 with milliseconds (`2026-11-28T20:45:00.123Z`), formatted at most once
 * per millisecond: a server stamping thousands of log entries a second formats each instant once.
 */
export function isoNow(): string {
  const ms = Date.now();
  if (ms !== lastMs) {
    lastMs = ms;
    lastIso = new Date(ms).toISOString();
  }
  return lastIso;
}
