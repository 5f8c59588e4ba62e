import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { Rng } from '../core/index.js';
import { writePredictResponse, type PredictionRow } from './predict-response.js';
import { PredictResponse } from './routes/models.js';

describe('writePredictResponse', () => {
  it("writes the same bytes as Fastify's serializer for the predict response schema", async () => {
    const rng = new Rng(5);
    const factor = (i: number) => ({
      feature: `f${i}`,
      value: i % 3 ? rng.normal() * 100 : null,
      contribution: rng.normal() / 7,
      direction: i % 2 ? 'increases' : 'decreases',
      text: `f${i} = ${i} "quoted" — raises the risk`,
    });
    const rows: PredictionRow[] = Array.from({ length: 3000 }, (_, i) =>
      i % 500 === 7
        ? { probability: null, label: null, value: rng.normal() * 1e-9, factors: [], warnings: [] }
        : {
            probability: i % 11 === 0 ? 0 : i % 13 === 0 ? 1e-7 : rng.uniform(),
            label: i % 17 === 0 ? 'négatif ✓' : i % 2 ? '1' : '0',
            factors: i < 100 ? [factor(i), factor(i + 1)] : [],
            warnings: i % 250 === 0 ? [`age ${i} is outside the training range 20–90 years`] : [],
          },
    );
    const app = Fastify();
    app.get('/', { schema: { response: { 200: PredictResponse } } }, async () => ({
      model: { name: 'risk "v2"', version: 3 },
      requestId: 'req-ü',
      predictions: rows,
    }));
    const reference = (await app.inject({ method: 'GET', url: '/' })).body;
    await app.close();
    const out = writePredictResponse({ name: 'risk "v2"', version: 3 }, 'req-ü', rows);
    const text = out.bytes.toString('utf8');
    // where they first differ (a 1 MB diff is no use)
    let d = 0;
    while (d < text.length && text[d] === reference[d]) d++;
    expect({ at: d, ours: text.slice(d - 40, d + 80) }).toEqual({
      at: reference.length,
      ours: text.slice(d - 40, d + 80),
    });
    expect(text.length).toBe(reference.length);
    out.release();
    // a second answer reuses the pooled buffer and is still whole
    const again = writePredictResponse({ name: 'm', version: 1 }, 'r', rows.slice(0, 1200));
    expect(JSON.parse(again.bytes.toString('utf8')).predictions).toHaveLength(1200);
    again.release();
  });
});
