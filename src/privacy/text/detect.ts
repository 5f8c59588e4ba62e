/**
 * Rule-based detection of protected health information in free text: regular expressions with
 * checksums (Luhn, IBAN mod-97, IPv4 ranges) for structured identifiers, street-address patterns with
 * block extension, and names from dictionaries plus context cues (titles, "Dr.", credentials, "my name
 * is", capitalised words outside the common-English lexicon). Deterministic, linear in the text length,
 * no model. Offsets are UTF-16 code-unit indices into the original string (JavaScript string indices).
 */
import {
  ALLOWED_GEOGRAPHY,
  AMBIGUOUS_GIVEN,
  COMMON_WORDS,
  CREDENTIALS,
  GIVEN_NAMES,
  STREET_SUFFIXES,
  SURNAMES,
  TITLES,
} from './lexicon.js';

/** Kinds of PHI the detector reports. */
export type PhiType =
  | 'NAME'
  | 'DATE'
  | 'AGE'
  | 'PHONE'
  | 'EMAIL'
  | 'SSN'
  | 'ID'
  | 'ADDRESS'
  | 'ZIP'
  | 'URL'
  | 'IP'
  | 'CREDIT_CARD'
  | 'IBAN'
  | 'DRIVER_LICENSE';

export const PHI_TYPES: readonly PhiType[] = [
  'NAME',
  'DATE',
  'AGE',
  'PHONE',
  'EMAIL',
  'SSN',
  'ID',
  'ADDRESS',
  'ZIP',
  'URL',
  'IP',
  'CREDIT_CARD',
  'IBAN',
  'DRIVER_LICENSE',
];

/** One detected span: `text.slice(start, end)` is the PHI. */
export interface PhiEntity {
  readonly start: number;
  readonly end: number;
  readonly type: PhiType;
}

export interface DetectOptions {
  /** Use the given-name and surname dictionaries (default true). */
  readonly nameDictionaries?: boolean;
  /** Treat a capitalised word outside the common-English lexicon as a name (default true). */
  readonly capitalisedUnknown?: boolean;
  /** Only report these types (default: all). */
  readonly types?: readonly PhiType[];
}

interface Candidate {
  start: number;
  end: number;
  type: PhiType;
  priority: number;
}

const MONTH =
  '(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)';

