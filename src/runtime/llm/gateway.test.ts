import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAegleError } from '../../core/index.js';
import { createPseudonymizer, PhiGate } from '../../privacy/index.js';
import { generateCohort } from '../../synth/index.js';
import { type Caller, LlmGateway, type LlmAuditSink } from './gateway.js';
import { createModelRoutes, parseLlmConfig } from './llm-config.js';
import { LlmMetrics } from './metrics.js';
import { LlmQuotas } from './quota.js';
import { FakeUpstream } from './testing/fake-upstream.js';

type Col = { codes: Int32Array; dictionary: string[] };
const cohort = generateCohort({ patients: 80, seed: 5 });

/** Each note with every PHI value the generator put in it or holds for its patient. */
function notesWithPhi(): Array<{ text: string; phi: string[] }> {
  const notes = cohort.tables.notes;
  const pats = cohort.tables.patients;
  const col = (f: typeof notes, n: string) => f.columns.find((c) => c.name === n) as unknown as Col;
  const text = col(notes, 'text');
  const pid = col(notes, 'patient_id');
  const ppid = col(pats, 'patient_id');
  const row = new Map<string, number>();
  for (let r = 0; r < pats.nRows; r++)
    if (!row.has(ppid.dictionary[ppid.codes[r]])) row.set(ppid.dictionary[ppid.codes[r]], r);
  const v = (n: string, r: number) => {
    const c = col(pats, n);
    return c.dictionary[c.codes[r]];
  };
  const out: Array<{ text: string; phi: string[] }> = [];
  for (let i = 0; i < notes.nRows; i++) {
    const p = pid.dictionary[pid.codes[i]];
    const r = row.get(p)!;
    const phi = cohort.truth.phi.filter((x) => x.patientId === p).map((x) => x.value);
    phi.push(`${v('first_name', r)} ${v('last_name', r)}`, v('last_name', r), v('mrn', r), v('zip', r));
    out.push({ text: text.dictionary[text.codes[i]], phi: phi.filter((x) => x && x.length >= 3) });
  }
  return out;
}

/** A value leaks when it occurs as a whole word (case-sensitive) in what the upstream received. */
function leaks(received: string, values: string[]): string[] {
  return values.filter((x) =>
    new RegExp(`(?<![\\p{L}\\p{N}])${x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\p{L}\\p{N}])`, 'u').test(
      received,
    ),
  );
}

let up: FakeUpstream;
let gateway: LlmGateway;
const audit: Parameters<LlmAuditSink['append']>[0][] = [];
const registry = new Registry();
const caller: Caller = { keyId: 'k1', role: 'scientist' };

beforeAll(async () => {
  up = await FakeUpstream.start({ chunkSize: 4 });
  const settings = parseLlmConfig({
    backends: [
      { type: 'openai', name: 'cloud', kind: 'external', baseUrl: up.url, models: ['gpt-x'], retries: 0 },
    ],
    policy: { denyExternalForRoles: ['clinician'], denyExternalForDatasets: ['icu-notes'] },
  });
  gateway = new LlmGateway({
    routes: createModelRoutes(settings),
    gate: new PhiGate({ pseudonymizer: createPseudonymizer(new Uint8Array(32).fill(3)) }),
    policy: settings.policy,
    quotas: new LlmQuotas(
      { tokensPerWindow: null, requestsPerMinute: null },
      { tight: { tokensPerWindow: 20 }, slow: { requestsPerMinute: 2 } },
    ),
    audit: { append: (e) => audit.push(e) },
    metrics: new LlmMetrics(registry),
  });
});
afterAll(async () => {
  await gateway.close();
  await up.close();
});

