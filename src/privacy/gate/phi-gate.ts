/**
 * The PHI gate: what every prompt passes before it leaves the trust boundary for an `external`
 * language model, and what every answer passes on its way back.
 *
 * - `protect(text)` finds PHI with the privacy layer's free-text detector (`detectPhi`) and replaces
 *   each value with a surrogate. Surrogates are keyed (HMAC of the conversation scope and the value)
 *   and collision-checked, so one value gets one surrogate throughout a conversation, two values never
 *   share one, and the same conversation resent with its history gets the same surrogates again.
 *   Values once detected are also replaced wherever they recur verbatim (a name part the detector
 *   missed on its own, say), so what one message gave away is not leaked by another.
 * - The mapping surrogate → real value stays in the session object, on the server; it is never sent,
 *   logged or returned.
 * - `restore(text)` puts real values back into an answer; `restorer()` does it for a stream, holding
 *   back only the tail that could still be the start of a surrogate split across chunks.
 *
 * Surrogates: names → invented given/family names (each part mapped on its own, so "Ashgrove" alone
 * restores to the real family name too); dates → the conversation's date shift, keeping the format
 * (intervals survive); phones → 555-01xx; e-mails → @example.org; every other identifier → a bracketed
 * token such as `[ID-K3QF]`.
 */
import type { Pseudonymizer } from '../keys.js';
import { type DetectOptions, type PhiType, detectPhi } from '../text/detect.js';
import { GIVEN_NAMES } from '../text/lexicon.js';
import { shiftDateText } from '../text/redact.js';

/**
 * Invented names, unlike real patients' names: none contains a name of the privacy lexicons or of the
 * synthetic cohort's generator (so a surrogate is never read as, or tested as, a real name).
 */
const GIVEN = [
  'Arlo',
  'Briar',
  'Calyx',
  'Dax',
  'Ember',
  'Fenn',
  'Ozzo',
  'Lark',
  'Nico',
  'Oren',
  'Pim',
  'Quill',
  'Rue',
  'Sol',
  'Tove',
  'Wren',
  'Zephyr',
  'Idris',
  'Marlo',
  'Sable',
  'Tamsin',
  'Vesper',
  'Yarrow',
  'Azure',
  'Bexley',
  'Cosmo',
  'Dorrit',
  'Elwyn',
  'Fable',
  'Gryff',
  'Halcyon',
  'Ister',
  'Jubal',
  'Lumen',
  'Mirth',
  'Nyx',
  'Orrin',
  'Quinby',
  'Rill',
  'Sorrel',
  'Thane',
  'Umber',
  'Wilder',
  'Xeno',
  'Yule',
  'Zinnia',
];
const FAMILY = [
  'Ashgrove',
  'Brackmoor',
  'Coldwater',
  'Dunstable',
  'Eldermoor',
  'Farrowmere',
  'Hollowvale',
  'Kestrelton',
  'Larkspur',
  'Mossbank',
  'Northam',
  'Oakhurst',
  'Pendlecombe',
  'Quarrington',
  'Rookmere',
  'Saltmarsh',
  'Thistlecombe',
  'Umberleigh',
  'Wrenfield',
  'Yarncliffe',
  'Thornvale',
  'Copperfold',
  'Brindlemere',
  'Cloudbury',
  'Duskwater',
  'Emberlyn',
  'Fernhollow',
  'Gorsemoor',
  'Heathcote',
  'Inkwater',
  'Lindenfall',
  'Marrowby',
  'Nettlecombe',
  'Orchardine',
  'Pebblemoor',
  'Quillfeather',
  'Ravensmoor',
  'Sedgewick',
  'Vetchley',
  'Yewbarrow',
  'Zennorby',
];
const B32 = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/**
 * Clinical abbreviations the name detector can take for a capitalised unknown word ("HbA" of "HbA1c").
 * A name is never one of these, and replacing them would garble the prompt.
 */
