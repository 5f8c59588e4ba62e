/**
 * Replaces detected PHI in free text with tags (`[NAME]`) or with surrogates: realistic stand-ins that
 * are the same for the same value within a document or patient (keyed, so they reveal nothing), and
 * dates moved by the patient's date offset so intervals survive.
 */
import type { Pseudonymizer } from '../keys.js';
import { DAY_MS } from '../keys.js';
import { type DetectOptions, type PhiEntity, type PhiType, detectPhi } from './detect.js';

export interface RedactOptions extends DetectOptions {
  /** `tag` (default) writes `[TYPE]`; `surrogate` writes keyed stand-ins (needs `pseudonymizer`). */
  readonly mode?: 'tag' | 'surrogate';
  readonly pseudonymizer?: Pseudonymizer;
  /** The patient the text belongs to: surrogates and date shifts are consistent per patient. */
  readonly patientKey?: string;
  /** Largest date shift in days (default 365). */
  readonly maxShiftDays?: number;
}

export interface RedactResult {
  /** The text with every detected span replaced. */
  readonly text: string;
  /** The spans found, with offsets into the ORIGINAL text. */
  readonly entities: PhiEntity[];
}

/** Surrogate names chosen to be unlike real patients' names (so a surrogate is never mistaken for PHI). */
const SURROGATE_GIVEN = [
  'Arlo',
  'Briar',
  'Cleo',
  'Dax',
  'Ember',
  'Fenn',
  'Juno',
  'Kit',
  'Lark',
  'Nico',
  'Oren',
  'Pim',
  'Quill',
  'Rue',
  'Sol',
  'Tove',
];
const SURROGATE_FAMILY = [
  'Ashgrove',
  'Brackenridge',
  'Coldwater',
  'Dunstable',
  'Eldermoor',
  'Farrowdale',
  'Glenmere',
  'Hollowell',
  'Ivybridge',
  'Kestrelton',
  'Larkspur',
  'Mossbank',
  'Northam',
  'Oakhurst',
  'Pendleford',
  'Quarrington',
];

function pad(n: number, w: number): string {
  return String(n).padStart(w, '0');
}

/** Shifts a date written as ISO (yyyy-mm-dd…) or US (m/d/yyyy) by `days`, keeping the format. */
export function shiftDateText(s: string, days: number): string | null {
  let m = /^(\d{4})-(\d{1,2})-(\d{1,2})/.exec(s);
  if (m) {
    const t = Date.UTC(+m[1], +m[2] - 1, +m[3]) + days * DAY_MS;
    if (Number.isNaN(t)) return null;
    const d = new Date(t);
    return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}${s.slice(m[0].length)}`;
  }
  m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(s);
  if (m) {
    const t = Date.UTC(+m[3], +m[1] - 1, +m[2]) + days * DAY_MS;
    if (Number.isNaN(t)) return null;
    const d = new Date(t);
    return `${pad(d.getUTCMonth() + 1, 2)}/${pad(d.getUTCDate(), 2)}/${d.getUTCFullYear()}`;
  }
  return null;
}

function surrogate(type: PhiType, value: string, o: RedactOptions): string {
  const p = o.pseudonymizer!;
  const scope = o.patientKey ?? '';
  const h = p.hmac(`${scope}\u0000${value.toLowerCase()}`, `surrogate/${type}`);
  switch (type) {
    case 'NAME': {
      const parts = value.trim().split(/\s+/).length;
      const fam = SURROGATE_FAMILY[h[1] % SURROGATE_FAMILY.length];
      return parts > 1 ? `${SURROGATE_GIVEN[h[0] % SURROGATE_GIVEN.length]} ${fam}` : fam;
    }
    case 'DATE': {
      if (o.patientKey !== undefined) {
        const shifted = shiftDateText(value, p.dateOffsetDays(o.patientKey, o.maxShiftDays ?? 365));
        if (shifted) return shifted;
      }
      return '[DATE]';
    }
    case 'PHONE':
      return `555-01${pad(h.readUInt16BE(0) % 100, 2)}`;
    case 'EMAIL':
      return `user${h.readUInt16BE(0)}@example.org`;
    case 'AGE':
      return '90+';
    default:
      return `[${type}-${h.toString('hex').slice(0, 6)}]`;
  }
}

/** Detects and replaces PHI in `text`. Never throws on any string input. */
export function redactText(text: string, options: RedactOptions = {}): RedactResult {
  if (typeof text !== 'string' || text.length === 0)
    return { text: typeof text === 'string' ? text : '', entities: [] };
  const entities = detectPhi(text, options);
  const useSurrogates = options.mode === 'surrogate' && options.pseudonymizer !== undefined;
  let out = '';
  let at = 0;
  for (const e of entities) {
    out += text.slice(at, e.start);
    out += useSurrogates ? surrogate(e.type, text.slice(e.start, e.end), options) : `[${e.type}]`;
    at = e.end;
  }
  out += text.slice(at);
  return { text: out, entities };
}