describe('LlmGateway with an external upstream', () => {
  const notes = notesWithPhi();

  it('no generator PHI reaches the upstream, and the caller gets the real values back', async () => {
    let checked = 0;
    for (const n of notes.slice(0, 60)) {
      const before = up.requests.length;
      const messages = [
        { role: 'system' as const, content: 'Summarise the clinical note.' },
        { role: 'user' as const, content: n.text },
      ];
      const r = await gateway.chat(caller, { model: 'gpt-x', messages });
      const received = up.requests
        .slice(before)
        .map((q) => q.raw)
        .join('\n');
      expect(leaks(received, n.phi)).toEqual([]);
      expect(r.text).toBe(`ECHO: Summarise the clinical note.\n${n.text}`);
      expect(r.phiReplaced).toBeGreaterThan(0);
      checked += n.phi.length;
    }
    expect(checked).toBeGreaterThan(300);
  });

  it('streams through the gate: surrogates split across chunks come back as real values', async () => {
    for (const n of notes.slice(60, 90)) {
      const before = up.requests.length;
      const chunks: string[] = [];
      const r = await gateway.stream(
        caller,
        { model: 'gpt-x', messages: [{ role: 'user', content: n.text }] },
        (t) => chunks.push(t),
      );
      const received = up.requests
        .slice(before)
        .map((q) => q.raw)
        .join('\n');
      expect(up.requests[before].body.stream).toBe(true);
      expect(leaks(received, n.phi)).toEqual([]);
      expect(chunks.length).toBeGreaterThan(5);
      expect(chunks.join('')).toBe(`ECHO: ${n.text}`);
      expect(r.text).toBe(`ECHO: ${n.text}`);
    }
  });

  it('keeps surrogates consistent across the turns of a conversation', async () => {
    const note = notes[0].text;
    const before = up.requests.length;
    const first = await gateway.chat(caller, { model: 'gpt-x', messages: [{ role: 'user', content: note }] });
    await gateway.chat(caller, {
      model: 'gpt-x',
      messages: [
        { role: 'user', content: note },
        { role: 'assistant', content: first.text },
        { role: 'user', content: 'And the MRN again?' },
      ],
    });
    const [a, b] = up.requests.slice(before).map((q) => q.body.messages);
    expect(b[0].content).toBe(a[0].content);
    expect(b[1].content).toBe(`ECHO: ${a[0].content}`);
  });

  it('the audit trail shows every call, with a prompt hash and never the text', async () => {
    const n = audit.length;
    await gateway.chat(caller, { model: 'gpt-x', messages: [{ role: 'user', content: notes[3].text }] });
    expect(audit.length).toBe(n + 1);
    const e = audit[n];
    expect(e).toMatchObject({
      actor: 'k1',
      role: 'scientist',
      action: 'llm.chat',
      resource: 'llm:cloud/gpt-x',
      modelVersion: 'gpt-x',
    });
    expect(e.inputHash).toMatch(/^[0-9a-f]{64}$/);
    expect(e.outputSummary).toMatch(
      /^ok backend=cloud kind=external prompt_tokens=\d+ completion_tokens=\d+ latency_ms=\d+ phi_replaced=\d+/,
    );
    const all = JSON.stringify(audit);
    for (const x of notes.slice(0, 90)) expect(leaks(all, x.phi)).toEqual([]);
    expect(audit.length).toBeGreaterThanOrEqual(93); // 60 + 30 + 2 + 1: every call
  });

  it('policy forbids external backends for a role and for a dataset (audited)', async () => {
    const before = up.requests.length;
    const err = await gateway
      .chat(
        { keyId: 'k2', role: 'clinician' },
        { model: 'gpt-x', messages: [{ role: 'user', content: 'hi' }] },
      )
      .catch((e) => e);
    expect(isAegleError(err, 'AEGLE_LLM_POLICY_DENIED')).toBe(true);
    const err2 = await gateway
      .chat(caller, { model: 'gpt-x', dataset: 'icu-notes', messages: [{ role: 'user', content: 'hi' }] })
      .catch((e) => e);
    expect(isAegleError(err2, 'AEGLE_LLM_POLICY_DENIED')).toBe(true);
    expect(up.requests.length).toBe(before);
    expect(audit.at(-1)?.outputSummary).toMatch(/^error AEGLE_LLM_POLICY_DENIED/);
  });

  it('enforces token quotas and rate limits per key', async () => {
    const tight = { keyId: 'tight', role: 'scientist' };
    await gateway.chat(tight, { model: 'gpt-x', messages: [{ role: 'user', content: 'short question' }] });
    const err = await gateway
      .chat(tight, { model: 'gpt-x', messages: [{ role: 'user', content: 'another question' }] })
      .catch((e) => e);
    expect(isAegleError(err, 'AEGLE_LLM_QUOTA_EXCEEDED')).toBe(true);
    expect(err.status).toBe(429);
    const slow = { keyId: 'slow', role: 'scientist' };
    await gateway.chat(slow, { model: 'gpt-x', messages: [{ role: 'user', content: 'q1' }] });
    await gateway.chat(slow, { model: 'gpt-x', messages: [{ role: 'user', content: 'q2' }] });
    const err2 = await gateway
      .chat(slow, { model: 'gpt-x', messages: [{ role: 'user', content: 'q3' }] })
      .catch((e) => e);
    expect(isAegleError(err2, 'AEGLE_LLM_RATE_LIMITED')).toBe(true);
    expect(err2.details.retryAfter).toBeGreaterThan(0);
  });

  it('exports Prometheus metrics per backend', async () => {
    const text = await registry.metrics();
    expect(text).toMatch(/aegle_llm_requests_total\{backend="cloud",model="gpt-x",outcome="ok"\} \d+/);
    expect(text).toMatch(/aegle_llm_tokens_total\{backend="cloud",model="gpt-x",direction="completion"\}/);
    expect(text).toMatch(/aegle_llm_phi_replaced_total\{backend="cloud",type="NAME"\}/);
    expect(text).toContain('aegle_llm_request_duration_seconds_bucket');
  });

  it('rejects an unknown model and a bad config clearly', async () => {
    const err = await gateway
      .chat(caller, { model: 'nope', messages: [{ role: 'user', content: 'x' }] })
      .catch((e) => e);
    expect(isAegleError(err, 'AEGLE_LLM_UNKNOWN_MODEL')).toBe(true);
    expect(() =>
      parseLlmConfig({ backends: [{ type: 'openai', name: 'a', baseUrl: 'http://x', models: ['m'] }] }),
    ).toThrow(/kind must be 'local' or 'external'/);
    expect(() =>
      parseLlmConfig({ backends: [{ type: 'llama-cpp', name: 'a', model: 'x.gguf', temp: 1 }] }),
    ).toThrow(/unknown field 'temp'/);
  });
});
