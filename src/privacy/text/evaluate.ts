/**
 * Scores the free-text de-identifier against labelled spans in the format of Microsoft Presidio's
 * research corpora (`full_text` + `spans[{entity_type, start_position, end_position}]`).
 *
 * Recall is measured as de-identification needs it: a gold span counts as removed when EVERY letter
 * and digit in it lies inside some detected span (of any type), since a PHI value partly left in the
 * text is not removed. Looser (any-overlap) and type-matched figures are reported beside it, and
 * character-level recall too. Precision counts a detection as correct when it overlaps a labelled
 * span; `precisionSafeHarbor` only accepts overlaps with the Safe Harbor types.
 */
import { type DetectOptions, type PhiEntity, type PhiType, detectPhi } from './detect.js';

export interface LabelledSpan {
  readonly entity_type: string;
  readonly start_position: number;
  readonly end_position: number;
  readonly entity_value?: string;
}
export interface LabelledExample {
  readonly full_text: string;
  readonly spans: readonly LabelledSpan[];
}

/** The Presidio entity types that are HIPAA Safe Harbor identifiers (issue 8). */
export const SAFE_HARBOR_ENTITY_TYPES: readonly string[] = [
  'PERSON',
  'ADDRESS',
  'PHONE_NUMBER',
  'EMAIL_ADDRESS',
  'US_SSN',
  'IP_ADDRESS',
  'CREDIT_CARD',
  'IBAN_CODE',
  'US_DRIVER_LICENSE',
  'DOMAIN_NAME',
  'DATE_TIME',
  'ZIP_CODE',
];

/** Our type → the Presidio types it may answer for. */
const TYPE_MAP: Record<PhiType, readonly string[]> = {
  NAME: ['PERSON'],
  DATE: ['DATE_TIME'],
  AGE: ['AGE'],
  PHONE: ['PHONE_NUMBER'],
  EMAIL: ['EMAIL_ADDRESS'],
  SSN: ['US_SSN'],
  ID: ['US_DRIVER_LICENSE', 'MEDICAL_LICENSE', 'US_BANK_NUMBER', 'US_PASSPORT'],
  ADDRESS: ['ADDRESS', 'LOCATION', 'ZIP_CODE'],
  ZIP: ['ZIP_CODE', 'ADDRESS'],
  URL: ['DOMAIN_NAME', 'URL'],
  IP: ['IP_ADDRESS'],
  CREDIT_CARD: ['CREDIT_CARD'],
  IBAN: ['IBAN_CODE'],
  DRIVER_LICENSE: ['US_DRIVER_LICENSE'],
};

export interface TypeScore {
  readonly type: string;
  readonly spans: number;
  /** Spans whose every letter/digit was redacted. */
  readonly removed: number;
  /** Spans touched by at least one detection. */
  readonly overlapped: number;
  /** Spans fully covered by detections of the matching type. */
  readonly typed: number;
  readonly recall: number;
  readonly recallOverlap: number;
  readonly recallTyped: number;
}

export interface EvaluationResult {
  readonly examples: number;
  readonly byType: TypeScore[];
  /** Over the Safe Harbor types: spans fully removed / spans. */
  readonly recall: number;
  readonly recallOverlap: number;
  readonly recallTyped: number;
  /** Letters and digits of Safe Harbor spans that were redacted / all of them. */
  readonly charRecall: number;
  readonly detections: number;
  /** Detections overlapping any labelled span / detections. */
  readonly precision: number;
  /** Detections overlapping a Safe Harbor span / detections. */
  readonly precisionSafeHarbor: number;
  /** Detections overlapping no labelled span, as text (for error analysis; corpus text, not patient data). */
  readonly falsePositives: string[];
  /** Safe Harbor spans not fully removed. */
  readonly misses: Array<{ type: string; value: string }>;
}

const ALNUM = /[\p{L}\p{N}]/u;

/** Runs the detector over labelled examples and scores it. */
export function evaluateDetector(
  examples: readonly LabelledExample[],
  options: DetectOptions = {},
  detect: (text: string, o: DetectOptions) => PhiEntity[] = detectPhi,
): EvaluationResult {
  const sh = new Set(SAFE_HARBOR_ENTITY_TYPES);
  const acc = new Map<string, { spans: number; removed: number; overlapped: number; typed: number }>();
  let chars = 0;
  let charsHit = 0;
  let detections = 0;
  let tp = 0;
  let tpSh = 0;
  const falsePositives: string[] = [];
  const misses: Array<{ type: string; value: string }> = [];
  for (const ex of examples) {
    const text = ex.full_text;
    const ents = detect(text, options);
    const covered = new Uint8Array(text.length);
    for (const e of ents) covered.fill(1, e.start, e.end);
    for (const s of ex.spans) {
      const a = acc.get(s.entity_type) ?? { spans: 0, removed: 0, overlapped: 0, typed: 0 };
      acc.set(s.entity_type, a);
      a.spans++;
      let all = true;
      let any = false;
      let allTyped = true;
      for (let i = s.start_position; i < s.end_position; i++) {
        if (!ALNUM.test(text[i])) continue;
        if (sh.has(s.entity_type)) {
          chars++;
          if (covered[i]) charsHit++;
        }
        if (covered[i]) any = true;
        else all = false;
        const e = ents.find((x) => x.start <= i && i < x.end);
        if (!e || !TYPE_MAP[e.type].includes(s.entity_type)) allTyped = false;
      }
      if (all) a.removed++;
      if (any) a.overlapped++;
      if (allTyped) a.typed++;
      if (!all && sh.has(s.entity_type))
        misses.push({ type: s.entity_type, value: text.slice(s.start_position, s.end_position) });
    }
    for (const e of ents) {
      detections++;
      const hits = ex.spans.filter((s) => s.start_position < e.end && e.start < s.end_position);
      if (hits.length) tp++;
      else falsePositives.push(`${e.type}: ${text.slice(e.start, e.end)}`);
      if (hits.some((s) => sh.has(s.entity_type))) tpSh++;
    }
  }
  const byType: TypeScore[] = [...acc.entries()]
    .sort((x, y) => y[1].spans - x[1].spans)
    .map(([type, a]) => ({
      type,
      ...a,
      recall: a.removed / a.spans,
      recallOverlap: a.overlapped / a.spans,
      recallTyped: a.typed / a.spans,
    }));
  const shTypes = byType.filter((t) => sh.has(t.type));
  const sum = (k: 'spans' | 'removed' | 'overlapped' | 'typed') => shTypes.reduce((s, t) => s + t[k], 0);
  const n = sum('spans');
  return {
    examples: examples.length,
    byType,
    recall: n ? sum('removed') / n : 1,
    recallOverlap: n ? sum('overlapped') / n : 1,
    recallTyped: n ? sum('typed') / n : 1,
    charRecall: chars ? charsHit / chars : 1,
    detections,
    precision: detections ? tp / detections : 1,
    precisionSafeHarbor: detections ? tpSh / detections : 1,
    falsePositives,
    misses,
  };
}
