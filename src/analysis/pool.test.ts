import { afterAll, describe, expect, it } from 'vitest';
import { isAegleError, makeFrame, numericColumn } from '../core/index.js';
import { closeAnalysisPool, jsonSafe, runAnalysis, runAnalysisInWorker } from './index.js';

// Kaplan–Meier on the classic 6-MP remission data (Freireich et al. 1963, 6-MP arm; Kleinbaum &
// Klein, Survival Analysis, table 2.1): S(t) at 6 = 0.857, at 10 = 0.753, at 13 = 0.690
const time = [6, 6, 6, 6, 7, 9, 10, 10, 11, 13, 16, 17, 19, 20, 22, 23, 25, 32, 32, 34, 35];
const event = [1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0];
const frame = () => makeFrame([numericColumn('t', time), numericColumn('e', event)]);

afterAll(async () => closeAnalysisPool());

describe('analyses in a worker thread', () => {
  it('return what runAnalysis returns on the calling thread, and the textbook survival', async () => {
    const here = runAnalysis('km', frame(), { time: 't', event: 'e' });
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const there = await runAnalysisInWorker('km', frame(), { time: 't', event: 'e' });
    clearInterval(timer);
    expect(there.result).toEqual(jsonSafe(here.result));
    expect(there.text).toBe(here.text);
    expect(there.chart).toEqual(jsonSafe(here.chart));
    const g = (there.result as { groups: { time: number[]; survival: number[] }[] }).groups[0];
    const at = (t: number) => g.survival[g.time.indexOf(t)];
    expect(at(6)).toBeCloseTo(0.857, 3);
    expect(at(10)).toBeCloseTo(0.753, 3);
    expect(at(13)).toBeCloseTo(0.69, 3);
    // the calling thread's event loop kept turning while the worker ran
    expect(ticks).toBeGreaterThan(0);
  });

  it('raise the same coded error as on the calling thread', async () => {
    let here: unknown;
    try {
      runAnalysis('km', frame(), { time: 'nope', event: 'e' });
    } catch (e) {
      here = e;
    }
    expect(isAegleError(here)).toBe(true);
    const there = await runAnalysisInWorker('km', frame(), { time: 'nope', event: 'e' }).catch((e) => e);
    expect(isAegleError(there)).toBe(true);
    const [a, b] = [here, there] as { code: string; status: number; message: string }[];
    expect([b.code, b.status, b.message]).toEqual([a.code, a.status, a.message]);
  });
});
