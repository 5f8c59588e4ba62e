/**
 * Per-column de-identification of tables (Frames), with a HIPAA Safe Harbor preset
 * (45 CFR §164.514(b)(2)). Each column gets one action; the report says what was done to each column
 * and why (matched by name, by content, or by an explicit policy).
 *
 * Safe Harbor notes:
 * - ZIP codes keep their first three digits unless the 3-digit area holds ≤ 20,000 people (the
 *   Census 2000 restricted list below), which become `000`.
 * - Dates keep the year only; birth years of people aged 90 or more are removed as well (the year
 *   would reveal an age over 89). `dates: 'shift'` moves every date of a patient by the same keyed
 *   offset instead, which keeps intervals but is an Expert Determination choice, not Safe Harbor.
 * - Ages over 89 are top-coded: numeric columns hold 90 (meaning "90 or older"), text columns "90+".
 * - Keyed pseudonyms (HMAC, see keys.ts) stand in for record identifiers so joins survive; they are
 *   re-identification codes in the sense of §164.514(c) only while the key stays with the data holder.
 */
import {
  type Column,
  type ColumnRole,
  type Frame,
  categoricalColumn,
  cellValue,
  createError,
  makeFrame,
  numericColumn,
} from '../core/index.js';
import './errors.js';
import { type Pseudonymizer, DAY_MS } from './keys.js';
import { GIVEN_NAMES, SURNAMES } from './text/lexicon.js';
import { redactText } from './text/redact.js';

/** What can be done to a column. */
export type ColumnAction =
  | 'drop'
  | 'keep'
  | 'pseudonymise'
  | 'token'
  | 'mask'
  | 'year'
  | 'birth-year'
  | 'date-shift'
  | 'zip3'
  | 'age90'
  | 'text';

export const COLUMN_ACTIONS: readonly ColumnAction[] = [
  'drop',
  'keep',
  'pseudonymise',
  'token',
  'mask',
  'year',
  'birth-year',
  'date-shift',
  'zip3',
  'age90',
  'text',
];

/**
 * Three-digit ZIP prefixes whose areas held 20,000 people or fewer in the 2000 Census (HHS guidance on
 * Safe Harbor): they must be written as `000`.
 */
export const RESTRICTED_ZIP3: ReadonlySet<string> = new Set([
  '036',
  '059',
  '063',
  '102',
  '203',
  '556',
  '692',
  '790',
  '821',
  '823',
  '830',
  '831',
  '878',
  '879',
  '884',
  '890',
  '893',
]);

export interface ColumnDecision {
  readonly column: string;
  readonly action: ColumnAction;
  /** Why: which rule or policy entry chose the action. */
  reason: string;
  readonly detectedBy: 'policy' | 'name' | 'content' | 'kind' | 'default';
  /** Safe Harbor identifier category (§164.514(b)(2)(i)(A)–(R)), when the column is one. */
  readonly identifier?: string;
  /** Cells changed (or all cells, when dropped). */
  cells?: number;
}

export interface DeidTableOptions {
  /** Explicit actions by column name; they win over the preset. */
  readonly policy?: Readonly<Record<string, ColumnAction>>;
  /** `safe-harbor` (default) classifies every column not in `policy`; `none` keeps them. */
  readonly preset?: 'safe-harbor' | 'none';
  /** Dates as year only (Safe Harbor, default) or shifted per patient. */
  readonly dates?: 'year' | 'shift';
  /** Key for pseudonyms, tokens and date offsets; required for pseudonymise/token/date-shift. */
  readonly pseudonymizer?: Pseudonymizer;
  /** The column identifying the patient (date offsets and text surrogates follow it). Default: detected. */
  readonly patientColumn?: string;
  /** Largest date shift in days (default 365). */
  readonly maxShiftDays?: number;
}

export interface DeidTableResult {
  readonly frame: Frame;
  readonly report: ColumnDecision[];
}

