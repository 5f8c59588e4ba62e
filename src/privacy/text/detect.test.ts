import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createPseudonymizer } from '../keys.js';
import { detectPhi } from './detect.js';
import { evaluateDetector, type LabelledExample } from './evaluate.js';
import { redactText } from './redact.js';

const corpus = JSON.parse(
  readFileSync(new URL('../../../../shared/data/deid/generated_small.json', import.meta.url), 'utf8'),
) as LabelledExample[];

describe('free-text de-identification on the Presidio-research corpus', () => {
  it('removes ≥ 95 % of Safe Harbor spans (every letter and digit) with honest precision', () => {
    const r = evaluateDetector(corpus);
    expect(r.examples).toBe(100);
    expect(r.recall).toBeGreaterThanOrEqual(0.95);
    expect(r.charRecall).toBeGreaterThanOrEqual(0.95);
    expect(r.precision).toBeGreaterThan(0.85);
    // without name dictionaries (context cues + capitalisation only), still reported and close
    const noDict = evaluateDetector(corpus, { nameDictionaries: false });
    expect(noDict.recall).toBeGreaterThan(0.9);
    // cues only: the honest lower bound for names unlike any in the lexicon
    const cues = evaluateDetector(corpus, { nameDictionaries: false, capitalisedUnknown: false });
    expect(cues.recall).toBeLessThan(r.recall);
  });
});

describe('detectors by type', () => {
  const cases: Array<[string, string, string]> = [
    ['Call (617) 555-0143 today', '(617) 555-0143', 'PHONE'],
    ['fax: 001-420-335-7509x38548', '001-420-335-7509x38548', 'PHONE'],
    ['SSN 123-45-6789 on file', '123-45-6789', 'SSN'],
    ['mail jane.doe@example.org now', 'jane.doe@example.org', 'EMAIL'],
    ['see https://example.org/a?b=1.', 'https://example.org/a?b=1', 'URL'],
    ['from 192.168.10.254 blocked', '192.168.10.254', 'IP'],
    ['card 4532 2766 4457 7020 expired', '4532 2766 4457 7020', 'CREDIT_CARD'],
    ['IBAN GB82 WEST 1234 5698 7654 32 ok', 'GB82 WEST 1234 5698 7654 32', 'IBAN'],
    ['MRN: 10293847 admitted', '10293847', 'ID'],
    ['seen on 03/14/2021 again', '03/14/2021', 'DATE'],
    ['on March 3, 2019 she', 'March 3, 2019', 'DATE'],
    ['a 93-year-old woman', '93-year-old', 'AGE'],
    ['Lives at 12 Maple St, Boston, MA 02115.', '12 Maple St, Boston, MA 02115', 'ADDRESS'],
    ['Seen by Dr. Okonkwo-Baptiste today', 'Okonkwo-Baptiste', 'NAME'],
    ["My driver's license number is 481195160", '481195160', 'DRIVER_LICENSE'],
  ];
  it.each(cases)('%s', (text, value, type) => {
    const e = detectPhi(text);
    const start = text.indexOf(value);
    expect(e).toContainEqual({ start, end: start + value.length, type });
  });
  it('leaves ordinary clinical text alone', () => {
    const text =
      'BP 130/85, BMI 27.3, A1c 6.1%. Never smoker. Continue current medications; recheck labs in 3 months.';
    expect(detectPhi(text)).toEqual([]);
    expect(detectPhi('a 67-year-old man')).toEqual([]);
  });
  it('reports offsets into the original text and replaces with tags', () => {
    const text = 'Dr. Smith saw John Doe on 03/04/2020.';
    const r = redactText(text);
    expect(r.text).toBe('Dr. [NAME] saw [NAME] on [DATE].');
    expect(r.entities.map((e) => text.slice(e.start, e.end))).toEqual(['Smith', 'John Doe', '03/04/2020']);
  });
  it('surrogates are consistent within a patient and shift dates by the patient offset', () => {
    const p = createPseudonymizer(new Uint8Array(32).fill(5));
    const o = { mode: 'surrogate' as const, pseudonymizer: p, patientKey: 'P1' };
    const a = redactText('John Doe seen 01/10/2020.', o).text;
    const b = redactText('John Doe seen 01/10/2020.', o).text;
    expect(a).toBe(b);
    expect(a).not.toContain('John');
    expect(a).not.toContain('01/10/2020');
    const shifted = /(\d\d)\/(\d\d)\/(\d{4})/.exec(a)!;
    const days = (Date.UTC(+shifted[3], +shifted[1] - 1, +shifted[2]) - Date.UTC(2020, 0, 10)) / 86_400_000;
    expect(days).toBe(p.dateOffsetDays('P1'));
  });
});

const word = fc.stringMatching(/^[a-z]{2,9}$/);
const context = fc
  .array(
    fc.constantFrom('the', 'patient', 'was', 'seen', 'today', 'and', 'labs', 'were', 'normal', ',', '.'),
    { maxLength: 8 },
  )
  .map((w) => w.join(' '));
const phiValue = fc.oneof(
  fc
    .tuple(
      fc.integer({ min: 200, max: 999 }),
      fc.integer({ min: 200, max: 999 }),
      fc.integer({ min: 0, max: 9999 }),
    )
    .map(([a, b, c]) => `(${a}) ${b}-${String(c).padStart(4, '0')}`),
  fc
    .tuple(
      fc.integer({ min: 1, max: 899 }),
      fc.integer({ min: 1, max: 99 }),
      fc.integer({ min: 1, max: 9999 }),
    )
    .map(
      ([a, b, c]) =>
        `${String(a).padStart(3, '0')}-${String(b).padStart(2, '0')}-${String(c).padStart(4, '0')}`,
    ),
  fc.tuple(word, word).map(([a, b]) => `${a}.${b}@example.com`),
  fc
    .tuple(
      fc.integer({ min: 1, max: 12 }),
      fc.integer({ min: 1, max: 28 }),
      fc.integer({ min: 1900, max: 2030 }),
    )
    .map(([m, d, y]) => `${m}/${d}/${y}`),
  fc
    .tuple(
      fc.integer({ min: 0, max: 255 }),
      fc.integer({ min: 0, max: 255 }),
      fc.integer({ min: 0, max: 255 }),
      fc.integer({ min: 1, max: 255 }),
    )
    .map((o) => o.join('.')),
  fc.integer({ min: 1_000_000, max: 99_999_999 }).map((n) => `MRN ${n}`),
  word.map((w) => `Dr. ${w[0].toUpperCase()}${w.slice(1)}`),
);

describe('properties (fast-check)', () => {
  it('never throws and returns well-formed, ordered, non-overlapping spans for any string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (s) => {
        const r = redactText(s);
        let last = 0;
        for (const e of r.entities) {
          expect(e.start).toBeGreaterThanOrEqual(last);
          expect(e.end).toBeGreaterThan(e.start);
          expect(e.end).toBeLessThanOrEqual(s.length);
          last = e.end;
        }
      }),
      { numRuns: 400 },
    );
  });
  it('never leaks a planted identifier, whatever surrounds it', () => {
    fc.assert(
      fc.property(context, phiValue, context, (pre, v, post) => {
        const text = `${pre} ${v} ${post}`;
        const out = redactText(text).text;
        const secret = v.replace(/^(MRN|Dr\.) /, '');
        expect(out).not.toContain(secret);
      }),
      { numRuns: 500 },
    );
  });
});