export const GATE_CLINICAL_TERMS: ReadonlySet<string> = new Set([
  'hba',
  'hba1c',
  'spo2',
  'sao2',
  'fio2',
  'pao2',
  'paco2',
  'egfr',
  'ecog',
  'nyha',
  'gcs',
  'inr',
  'mg',
  'mcg',
  'ml',
  'mmhg',
  'bpm',
  'po',
  'iv',
  'im',
  'sc',
  'prn',
  'bid',
  'tid',
  'qid',
  'qd',
  'qhs',
]);

export interface PhiGateOptions {
  /** Keyed functions of the privacy layer (HMAC for surrogates, per-scope date offsets). */
  readonly pseudonymizer: Pseudonymizer;
  /** Largest date shift in days (default 365). */
  readonly maxShiftDays?: number;
  /** Detector options (default: all types, dictionaries on). */
  readonly detect?: DetectOptions;
  /** Words never treated as names (lower case); default GATE_CLINICAL_TERMS. */
  readonly clinicalTerms?: ReadonlySet<string>;
}

/** PHI-free counts of what one session replaced (for audit summaries and metrics). */
export type GateCounts = Partial<Record<PhiType, number>>;

/** Creates gate sessions; one per conversation (request). */
export class PhiGate {
  constructor(private readonly opts: PhiGateOptions) {}

  /**
   * A session for one conversation. `scope` identifies it (a conversation id, or a hash of its first
   * message): surrogates and date shifts are the same for the same scope and differ between scopes.
   */
  session(scope: string): GateSession {
    return new GateSession(this.opts, scope);
  }
}

interface Match {
  start: number;
  end: number;
  replacement: string;
}

/** One conversation's mapping. Never serialise it: it holds the real values. */
export class GateSession {
  /** original (lower-cased key) → surrogate */
  private readonly forward = new Map<string, string>();
  /** surrogate (lower-cased) → original, as first written */
  private readonly backward = new Map<string, string>();
  /** originals as written (for the verbatim second pass), with their surrogate */
  private readonly originals = new Map<string, string>();
  /** every original seen (lower-cased): a surrogate must never equal one */
  private readonly reserved = new Set<string>();
  private readonly counts: GateCounts = {};
  private prefixes: Set<string> | null = null;
  private maxSurrogate = 0;

  constructor(
    private readonly opts: PhiGateOptions,
    private readonly scope: string,
  ) {}

  /** How many values of each type were replaced so far (no values, only counts). */
  get replaced(): GateCounts {
    return { ...this.counts };
  }

  /** Number of distinct values mapped. */
  get size(): number {
    return this.backward.size;
  }

  /** Replaces every PHI value in `text` with its surrogate. */
  protect(text: string): string {
    if (typeof text !== 'string' || text.length === 0) return '';
    const matches: Match[] = [];
    const keep = this.opts.clinicalTerms ?? GATE_CLINICAL_TERMS;
    const entities = detectPhi(text, this.opts.detect).filter(
      (e) => e.type !== 'NAME' || !keep.has(text.slice(e.start, e.end).toLowerCase()),
    );
    for (const e of entities) this.reserved.add(text.slice(e.start, e.end).toLowerCase());
    for (const e of entities) {
      const value = text.slice(e.start, e.end);
      matches.push({ start: e.start, end: e.end, replacement: this.surrogateFor(e.type, value) });
    }
    // Second pass: values known from this conversation that recur where the detector did not fire.
    if (this.originals.size) {
      const covered = (a: number, b: number) => matches.some((m) => m.start < b && a < m.end);
      for (const m of findKeys(text, this.originals)) if (!covered(m.start, m.end)) matches.push(m);
    }
    if (matches.length === 0) return text;
    matches.sort((a, b) => a.start - b.start);
    let out = '';
    let at = 0;
    for (const m of matches) {
      if (m.start < at) continue;
      out += text.slice(at, m.start) + m.replacement;
      at = m.end;
    }
    return out + text.slice(at);
  }

  /** Puts the real values back in place of surrogates. */
  restore(text: string): string {
    const r = this.restorer();
    return r.push(text) + r.flush();
  }

  /** A restorer for a stream of chunks (surrogates may be split anywhere between chunks). */
  restorer(): StreamRestorer {
    return new StreamRestorer(this);
  }

