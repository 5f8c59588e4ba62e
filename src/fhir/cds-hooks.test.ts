/**
 * The CDS Hooks 2.0 examples in ../shared/data/cds-hooks/ (from the specification and the HL7 v2
 * examples) against our request parser and shape checks; and the checks' refusals, one per rule.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  validateCard,
  validateCardsResponse,
  validateDiscoveryResponse,
  validateFeedback,
} from './cds-hooks-shapes.js';
import { parseCdsHookRequest, renderPrefetchTemplate } from './cds-hooks.js';
import { parseFeatureSpec, prefetchTemplates } from './feature-spec.js';

const DIR = path.resolve(__dirname, '../../../shared/data/cds-hooks');
const read = (f: string) => JSON.parse(readFileSync(path.join(DIR, f), 'utf8')) as Record<string, any>;
const files = readdirSync(DIR).filter((f) => f.endsWith('.json'));

describe('the shared CDS Hooks examples', () => {
  it('every request and context example parses as a hook request', () => {
    let n = 0;
    for (const f of files) {
      const doc = read(f);
      if (!('context' in doc)) continue;
      // context-only examples are wrapped the way a CDS client sends them
      const hook =
        doc.hook ??
        (f.startsWith('order-sign')
          ? 'order-sign'
          : 'draftOrders' in doc.context
            ? 'order-select'
            : 'patient-view');
      const body = { hookInstance: 'd1577c69-dfbe-44ad-ba6d-3e05e953b2ea', hook, ...doc };
      const r = parseCdsHookRequest(body);
      expect(r, f).toMatchObject({ ok: true });
      n++;
    }
    expect(n).toBeGreaterThanOrEqual(6);
  });

  it('discovery, card and feedback examples validate against the spec shapes', () => {
    const checked: string[] = [];
    for (const f of files) {
      const doc = read(f);
      if ('services' in doc) expect(validateDiscoveryResponse(doc), f).toEqual([]);
      // the spec's autolaunchable-link example shows the link only and leaves out the card's
      // required indicator (https://cds-hooks.hl7.org/2.0/#card-attributes): that one omission is expected
      else if ('cards' in doc)
        expect(validateCardsResponse(doc), f).toEqual(
          f === 'cards-response-autolaunchable.json'
            ? ['cards[0].indicator: must be one of info|warning|critical']
            : [],
        );
      else if ('feedback' in doc) expect(validateFeedback(doc), f).toEqual([]);
      // likewise the opioid card fragment leaves out the required source
      else if ('summary' in doc)
        expect(validateCard(doc), f).toEqual(
          f === 'opioid-card-response.json' ? ['card.source: is required (object)'] : [],
        );
      else continue;
      checked.push(f);
    }
    expect(checked.length).toBe(11);
  });

  it('the prefetch template examples render with a context', () => {
    const t = read('prefetch-templates.json').prefetch as Record<string, string>;
    const ctx = { patientId: '123', userId: 'PractitionerRole/456' };
    expect(renderPrefetchTemplate(t.patient, ctx)).toBe('Patient/123');
    expect(renderPrefetchTemplate(t.user, ctx)).toBe('PractitionerRole?_id=456');
    expect(renderPrefetchTemplate(t.user, { patientId: '1', userId: 'Practitioner/9' })).toBeNull();
  });
});

describe('shape checks refuse what the spec forbids', () => {
  const card = { summary: 'Risk 12%', indicator: 'info', source: { label: 'Aegle' } };
  it('cards', () => {
    expect(validateCard(card)).toEqual([]);
    expect(validateCard({ ...card, summary: 'x'.repeat(140) })).toEqual([
      'card.summary: must be under 140 characters',
    ]);
    expect(validateCard({ ...card, indicator: 'hard-stop' })).toEqual([
      'card.indicator: must be one of info|warning|critical',
    ]);
    expect(validateCard({ summary: 'x', indicator: 'info' })).toEqual(['card.source: is required (object)']);
    expect(validateCard({ ...card, suggestions: [{ label: 'Order A1c' }] })).toEqual([
      'card.selectionBehavior: must be one of at-most-one|any',
    ]);
    expect(validateCard({ ...card, links: [{ label: 'app', url: 'https://x', type: 'web' }] })).toEqual([
      'card.links[0].type: must be one of absolute|smart',
    ]);
    expect(validateCardsResponse({})).toEqual(['cards: must be an array']);
  });
  it('discovery and feedback', () => {
    expect(validateDiscoveryResponse({ services: [{ hook: 'patient-view', id: 'a' }] })).toEqual([
      'services[0].description: is required (string)',
    ]);
    expect(
      validateFeedback({ feedback: [{ card: 'c', outcome: 'ignored', outcomeTimestamp: 'now' }] }),
    ).toEqual([
      'feedback[0].outcome: must be one of accepted|overridden',
      'feedback[0].outcomeTimestamp: is required (an instant)',
    ]);
  });
});

it('prefetch templates come from the feature spec', () => {
  const spec = parseFeatureSpec({
    source: 's',
    index: { kind: 'date', date: '2023-01-01' },
    features: [
      { kind: 'age' },
      { kind: 'observation', name: 'hba1c', loinc: ['4548-4'], stats: ['last'], lookbackDays: 365 },
      { kind: 'medication', name: 'metformin', codes: [{ system: 'rxnorm', codes: ['6809'] }] },
    ],
  });
  const t = prefetchTemplates(spec);
  expect(t).toEqual({
    patient: 'Patient/{{context.patientId}}',
    observations: 'Observation?patient={{context.patientId}}&code=http://loinc.org|4548-4',
    medications: 'MedicationRequest?patient={{context.patientId}}',
  });
  expect(
    validateDiscoveryResponse({
      services: [{ hook: 'patient-view', id: 'x', description: 'd', prefetch: t }],
    }),
  ).toEqual([]);
});