const NAME_RULES: ReadonlyArray<readonly [RegExp, ColumnAction, string, string]> = [
  [/(^|_)(ssn|social_security(_number)?|sin)$/i, 'drop', 'social security number', 'G'],
  [/(^|_)(e_?mail)(_address)?$/i, 'drop', 'e-mail address', 'F'],
  [
    /(^|_)(phone|telephone|tel|mobile|cell|fax|pager)(_?(number|no))?$/i,
    'drop',
    'telephone/fax number',
    'D/E',
  ],
  [/(^|_)(url|website|web_?page|homepage)$/i, 'drop', 'URL', 'N'],
  [/(^|_)(ip|ip_?addr(ess)?)$/i, 'drop', 'IP address', 'O'],
  [
    /(^|_)(first|last|given|family|middle|full|maiden|patient|provider|doctor|physician|nurse)?_?(name|surname|forename)s?$/i,
    'drop',
    'name',
    'A',
  ],
  [
    /(^|_)(address|street|addr|address_?line\d?|city|town|county|precinct)$/i,
    'drop',
    'geographic subdivision smaller than a state',
    'B',
  ],
  [/(^|_)(zip|zip_?code|postal_?code|postcode)$/i, 'zip3', 'ZIP code', 'B'],
  [/(^|_)(dob|birth_?date|date_?of_?birth|birth_?dt|birthday)$/i, 'birth-year', 'date of birth', 'C'],
  [
    /(^|_)(date|dt|time|timestamp|datetime|admit\w*|discharge\w*|death\w*|onset\w*|visit\w*)$|_(date|dt|at|time)$/i,
    'year',
    'date element',
    'C',
  ],
  [/^(age|age_?years|age_?at_?\w+)$/i, 'age90', 'age (ages over 89 are identifiers)', 'C'],
  [
    /(^|_)(mrn|medical_?record(_?number)?|chart(_?(no|number))?)$/i,
    'pseudonymise',
    'medical record number',
    'H',
  ],
  [
    /(^|_)(health_?plan\w*|beneficiary\w*|member_?id|insurance_?id|policy_?(no|number|id))$/i,
    'pseudonymise',
    'health plan beneficiary number',
    'I',
  ],
  [/(^|_)(account\w*|acct\w*)$/i, 'pseudonymise', 'account number', 'J'],
  [
    /(^|_)(licen[cs]e\w*|certificate\w*|dea(_number)?|npi)$/i,
    'pseudonymise',
    'certificate/licence number',
    'K',
  ],
  [/(^|_)(vin|plate|license_?plate|vehicle_?id)$/i, 'drop', 'vehicle identifier', 'L'],
  [/(^|_)(device_?(id|serial)|serial(_?(no|number))?|udi)$/i, 'pseudonymise', 'device identifier', 'M'],
  [
    /(^|_)(photo\w*|image_?path|face\w*|fingerprint\w*|voice\w*|biometric\w*)$/i,
    'drop',
    'biometric or photo',
    'P/Q',
  ],
  [
    /(^|_)(patient|person|subject|member|encounter|visit|note|record|case)_?id$|^id$|^pid$/i,
    'pseudonymise',
    'record identifier (any other unique code)',
    'R',
  ],
  [
    /(^|_)(note|notes|text|narrative|comment|comments|report|free_?text|description_?text|body)$/i,
    'text',
    'free text (may contain any identifier)',
    '*',
  ],
];

const RE_EMAIL = /^[^@\s]+@[^@\s]+\.[a-z]{2,}$/i;
const RE_PHONE = /^\+?[\d\s().-]{7,20}$/;
const RE_SSN = /^\d{3}-?\d{2}-?\d{4}$/;
const RE_ZIP = /^\d{5}(-\d{4})?$/;
const RE_DATE = /^(\d{4}-\d{1,2}-\d{1,2}|\d{1,2}\/\d{1,2}\/\d{2,4})/;
const RE_URL = /^(https?:\/\/|www\.)/i;
const RE_IP = /^\d{1,3}(\.\d{1,3}){3}$/;

function share(values: readonly string[], re: RegExp): number {
  if (!values.length) return 0;
  let n = 0;
  for (const v of values) if (re.test(v)) n++;
  return n / values.length;
}