  /** @internal Matches of surrogates in `text`, left to right, longest first. */
  findSurrogates(text: string): Match[] {
    return this.backward.size ? findKeys(text, this.backward) : [];
  }

  /** @internal Earliest index from which the tail of `text` could still grow into a surrogate. */
  unsafeTail(text: string): number {
    if (this.backward.size === 0) return text.length;
    const prefixes = this.prefixSet();
    const from = Math.max(0, text.length - this.maxSurrogate);
    for (let i = from; i < text.length; i++) {
      if (prefixes.has(text.slice(i).toLowerCase())) return i;
    }
    return text.length;
  }

  private surrogateFor(type: PhiType, value: string): string {
    const key = `${type}\u0000${value.toLowerCase()}`;
    const known = this.forward.get(key);
    if (known !== undefined) return known;
    let sur: string;
    if (type === 'NAME') sur = this.nameSurrogate(value);
    else {
      sur = this.pick(type, value);
      this.bind(value, sur);
    }
    this.forward.set(key, sur);
    this.counts[type] = (this.counts[type] ?? 0) + 1;
    return sur;
  }

  private nameSurrogate(value: string): string {
    const parts = value.split(/(\s+)/);
    const words = parts.filter((p) => p.trim() !== '');
    let w = 0;
    const mapped = parts.map((p) => {
      if (p.trim() === '') return p;
      const isFirstOfSeveral = w === 0 && words.length > 1;
      w++;
      return this.namePart(p, isFirstOfSeveral);
    });
    const sur = mapped.join('');
    if (words.length > 1) this.bind(value, sur);
    return sur;
  }

  private namePart(part: string, firstOfSeveral: boolean): string {
    const k = `NAMEPART\u0000${part.toLowerCase()}`;
    const known = this.forward.get(k);
    if (known !== undefined) return known;
    const bare = part.replace(/[.,]+$/, '');
    const trail = part.slice(bare.length);
    let sur: string;
    if (bare.length <= 1)
      sur = part; // an initial carries next to nothing; keep it
    else {
      const given = firstOfSeveral || GIVEN_NAMES.has(bare.toLowerCase());
      const pool = given ? GIVEN : FAMILY;
      const h = this.opts.pseudonymizer.hmac(`${this.scope}\u0000${bare.toLowerCase()}`, 'llm-gate/name');
      sur = '';
      for (let i = 0; i < pool.length * 4; i++) {
        const base = pool[(h.readUInt32BE(0) + i) % pool.length];
        const cand =
          i < pool.length ? base : `${base}${String.fromCharCode(65 + Math.floor(i / pool.length))}`;
        if (!this.backward.has(cand.toLowerCase()) && !this.reserved.has(cand.toLowerCase())) {
          sur = cand;
          break;
        }
      }
      if (!sur) sur = this.token('NAME', bare);
      if (bare === bare.toUpperCase() && bare !== bare.toLowerCase()) sur = sur.toUpperCase();
      this.bind(bare, sur);
      sur += trail;
    }
    this.forward.set(k, sur);
    return sur;
  }

  private pick(type: PhiType, value: string): string {
    const h = this.opts.pseudonymizer.hmac(`${this.scope}\u0000${value.toLowerCase()}`, `llm-gate/${type}`);
    const free = (s: string) => !this.backward.has(s.toLowerCase()) && !this.reserved.has(s.toLowerCase());
    if (type === 'DATE') {
      const days = this.opts.pseudonymizer.dateOffsetDays(
        `llm-gate/${this.scope}`,
        this.opts.maxShiftDays ?? 365,
      );
      const shifted = shiftDateText(value, days);
      if (shifted && shifted !== value && free(shifted)) return shifted;
    } else if (type === 'PHONE') {
      for (let i = 0; i < 100; i++) {
        const cand = `555-01${String((h.readUInt16BE(0) + i) % 100).padStart(2, '0')}`;
        if (free(cand)) return cand;
      }
    } else if (type === 'EMAIL') {
      for (let i = 0; i < 8; i++) {
        const cand = `patient.${code(h, 4 + i)}@example.org`.toLowerCase();
        if (free(cand)) return cand;
      }
    }
    return this.token(type, value, h);
  }

