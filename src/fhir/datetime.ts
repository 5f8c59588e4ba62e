/**
 * FHIR date / dateTime / instant parsing to epoch milliseconds (UTC). Partial dates take their first
 * instant (`2012` → 2012-01-01T00:00Z); a dateTime without a zone is read as UTC.
 * Spec: https://hl7.org/fhir/R4/datatypes.html#dateTime
 */

const DATE_TIME_RE =
  /^([0-9]{4})(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01])(T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|[+-]((0[0-9]|1[0-3]):[0-5][0-9]|14:00))?)?)?)?$/;

/** Epoch ms of a FHIR date/dateTime/instant, or NaN when it is not one. */
export function parseFhirDateTime(s: string): number {
  const m = DATE_TIME_RE.exec(s);
  if (!m) return Number.NaN;
  if (!m[2]) return Date.UTC(Number(m[1]), 0, 1);
  if (!m[4]) return Date.UTC(Number(m[1]), Number(m[3]) - 1, 1);
  if (!m[6]) return Date.UTC(Number(m[1]), Number(m[3]) - 1, Number(m[5]));
  return Date.parse(m[10] ? s : `${s}Z`);
}

/** Milliseconds in a (Julian) year of 365.25 days, the unit of ages. */
export const YEAR_MS = 365.25 * 86_400_000;
export const DAY_MS = 86_400_000;