/** Classifies one column for the Safe Harbor preset: by name first, then by content. */
export function classifyColumn(
  c: Column,
  role: ColumnRole | undefined,
  nRows: number,
): Omit<ColumnDecision, 'cells'> {
  for (const [re, action, what, id] of NAME_RULES) {
    if (re.test(c.name)) {
      if (action === 'text' && c.kind !== 'categorical') continue;
      if (action === 'year' && c.kind === 'numeric') continue;
      return {
        column: c.name,
        action,
        reason: `name looks like ${what}`,
        detectedBy: 'name',
        identifier: id,
      };
    }
  }
  if (c.kind === 'datetime') {
    return {
      column: c.name,
      action: 'year',
      reason: 'date column: only the year is kept',
      detectedBy: 'kind',
      identifier: 'C',
    };
  }
  if (c.kind === 'categorical') {
    const sample = c.dictionary.slice(0, 500);
    const checks: ReadonlyArray<readonly [RegExp, ColumnAction, string, string]> = [
      [RE_EMAIL, 'drop', 'e-mail addresses', 'F'],
      [RE_URL, 'drop', 'URLs', 'N'],
      [RE_IP, 'drop', 'IP addresses', 'O'],
      [RE_SSN, 'drop', 'social security numbers', 'G'],
      [RE_ZIP, 'zip3', 'ZIP codes', 'B'],
      [RE_DATE, 'year', 'dates', 'C'],
      [RE_PHONE, 'drop', 'telephone numbers', 'D'],
    ];
    for (const [re, action, what, id] of checks) {
      if (share(sample, re) >= 0.8)
        return {
          column: c.name,
          action,
          reason: `values look like ${what}`,
          detectedBy: 'content',
          identifier: id,
        };
    }
    const nameShare =
      sample.filter((v) =>
        v.split(/\s+/).some((w) => GIVEN_NAMES.has(w.toLowerCase()) || SURNAMES.has(w.toLowerCase())),
      ).length / Math.max(1, sample.length);
    const avgLen = sample.reduce((s, v) => s + v.length, 0) / Math.max(1, sample.length);
    if (avgLen > 40 && sample.some((v) => /\s/.test(v))) {
      return {
        column: c.name,
        action: 'text',
        reason: 'long free text (may contain any identifier)',
        detectedBy: 'content',
        identifier: '*',
      };
    }
    if (nameShare >= 0.5 && sample.length >= 5) {
      return {
        column: c.name,
        action: 'drop',
        reason: 'values look like personal names',
        detectedBy: 'content',
        identifier: 'A',
      };
    }
    if (
      role === 'id' ||
      (c.dictionary.length >= 0.9 * nRows && nRows >= 20 && share(sample, /^[A-Za-z0-9_-]{4,}$/) >= 0.9)
    ) {
      return {
        column: c.name,
        action: 'pseudonymise',
        reason: role === 'id' ? 'id role: a unique code' : 'nearly unique codes',
        detectedBy: role === 'id' ? 'name' : 'content',
        identifier: 'R',
      };
    }
  }
  return {
    column: c.name,
    action: 'keep',
    reason: 'not an identifier by name or content',
    detectedBy: 'default',
  };
}

/** First three digits of a ZIP, `000` for restricted areas, null when it is not a ZIP. */
export function zip3(value: string | number | null): string | null {
  if (value === null) return null;
  const s = typeof value === 'number' ? String(Math.trunc(value)).padStart(5, '0') : value.trim();
  const m = /^(\d{3})\d{2}(?:-?\d{4})?$/.exec(s);
  if (!m) return null;
  return RESTRICTED_ZIP3.has(m[1]) ? '000' : m[1];
}

function parseDateMs(v: string): number {
  const iso = /^(\d{4})-(\d{1,2})-(\d{1,2})/.exec(v);
  if (iso) return Date.UTC(+iso[1], +iso[2] - 1, +iso[3]);
  const us = /^(\d{1,2})\/(\d{1,2})\/(\d{2,4})/.exec(v);
  if (us) return Date.UTC(us[3].length === 2 ? 1900 + +us[3] : +us[3], +us[1] - 1, +us[2]);
  return Number.NaN;
}