// Each regex is built once; all are global (and sticky-free) so matchAll scans the text once each.
const RE = {
  email: /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+/gu,
  url: /\b(?:(?:https?|ftp):\/\/|www\.)[^\s<>"'|]+/giu,
  domain:
    /\b(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:com|org|net|edu|gov|mil|int|info|biz|io|co|uk|us|ca|au|de|fr|se|pl|nl|es|it|ch|be|dk|no|fi|jp|cn|in|br|ru|health|med)\b(?:\/[^\s<>"']*)?/giu,
  ipv4: /(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?![\d.]*\d)/g,
  ipv6: /(?<![\w:])(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}(?![\w:])|(?<![\w:])(?:[0-9a-f]{1,4}:){1,6}:(?:[0-9a-f]{1,4}:?){1,6}(?![\w:])/gi,
  ssn: /(?<![\d-])\d{3}-\d{2}-\d{4}(?![\d-])/g,
  ssnCue: /\b(?:ssn|social security(?: number| no\.?)?)\s*(?:is|:|#)?\s*(\d{3}[ .]?\d{2}[ .]?\d{4})\b/gi,
  card: /(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])/g,
  iban: /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b/g,
  licence:
    /\b(?:driver'?s?\s+licen[cs]e|licen[cs]e|DL)\s*(?:number|no\.?|#)?\s*(?:is|:|#)?\s*([A-Z0-9][A-Z0-9-]{4,19})\b/gi,
  idCue:
    /\b(?:mrn|medical record(?: number| no\.?| #)?|record (?:number|no\.?|#)|account(?: number| no\.?| #)?|acct\.?(?: #)?|member(?: id| number)|policy(?: number| no\.?| #)?|health plan(?: id| number)?|beneficiary(?: id| number)?|certificate(?: number| no\.?)?|serial(?: number| no\.?)?|device(?: id| serial)|vin|plate|patient id|encounter(?: id| number)?)\s*(?:is|:|#)?\s*([A-Z0-9][A-Z0-9-]{3,24})\b/gi,
  longDigits: /(?<![\d.])\d{6,}(?![\d.]*\d)/g,
  phone:
    /(?<![\w.+])(?:\+\d{1,3}[-. ]?)?(?:\(\d{1,4}\)[-. ]?)?\d{2,4}(?:[-. ]\d{2,4}){1,4}(?:\s?(?:x|ext\.?)\s?\d{1,6})?(?![\w])/gi,
  phoneParen: /(?<![\w])\(\d{2,4}\)\s?\d{3,4}[-. ]\d{3,4}(?![\w])/g,
  dateIso: /\b\d{4}-\d{1,2}-\d{1,2}(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?\b/g,
  dateNum: /(?<![\d/.-])\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2})(?![\d/-])/g,
  dateText: new RegExp(
    `\\b(?:\\d{1,2}(?:st|nd|rd|th)?\\s+(?:of\\s+)?${MONTH}\\.?(?:,?\\s+\\d{4})?|${MONTH}\\.?\\s+\\d{1,2}(?:st|nd|rd|th)?(?:,?\\s+\\d{4})?|${MONTH}\\.?,?\\s+\\d{4})\\b`,
    'giu',
  ),
  dateMonthYear: /(?<![\d/])(?:0?[1-9]|1[0-2])\/(?:19|20)\d{2}(?![\d/])/g,
  ageOld:
    /\b(?:9\d|1[0-4]\d)(?=\s*-?\s*(?:years?|yrs?|y\/?o|yo)\b)(?:\s*-?\s*(?:years?|yrs?)(?:[\s-]*old)?|\s*y\/?o)?/gi,
  ageCue: /\b(?:age|aged)\s*:?\s*((?:9\d|1[0-4]\d))\b/gi,
  zip: /(?<![\d-])\d{5}(?:-\d{4})?(?![\d-])/g,
  // street address cores
  streetUs: new RegExp(
    `(?<![\\p{L}\\p{N}/.:-])\\d{1,5}[a-z]?(?:\\s+\\d{1,5})?\\s+(?:[\\p{L}][\\p{L}\\p{M}.'-]*\\s+){0,4}?(?:${STREET_SUFFIXES})\\b\\.?`,
    'giu',
  ),
  streetNum: /(?<![\p{L}\p{N}/.:-])\d{1,5}\s+(?:[\p{L}][\p{L}\p{M}.'-]*\s+){1,4}\d{1,5}\b\.?/giu,
  streetEu:
    /(?<![\p{L}])[\p{L}][\p{L}\p{M}-]*(?:straat|strasse|straße|gasse|weg|laan|plein|gata|gade|vej|utca|útja|ulica|allee|platz|gürtel)\s+\d{1,5}\b/giu,
  streetPre:
    /(?<![\p{L}\p{N}])\d{1,5}(?:\s+\d{1,5})?\s+(?:rue|via|calle|rua|avenida|chemin|allée|viale|piazza|plaza)\s+[\p{L}][\p{L}\p{M}.'-]*(?:\s+\p{Lu}[\p{L}\p{M}.'-]*){0,3}/giu,
  streetTwoNum:
    /(?<![\p{L}\p{N}/.:-])\d{1,5}\s+\d{1,5}\s+(?:[\p{L}][\p{L}\p{M}.'-]*)(?:\s+[\p{L}][\p{L}\p{M}.'-]*){0,2}/gu,
  unit: /\b(?:apt|apartment|suite|ste|unit|room|rm|bldg|building)\.?\s*#?\s*\d+[a-z]?\b/giu,
  poBox: /\bp\.?\s?o\.?\s*box\s+\d+\b/gi,
  cityStateZip: /(?:\p{Lu}[\p{L}\p{M}.'-]*\s+){0,3}\p{Lu}[\p{L}\p{M}.'-]*,\s*[A-Z]{2}\s+\d{5}(?:-\d{4})?\b/gu,
  token: /\p{L}[\p{L}\p{M}]*(?:['’.-]\p{L}[\p{L}\p{M}]*)*\.?/gu,
};

function luhn(digits: string): boolean {
  let sum = 0;
  let dbl = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (dbl) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    dbl = !dbl;
  }
  return sum % 10 === 0;
}

function ibanValid(s: string): boolean {
  const x = s.replace(/ /g, '');
  if (x.length < 15 || x.length > 34) return false;
  const r = x.slice(4) + x.slice(0, 4);
  let mod = 0;
  for (const ch of r) {
    const c = ch.charCodeAt(0);
    const v = c >= 65 ? String(c - 55) : ch;
    for (const dch of v) mod = (mod * 10 + (dch.charCodeAt(0) - 48)) % 97;
  }
  return mod === 1;
}

function digitCount(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) n++;
  }
  return n;
}

function isUpper(ch: string): boolean {
  return ch !== ch.toLowerCase() && ch === ch.toUpperCase();
}

/** A word token of the text, with lexicon facts precomputed. */
interface Tok {
  start: number;
  end: number;
  /** Lower-case form without a possessive 's and trailing dot. */
  key: string;
  cap: boolean;
  allCaps: boolean;
  sentenceStart: boolean;
}

function tokenize(text: string): Tok[] {
  const out: Tok[] = [];
  for (const m of text.matchAll(RE.token)) {
    let s = m[0];
    const start = m.index;
    let end = start + s.length;
    const contraction = /['’](?:d|m|ll|re|ve|t)$/i.exec(s);
    if (contraction) continue;
    const poss = /['’]s$/i.exec(s);
    if (poss) {
      s = s.slice(0, -2);
      end -= 2;
    }
    const bare = s.endsWith('.') ? s.slice(0, -1) : s;
    const cap = isUpper(s[0]) && /\p{Ll}/u.test(bare);
    const allCaps = bare.length > 1 && bare === bare.toUpperCase() && bare !== bare.toLowerCase();
    // sentence start: only spaces, quotes or brackets between the previous terminator and the word
    let j = start - 1;
    while (j >= 0 && /[\s"'“‘(*?•]/.test(text[j]) && text[j] !== '\n') j--;
    const sentenceStart = j < 0 || /[.!?:;\n]/.test(text[j]) || text[j] === '\n';
    out.push({
      start,
      end: bare === s ? end : end - 1,
      key: bare.toLowerCase(),
      cap,
      allCaps,
      sentenceStart,
    });
  }
  return out;
}

const NAME_CUES_BEFORE =
  /(?:\bname\s+is|\bnamed|\bcall\s+me|\bcalls\s+me|\bcalled|\bname(?:'s)?:?|\bsaid\s+to|\bsigned|\bsignature:?|\bpatient:?|\bpt:?|\bseen\s+by|\breferred\s+by|\bcc:?|\bspouse:?|\bwife|\bhusband|\bdaughter|\bson|\bmother|\bfather|\bbrother|\bsister|\bkid|\bfriend)\s*$/i;

/** Detects names; pushes candidates. */
function detectNames(text: string, out: Candidate[], opts: Required<Omit<DetectOptions, 'types'>>): void {
  const toks = tokenize(text);
  const isName = new Uint8Array(toks.length);
  const dict = opts.nameDictionaries;
  const gap = (a: Tok, b: Tok) => text.slice(a.end, b.start);
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i];
    const common = COMMON_WORDS.has(t.key);
    // 1. title cue: "Dr. X", "ms. x", "Mrs Amy X"
    if (i > 0 && TITLES.has(toks[i - 1].key) && /^\.?\s+$/.test(gap(toks[i - 1], t) || ' ')) {
      const prevRaw = text.slice(toks[i - 1].start, toks[i - 1].end + 1);
      const titled =
        /\.$/.test(prevRaw) || /^(?:dr|mr|mrs|ms|mx|prof)$/i.test(toks[i - 1].key) || toks[i - 1].cap;
      if (titled && (t.cap || t.allCaps || !common)) {
        isName[i] = 1;
        continue;
      }
    }
    // 2. explicit cue before: "my name is x", "call me x"
    const before = text.slice(Math.max(0, t.start - 24), t.start);
    if (NAME_CUES_BEFORE.test(before) && !COMMON_WORDS.has(t.key) && t.key.length > 1) {
      isName[i] = 1;
      continue;
    }
    if (t.allCaps) continue;
    // 3. dictionaries
    if (dict && GIVEN_NAMES.has(t.key)) {
      if (
        t.cap &&
        (!AMBIGUOUS_GIVEN.has(t.key) ||
          (i + 1 < toks.length && toks[i + 1].cap && !COMMON_WORDS.has(toks[i + 1].key)))
      ) {
        isName[i] = 1;
        continue;
      }
      if (!t.cap && !common && !AMBIGUOUS_GIVEN.has(t.key)) {
        isName[i] = 1;
        continue;
      }
    }
    if (dict && t.cap && SURNAMES.has(t.key) && !common) {
      isName[i] = 1;
      continue;
    }
    // 4. capitalised word outside the lexicon
    if (opts.capitalisedUnknown && t.cap && !common && !ALLOWED_GEOGRAPHY.has(t.key) && t.key.length > 1) {
      isName[i] = 1;
    }
  }
  // 5. neighbours: a word right after a name (one space) that is capitalised, or lower case after a
  // lower-case name, and not a common word, is part of the name; credentials too.
  for (let i = 1; i < toks.length; i++) {
    if (!isName[i - 1] || isName[i]) continue;
    const t = toks[i];
    const g = gap(toks[i - 1], t);
    if (!/^\.?\s$/.test(g) && !/^\s$/.test(g)) continue;
    const prevLower = !toks[i - 1].cap && !toks[i - 1].allCaps;
    if (CREDENTIALS.has(t.key) || CREDENTIALS.has(`${t.key}.`)) isName[i] = 2;
    else if (t.cap && (!COMMON_WORDS.has(t.key) || (opts.nameDictionaries && SURNAMES.has(t.key))))
      isName[i] = 1;
    else if (prevLower && !t.cap && !t.allCaps && !COMMON_WORDS.has(t.key) && t.key.length > 1) isName[i] = 1;
  }
  // merge runs of name tokens separated by single spaces (or an initial's dot)
  let i = 0;
  while (i < toks.length) {
    if (!isName[i]) {
      i++;
      continue;
    }
    let j = i;
    while (j + 1 < toks.length && isName[j + 1] && /^\.?\s$|^\s$/.test(gap(toks[j], toks[j + 1]))) j++;
    let end = toks[j].end;
    if (isName[j] === 2 && text[end] === '.') end++;
    out.push({ start: toks[i].start, end, type: 'NAME', priority: 2 });
    i = j + 1;
  }
}

const PLACE_WORDS =
  /^(?:apt|suite|st|rd|ave|and|of|the|city|town|county|island|islands|republic|north|south|east|west|new|saint|san|santa|fort|port|mount|lake|falls|park|beach|springs|heights|valley|harbor|harbour|bay|point|creek|hill|hills)$/;

const SEGMENT = /[ \t]*(?:[,\n][ \t]*|\n)+[^\p{L}\p{N}\n]{0,4}|[ \t]+/uy;

/** True when `seg` looks like part of an address (a place name, a unit, a state code, a postcode). */
function addressSegment(seg: string): boolean {
  const words = seg.split(/\s+/).filter(Boolean);
  if (!words.length || words.length > 5) return false;
  let commonCount = 0;
  for (const w of words) {
    const k = w.toLowerCase().replace(/[.,'’]+$/, '');
    if (k === 'nan' || /^\d{1,6}$/.test(k)) continue;
    if (COMMON_WORDS.has(k) && !PLACE_WORDS.test(k)) commonCount++;
  }
  return commonCount === 0;
}

/** Extends an address core over following comma/newline-separated place names, units and postcodes. */
function extendAddress(text: string, end: number): number {
  for (let step = 0; step < 6; step++) {
    SEGMENT.lastIndex = end;
    const sep = SEGMENT.exec(text);
    if (!sep) break;
    const from = end + sep[0].length;
    const spaceOnly = !/[,\n]/.test(sep[0]);
    const rest = text.slice(from, from + 60);
    const zip = /^(?:[\p{L}\p{M}.' -]{0,40}?\s)?\d{4,6}(?:-\d{4})?(?![\p{L}\p{N}])/u.exec(rest);
    const unit = /^(?:apt|apartment|suite|ste|unit)\.?\s*#?\s*\d+[a-z]?\b/iu.exec(rest);
    if (unit) {
      end = from + unit[0].length;
      continue;
    }
    if (zip && (!spaceOnly || !/\s/.test(zip[0].trim())) && addressSegment(zip[0])) {
      end = from + zip[0].length;
      continue;
    }
    const m = spaceOnly
      ? /^[\p{L}][^\s,;:!?()]*/u.exec(rest)
      : /^[^,\n;:!?()]{1,40}?(?=\s*(?:[,\n;:!?()]|$))/u.exec(rest);
    if (!m || !addressSegment(m[0])) break;
    const w = m[0].trim();
    if (spaceOnly && !(isUpper(w[0]) || w === 'nan' || w === 'and' || w === 'of')) break;
    end = from + m[0].trimEnd().length;
  }
  return end;
}

function push(out: Candidate[], start: number, end: number, type: PhiType, priority: number): void {
  if (end > start) out.push({ start, end, type, priority });
}

/**
 * Finds PHI in `text`. Overlaps are resolved in favour of higher priority, then the longer span.
 * Returns entities sorted by start.
 */
export function detectPhi(text: string, options: DetectOptions = {}): PhiEntity[] {
  if (typeof text !== 'string' || text.length === 0) return [];
  const opts = {
    nameDictionaries: options.nameDictionaries ?? true,
    capitalisedUnknown: options.capitalisedUnknown ?? true,
  };
  const c: Candidate[] = [];
  for (const m of text.matchAll(RE.email)) push(c, m.index, m.index + m[0].length, 'EMAIL', 9);
  for (const m of text.matchAll(RE.url)) {
    const s = m[0].replace(/[.,;:!?)\]]+$/, '');
    push(c, m.index, m.index + s.length, 'URL', 8);
  }
  for (const m of text.matchAll(RE.domain))
    push(c, m.index, m.index + m[0].replace(/[.,;:!?)\]]+$/, '').length, 'URL', 5);
  for (const m of text.matchAll(RE.ipv4)) push(c, m.index, m.index + m[0].length, 'IP', 8);
  for (const m of text.matchAll(RE.ipv6))
    if (/\d/.test(m[0]) && m[0].length >= 6) push(c, m.index, m.index + m[0].length, 'IP', 7);
  for (const m of text.matchAll(RE.ssn)) push(c, m.index, m.index + m[0].length, 'SSN', 8);
  for (const m of text.matchAll(RE.ssnCue)) {
    const s = m.index + m[0].length - m[1].length;
    push(c, s, s + m[1].length, 'SSN', 9);
  }
  for (const m of text.matchAll(RE.card)) {
    const d = m[0].replace(/\D/g, '');
    push(c, m.index, m.index + m[0].length, luhn(d) ? 'CREDIT_CARD' : 'ID', luhn(d) ? 8 : 4);
  }
  for (const m of text.matchAll(RE.iban))
    if (ibanValid(m[0])) push(c, m.index, m.index + m[0].length, 'IBAN', 8);
  for (const m of text.matchAll(RE.licence)) {
    if (!/\d/.test(m[1])) continue;
    const s = m.index + m[0].length - m[1].length;
    push(c, s, s + m[1].length, 'DRIVER_LICENSE', 9);
  }
  for (const m of text.matchAll(RE.idCue)) {
    if (!/\d/.test(m[1])) continue;
    const s = m.index + m[0].length - m[1].length;
    push(c, s, s + m[1].length, 'ID', 9);
  }
  for (const m of text.matchAll(RE.longDigits)) push(c, m.index, m.index + m[0].length, 'ID', 3);
  for (const m of text.matchAll(RE.dateIso)) push(c, m.index, m.index + m[0].length, 'DATE', 7);
  for (const m of text.matchAll(RE.dateNum)) {
    const p = m[0].split(/[/.-]/).map(Number);
    if (
      (p[0] >= 1 && p[0] <= 12 && p[1] >= 1 && p[1] <= 31) ||
      (p[1] >= 1 && p[1] <= 12 && p[0] >= 1 && p[0] <= 31)
    ) {
      push(c, m.index, m.index + m[0].length, 'DATE', 7);
    }
  }
  for (const m of text.matchAll(RE.dateText))
    if (/\d/.test(m[0])) push(c, m.index, m.index + m[0].length, 'DATE', 7);
  for (const m of text.matchAll(RE.dateMonthYear)) push(c, m.index, m.index + m[0].length, 'DATE', 6);
  for (const m of text.matchAll(RE.ageOld)) push(c, m.index, m.index + m[0].length, 'AGE', 7);
  for (const m of text.matchAll(RE.ageCue)) {
    const s = m.index + m[0].length - m[1].length;
    push(c, s, s + m[1].length, 'AGE', 7);
  }
  for (const m of text.matchAll(RE.phoneParen)) push(c, m.index, m.index + m[0].length, 'PHONE', 6);
  for (const m of text.matchAll(RE.phone)) {
    const n = digitCount(m[0]);
    if (n >= 7 && n <= 18) push(c, m.index, m.index + m[0].length, 'PHONE', 5);
  }
  for (const m of text.matchAll(RE.zip)) push(c, m.index, m.index + m[0].length, 'ZIP', 3);
  const addrCore = (re: RegExp, check?: (s: string) => boolean) => {
    for (const m of text.matchAll(re)) {
      if (check && !check(m[0])) continue;
      push(c, m.index, extendAddress(text, m.index + m[0].trimEnd().length), 'ADDRESS', 6);
    }
  };
  const hasUncommonWord = (s: string) =>
    s.split(/\s+/).some((w) => /\p{L}/u.test(w) && !COMMON_WORDS.has(w.toLowerCase().replace(/[.,]+$/, '')));
  addrCore(RE.streetUs);
  addrCore(RE.streetNum, hasUncommonWord);
  addrCore(RE.streetEu);
  addrCore(RE.streetPre);
  addrCore(RE.streetTwoNum, hasUncommonWord);
  addrCore(RE.unit);
  addrCore(RE.poBox);
  for (const m of text.matchAll(RE.cityStateZip)) {
    // keep only the place name: drop leading common words ("Lives", "in")
    let s = m.index;
    const words = m[0].split(/(\s+)/);
    let k = 0;
    while (k < words.length - 1 && (COMMON_WORDS.has(words[k].toLowerCase()) || /^\s+$/.test(words[k]))) {
      s += words[k].length;
      k++;
    }
    push(c, s, m.index + m[0].length, 'ADDRESS', 6);
  }
  detectNames(text, c, opts);
  return resolve(c, text, options.types);
}

function resolve(c: Candidate[], textRef: string, types?: readonly PhiType[]): PhiEntity[] {
  const n = textRef.length;
  const allowed = types ? new Set(types) : null;
  const cand = allowed ? c.filter((x) => allowed.has(x.type)) : c;
  cand.sort((a, b) => b.priority - a.priority || b.end - b.start - (a.end - a.start) || a.start - b.start);
  const taken = new Uint8Array(n);
  const kept: PhiEntity[] = [];
  for (const x of cand) {
    // keep the parts not already taken (clipping, never dropping, so no PHI character is lost)
    let i = x.start;
    while (i < x.end) {
      while (i < x.end && taken[i]) i++;
      let j = i;
      while (j < x.end && !taken[j]) j++;
      if (j > i && (j - i === x.end - x.start || /[\p{L}\p{N}]/u.test(textRef.slice(i, j)))) {
        let a = i;
        let b = j;
        while (a < b && /\s/.test(textRef[a])) a++;
        while (b > a && /\s/.test(textRef[b - 1])) b--;
        if (b > a) {
          taken.fill(1, a, b);
          kept.push({ start: a, end: b, type: x.type });
        }
      }
      i = j;
    }
  }
  return kept.sort((a, b) => a.start - b.start);
}
