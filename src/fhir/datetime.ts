/**
 * FHIR date / dateTime / instant parsing to epoch milliseconds (UTC). Partial dates take their first
 * instant (`2012` → 2012-01-01T00:00Z); a dateTime without a zone is read as UTC.
 * Spec: https://hl7.org/fhir/R4/datatypes.html#dateTime
 */

const DATE_TIME_RE =
  /^([0-9]{4})(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01])(T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|[+-]((0[0-9]|1[0-3]):[0-5][0-9]|14:00))?)?)?)?$/;

/** The value of the `n` decimal digits of `s` at `at`, or -1 when one of them is not a digit. */
function digits(s: string, at: number, n: number): number {
  let v = 0;
  for (let i = at; i < at + n; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/**
 * The two shapes bulk exports are made of, read without a regular expression: `YYYY-MM-DD` and
 * `YYYY-MM-DDThh:mm:ss[.sss]Z`. Returns undefined for anything else (and for days past the 28th,
 * leap seconds and years before 1000, whose handling is left to `Date.parse`), so that the result
 * always equals the general path's.
 */
function parseCommon(s: string): number | undefined {
  const len = s.length;
  if (len !== 10 && len !== 20 && len !== 24) return undefined;
  if (s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45) return undefined; // '-'
  const y = digits(s, 0, 4);
  const mo = digits(s, 5, 2);
  const d = digits(s, 8, 2);
  if (y < 0 || mo < 1 || mo > 12 || d < 1) return undefined;
  if (len === 10) return d > 31 ? undefined : Date.UTC(y, mo - 1, d);
  if (d > 28 || y < 1000) return undefined;
  // 'T' hh ':' mm ':' ss
  if (s.charCodeAt(10) !== 84 || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58) return undefined;
  if (s.charCodeAt(len - 1) !== 90) return undefined; // 'Z'
  const h = digits(s, 11, 2);
  const mi = digits(s, 14, 2);
  const sec = digits(s, 17, 2);
  if (h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59) return undefined;
  let ms = 0;
  if (len === 24) {
    if (s.charCodeAt(19) !== 46) return undefined; // '.'
    ms = digits(s, 20, 3);
    if (ms < 0) return undefined;
  }
  return Date.UTC(y, mo - 1, d, h, mi, sec, ms);
}

/** Epoch ms of a FHIR date/dateTime/instant, or NaN when it is not one. */
export function parseFhirDateTime(s: string): number {
  const fast = parseCommon(s);
  if (fast !== undefined) return fast;
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