function columnMs(c: Column, i: number): number {
  if (c.kind === 'categorical') return c.codes[i] < 0 ? Number.NaN : parseDateMs(c.dictionary[c.codes[i]]);
  return c.values[i];
}

function needKey(o: DeidTableOptions, column: string, action: ColumnAction): Pseudonymizer {
  if (!o.pseudonymizer) {
    throw createError('AEGLE_PRIVACY_BAD_POLICY', {
      column,
      reason: `'${action}' needs a secret key (AEGLE_SECRET_KEY)`,
    });
  }
  return o.pseudonymizer;
}

function detectPatientColumn(frame: Frame): string | null {
  for (const n of ['patient_id', 'patientid', 'subject_id', 'person_id', 'mrn', 'pid']) {
    const c = frame.columns.find((x) => x.name.toLowerCase() === n);
    if (c) return c.name;
  }
  return null;
}

/**
 * De-identifies a Frame column by column. Never mutates the input. Every column ends in the report.
 * Throws AEGLE_PRIVACY_BAD_POLICY for an unknown column or action, or when a keyed action has no key.
 */
export function deidentifyFrame(frame: Frame, options: DeidTableOptions = {}): DeidTableResult {
  const policy = options.policy ?? {};
  for (const [col, action] of Object.entries(policy)) {
    if (!frame.columns.some((c) => c.name === col))
      throw createError('AEGLE_PRIVACY_BAD_POLICY', { column: col, reason: 'no such column' });
    if (!COLUMN_ACTIONS.includes(action)) {
      throw createError('AEGLE_PRIVACY_BAD_POLICY', {
        column: col,
        reason: `unknown action '${String(action)}'`,
      });
    }
  }
  const preset = options.preset ?? 'safe-harbor';
  const dates = options.dates ?? 'year';
  const maxShift = options.maxShiftDays ?? 365;
  const patientColumn = options.patientColumn ?? detectPatientColumn(frame);
  const patientCol = patientColumn ? frame.columns.find((c) => c.name === patientColumn) : undefined;
  const patientKey = (i: number): string | undefined => {
    if (!patientCol) return undefined;
    const v = cellValue(patientCol, i);
    return v === null ? undefined : String(v);
  };
  const ageFound = frame.columns.find((c) => /^age$/i.test(c.name));
  const ageCol = ageFound?.kind === 'numeric' ? ageFound : undefined;
  const report: ColumnDecision[] = [];
  const out: Column[] = [];
  const roles: Record<string, ColumnRole> = {};
  const n = frame.nRows;

  for (const c of frame.columns) {
    let d: ColumnDecision;
    if (policy[c.name])
      d = { column: c.name, action: policy[c.name], reason: 'explicit policy', detectedBy: 'policy' };
    else if (preset === 'safe-harbor') d = { ...classifyColumn(c, frame.roles[c.name], n) };
    else d = { column: c.name, action: 'keep', reason: 'no preset', detectedBy: 'default' };
    if (
      dates === 'shift' &&
      (d.action === 'year' || d.action === 'birth-year') &&
      options.pseudonymizer &&
      !policy[c.name]
    ) {
      d = { ...d, action: 'date-shift', reason: `${d.reason}; dates shifted per patient (dates: shift)` };
    }
    let col: Column | null = c;
    let changed = 0;
    switch (d.action) {
      case 'drop':
        col = null;
        changed = n;
        break;
      case 'keep':
        break;
      case 'pseudonymise':
      case 'token': {
        const p = needKey(options, c.name, d.action);
        const domain = c.name.toLowerCase();
        const vals = new Array<string | null>(n);
        const memo = new Map<string, string>();
        for (let i = 0; i < n; i++) {
          const v = cellValue(c, i);
          if (v === null) {
            vals[i] = null;
            continue;
          }
          const s = String(v);
          let r = memo.get(s);
          if (r === undefined) {
            r =
              d.action === 'token'
                ? p.token(s)
                : p.pseudonym(
                    s,
                    domain === 'mrn' ? 'mrn' : /patient|subject|person/.test(domain) ? 'patient' : domain,
                  );
            memo.set(s, r);
          }
          vals[i] = r;
          changed++;
        }
        col = categoricalColumn(c.name, vals);
        break;
      }
      case 'mask': {
        const vals = Array.from({ length: n }, (_, i) => (cellValue(c, i) === null ? null : '[REDACTED]'));
        changed = vals.filter((v) => v !== null).length;
        col = categoricalColumn(c.name, vals);
        break;
      }
      case 'year':
      case 'birth-year': {
        const years = new Float64Array(n);
        for (let i = 0; i < n; i++) {
          const ms = columnMs(c, i);
          let y = Number.isNaN(ms) ? Number.NaN : new Date(ms).getUTCFullYear();
          if (d.action === 'birth-year' && !Number.isNaN(y)) {
            const age = ageCol ? ageCol.values[i] : new Date().getUTCFullYear() - y;
            if (age > 89) y = Number.NaN;
          }
          years[i] = y;
          if (!Number.isNaN(ms)) changed++;
        }
        col = numericColumn(c.name, years);
        break;
      }
      case 'date-shift': {
        const p = needKey(options, c.name, d.action);
        const vals = new Float64Array(n);
        const dataset = '\u0000dataset';
        for (let i = 0; i < n; i++) {
          const ms = columnMs(c, i);
          vals[i] = Number.isNaN(ms)
            ? ms
            : ms + p.dateOffsetDays(patientKey(i) ?? dataset, maxShift) * DAY_MS;
          if (!Number.isNaN(ms)) changed++;
        }
        if (!patientCol) d.reason += '; no patient column, so one dataset-wide offset';
        col = { kind: 'datetime', name: c.name, values: vals };
        break;
      }
      case 'zip3': {
        const vals = Array.from({ length: n }, (_, i) => {
          const v = cellValue(c, i);
          return v === null ? null : zip3(v);
        });
        changed = n;
        col = categoricalColumn(c.name, vals);
        break;
      }
      case 'age90': {
        if (c.kind === 'numeric') {
          const vals = new Float64Array(n);
          for (let i = 0; i < n; i++) {
            const v = c.values[i];
            vals[i] = v > 89 ? 90 : v;
            if (v > 89) changed++;
          }
          col = numericColumn(c.name, vals);
          d.reason += '; 90 stands for "90 or older"';
        } else {
          const vals = Array.from({ length: n }, (_, i) => {
            const v = cellValue(c, i);
            if (v === null) return null;
            const a = Number(v);
            if (Number.isFinite(a) && a > 89) {
              changed++;
              return '90+';
            }
            return String(v);
          });
          col = categoricalColumn(c.name, vals);
        }
        break;
      }
      case 'text': {
        if (c.kind !== 'categorical') {
          throw createError('AEGLE_PRIVACY_BAD_POLICY', {
            column: c.name,
            reason: "'text' applies to text columns only",
          });
        }
        const surrogate = dates === 'shift' && options.pseudonymizer !== undefined;
        const vals = new Array<string | null>(n);
        const memo = new Map<number, string>();
        for (let i = 0; i < n; i++) {
          const code = c.codes[i];
          if (code < 0) {
            vals[i] = null;
            continue;
          }
          let r = surrogate ? undefined : memo.get(code);
          if (r === undefined) {
            const res = surrogate
              ? redactText(c.dictionary[code], {
                  mode: 'surrogate',
                  pseudonymizer: options.pseudonymizer,
                  patientKey: patientKey(i),
                  maxShiftDays: maxShift,
                })
              : redactText(c.dictionary[code]);
            r = res.text;
            if (res.entities.length) changed++;
            if (!surrogate) memo.set(code, r);
          }
          vals[i] = r;
        }
        col = categoricalColumn(c.name, vals);
        break;
      }
    }
    d.cells = changed;
    report.push(d);
    if (col) {
      out.push(col);
      if (frame.roles[c.name]) roles[c.name] = frame.roles[c.name];
    }
  }
  return { frame: makeFrame(out, roles), report };
}