  private token(type: PhiType, value: string, h?: Buffer): string {
    const hh =
      h ?? this.opts.pseudonymizer.hmac(`${this.scope}\u0000${value.toLowerCase()}`, `llm-gate/${type}`);
    for (let n = 4; n <= 16; n++) {
      const cand = `[${type}-${code(hh, n)}]`;
      if (!this.backward.has(cand.toLowerCase())) return cand;
    }
    return `[${type}-${this.backward.size}]`;
  }

  private bind(original: string, sur: string): void {
    const lk = sur.toLowerCase();
    if (!this.backward.has(lk)) this.backward.set(lk, original);
    if (original.length >= 3) this.originals.set(original.toLowerCase(), sur);
    this.maxSurrogate = Math.max(this.maxSurrogate, sur.length);
    this.prefixes = null;
  }

  private prefixSet(): Set<string> {
    if (!this.prefixes) {
      const s = new Set<string>();
      for (const k of this.backward.keys()) for (let i = 1; i <= k.length; i++) s.add(k.slice(0, i));
      this.prefixes = s;
    }
    return this.prefixes;
  }
}

const LETTER = /\p{L}/u;
const DIGIT = /\p{N}/u;

/** True when `a` and `b` are both letters or both digits (a key must not be glued to its like). */
function glued(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b) return false;
  return (LETTER.test(a) && LETTER.test(b)) || (DIGIT.test(a) && DIGIT.test(b));
}

/**
 * Case-insensitive occurrences of the map's keys (lower case) in `text`, left to right, the longest
 * at each place, not overlapping, and only where a key is not glued to further letters or digits
 * ("Ashgrove" matches, "Ashgroves" does not). Each match carries the key's value as replacement.
 */
function findKeys(text: string, keys: ReadonlyMap<string, string>): Match[] {
  const lower = text.toLowerCase();
  const found: Match[] = [];
  // toLowerCase keeps UTF-16 offsets for the scripts names and dates use; guard anyway
  if (lower.length !== text.length) return found;
  for (const [k, v] of keys) {
    for (let i = lower.indexOf(k); i >= 0; i = lower.indexOf(k, i + 1)) {
      const end = i + k.length;
      if (glued(text[i - 1], text[i]) || glued(text[end - 1], text[end])) continue;
      found.push({ start: i, end, replacement: v });
    }
  }
  found.sort((a, b) => a.start - b.start || b.end - a.end);
  const out: Match[] = [];
  let at = 0;
  for (const m of found) {
    if (m.start < at) continue;
    out.push(m);
    at = m.end;
  }
  return out;
}

function code(h: Buffer, n: number): string {
  let out = '';
  for (let i = 0; i < n; i++) out += B32[h[i % h.length] % 32];
  return out;
}

/**
 * Restores surrogates in a stream. `push` returns what can be released now; `flush` the rest at the
 * end. Output concatenated equals `restore(whole text)`.
 */
export class StreamRestorer {
  private buf = '';

  constructor(private readonly session: GateSession) {}

  push(chunk: string): string {
    this.buf += chunk;
    const matches = this.session.findSurrogates(this.buf);
    let cut = this.session.unsafeTail(this.buf);
    // a surrogate ending at the very end may still be followed by letters (then it is not one)
    // and never split inside a match that started earlier
    for (const m of matches) if (m.start < cut && m.end >= cut) cut = m.start;
    const out = apply(
      this.buf.slice(0, cut),
      matches.filter((m) => m.end <= cut),
    );
    this.buf = this.buf.slice(cut);
    return out;
  }

  flush(): string {
    const out = apply(this.buf, this.session.findSurrogates(this.buf));
    this.buf = '';
    return out;
  }
}

function apply(text: string, matches: Match[]): string {
  if (!matches.length) return text;
  let out = '';
  let at = 0;
  for (const m of matches) {
    out += text.slice(at, m.start) + m.replacement;
    at = m.end;
  }
  return out + text.slice(at);
}
