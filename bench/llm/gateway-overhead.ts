/**
 * LLM gateway overhead: the same 2 kB clinical prompt sent to the same loopback OpenAI-compatible
 * upstream (a) directly with fetch and (b) through the gateway (policy, quota, PHI gate: de-identify
 * the prompt + restore the answer, audit entry, metrics). Both non-streaming; the upstream echoes the
 * prompt, so the gateway also restores ~2 kB of answer. Overhead = p50(gateway) − p50(direct), and the
 * gate's own cost measured alone. Run: npx tsx bench/llm/gateway-overhead.ts
 */
import { Registry } from 'prom-client';
import { createPseudonymizer, PhiGate } from '../../src/privacy/index.js';
import {
  createModelRoutes,
  LlmGateway,
  LlmMetrics,
  LlmQuotas,
  parseLlmConfig,
} from '../../src/runtime/index.js';
import { FakeUpstream } from '../../src/runtime/llm/testing/fake-upstream.js';
import { generateCohort } from '../../src/synth/index.js';

const N = Number(process.env.BENCH_N ?? 400);
const WARM = 100;

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
}

const c = generateCohort({ patients: 200, seed: 42 });
const col = c.tables.notes.columns.find((x) => x.name === 'text') as unknown as {
  codes: Int32Array;
  dictionary: string[];
};
const notes: string[] = [];
for (let i = 0; i < c.tables.notes.nRows; i++) notes.push(col.dictionary[col.codes[i]]);
// 2 kB prompts: consecutive notes joined (several patients' PHI per prompt), a different one each call
const prompts: string[] = [];
for (let i = 0; prompts.length < N + WARM; i = (i + 1) % notes.length) {
  let p = '';
  for (let k = i; p.length < 2000; k = (k + 1) % notes.length) p += `${notes[k]}\n`;
  prompts.push(p.slice(0, 2048));
}

const up = await FakeUpstream.start();
const audit: unknown[] = [];
const gateway = new LlmGateway({
  routes: createModelRoutes(
    parseLlmConfig({
      backends: [
        { type: 'openai', name: 'up', kind: 'external', baseUrl: up.url, models: ['m'], retries: 0 },
        { type: 'openai', name: 'inside', kind: 'local', baseUrl: up.url, models: ['m-local'], retries: 0 },
      ],
    }),
  ),
  gate: new PhiGate({ pseudonymizer: createPseudonymizer(new Uint8Array(32).fill(5)) }),
  quotas: new LlmQuotas({ tokensPerWindow: 1e12, requestsPerMinute: 1e9 }),
  audit: { append: (e) => audit.push(e) },
  metrics: new LlmMetrics(new Registry()),
});
const caller = { keyId: 'bench', role: 'scientist' };

async function direct(prompt: string): Promise<void> {
  const res = await fetch(`${up.url}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: prompt }] }),
  });
  await res.json();
}

const tDirect: number[] = [];
const tGateway: number[] = [];
const tGate: number[] = [];
const tLocal: number[] = [];
const gate = new PhiGate({ pseudonymizer: createPseudonymizer(new Uint8Array(32).fill(6)) });
for (let i = 0; i < N + WARM; i++) {
  const p = prompts[i];
  // interleave, in a rotating order, so all paths see the same machine state
  const runs: Array<[number[], () => Promise<unknown> | unknown]> = [
    [tDirect, () => direct(p)],
    [tGateway, () => gateway.chat(caller, { model: 'm', messages: [{ role: 'user', content: p }] })],
    [tLocal, () => gateway.chat(caller, { model: 'm-local', messages: [{ role: 'user', content: p }] })],
    [
      tGate,
      () => {
        const s = gate.session(`s${i}`);
        s.restore(`ECHO: ${s.protect(p)}`);
      },
    ],
  ];
  for (let k = 0; k < runs.length; k++) {
    const [xs, fn] = runs[(i + k) % runs.length];
    const t = performance.now();
    await fn();
    if (i >= WARM) xs.push(performance.now() - t);
  }
}
await up.close();

const row = (name: string, xs: number[]) =>
  `| ${name} | ${pct(xs, 0.5).toFixed(2)} | ${pct(xs, 0.9).toFixed(2)} | ${pct(xs, 0.99).toFixed(2)} |`;
console.log(
  `LLM gateway overhead, ${N} requests of ${prompts[0].length} characters (after ${WARM} warm-up), Node ${process.version}`,
);
console.log('| path | p50 ms | p90 ms | p99 ms |');
console.log('|---|---|---|---|');
console.log(row('direct fetch → loopback upstream', tDirect));
console.log(row('gateway (policy, quota, PHI gate, audit, metrics) → same upstream', tGateway));
console.log(row('gateway to a `local` backend (no PHI gate) → same upstream', tLocal));
console.log(row('PHI gate alone (de-identify prompt + restore echoed answer)', tGate));
console.log(
  `overhead at p50: ${(pct(tGateway, 0.5) - pct(tDirect, 0.5)).toFixed(2)} ms (target < 5 ms); audit entries: ${audit.length}`,
);
