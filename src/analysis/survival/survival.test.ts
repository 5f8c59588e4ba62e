/**
 * Survival analyses against R `survival` 3.5-3 (R 4.2.2). References:
 * - ../shared/peers/veteran_ref.json — produced by ../shared/peers/survival_ref.R on survival_veteran.csv;
 * - test/fixtures/survival/lung_ref.json — the same script on survival::lung;
 * - test/fixtures/survival/extra_ref.json — test/fixtures/survival/extra_ref.R (cox.zph, 4-group log-rank, Breslow, NAs).
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { categoricalColumn, isAegleError, makeFrame, numericColumn } from '../../core/index.js';
import { readCsvFrame } from '../testing.js';
import { analyzeCox, analyzeCoxZph, analyzeKaplanMeier } from './frame.js';
import { concordanceIndex } from './concordance.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../../..');
const peers = resolve(root, '../shared/peers');
const fixtures = resolve(root, 'test/fixtures/survival');
const vetRef = JSON.parse(readFileSync(resolve(peers, 'veteran_ref.json'), 'utf8'));
const lungRef = JSON.parse(readFileSync(resolve(fixtures, 'lung_ref.json'), 'utf8'));
const extra = JSON.parse(readFileSync(resolve(fixtures, 'extra_ref.json'), 'utf8'));
const veteran = readCsvFrame(resolve(peers, 'survival_veteran.csv'));
const lung = readCsvFrame(resolve(fixtures, 'lung.csv'));
const CELLTYPE = { celltype: ['squamous', 'smallcell', 'adeno', 'large'] };

function close(actual: ArrayLike<number | null>, expected: ArrayLike<number | null>, tol = 1e-6): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (e === null || e === undefined) {
      expect(a === null || Number.isNaN(a as number), `index ${i}: expected missing, got ${a}`).toBe(true);
      continue;
    }
    expect(a, `index ${i}`).not.toBeNull();
    expect(Math.abs((a as number) - e), `index ${i}: ${a} vs ${e}`).toBeLessThanOrEqual(
      tol * Math.max(1, Math.abs(e)),
    );
  }
}

function checkCurve(c: ReturnType<typeof analyzeKaplanMeier>['groups'][number], r: any): void {
  close(c.time, r.time);
  close(c.nRisk, r.n_risk);
  close(c.nEvent, r.n_event);
  close(c.nCensor, r.n_censor);
  close(c.survival, r.surv);
  close(
    c.stdErr.map((v) => (Number.isFinite(v) ? v : null)),
    r.std_err,
  );
  close(c.lower, r.lower);
  close(c.upper, r.upper);
  expect(c.n).toBe(r.n);
  expect(c.events).toBe(r.events);
  close([c.median, c.medianLower, c.medianUpper], [r.median, r.median_lower_95, r.median_upper_95]);
  close([c.rmean, c.rmeanSe], [r.rmean, r.rmean_se]);
}

describe('Kaplan–Meier and log-rank vs R survfit/survdiff', () => {
  it('veteran overall, every time point', () => {
    const km = analyzeKaplanMeier(veteran, { time: 'time', event: 'status' });
    checkCurve(km.groups[0], vetRef.km);
  });
  it('veteran by trt, with log-rank', () => {
    const km = analyzeKaplanMeier(veteran, { time: 'time', event: 'status', group: 'trt' });
    expect(km.groups.map((g) => g.name)).toEqual(['1', '2']);
    checkCurve(km.groups[0], vetRef.km_by_trt.strata['trt=1']);
    checkCurve(km.groups[1], vetRef.km_by_trt.strata['trt=2']);
    const lr = km.logrank!;
    close([lr.chisq, lr.p], [vetRef.logrank_trt.chisq, vetRef.logrank_trt.p]);
    expect(lr.df).toBe(1);
    close(lr.observed, vetRef.logrank_trt.observed);
    close(lr.expected, vetRef.logrank_trt.expected);
    close(lr.variance.flat(), vetRef.logrank_trt.var.flat());
  });
  it('veteran 4-group log-rank by celltype', () => {
    const km = analyzeKaplanMeier(veteran, {
      time: 'time',
      event: 'status',
      group: 'celltype',
      levels: CELLTYPE.celltype,
    });
    const r = extra.vet_logrank_celltype;
    close([km.logrank!.chisq, km.logrank!.p], [r.chisq, r.p]);
    expect(km.logrank!.df).toBe(3);
    close(km.logrank!.expected, r.expected);
  });
  it('lung (status 1/2 coding, S reaches 0 in a stratum) overall and by sex', () => {
    const km = analyzeKaplanMeier(lung, { time: 'time', event: 'status' });
    checkCurve(km.groups[0], lungRef.km);
    const bySex = analyzeKaplanMeier(lung, { time: 'time', event: 'status', group: 'sex' });
    checkCurve(bySex.groups[0], lungRef.km_by_sex.strata['sex=1']);
    checkCurve(bySex.groups[1], lungRef.km_by_sex.strata['sex=2']);
    close([bySex.logrank!.chisq, bySex.logrank!.p], [lungRef.logrank_sex.chisq, lungRef.logrank_sex.p]);
  });
});

function checkCox(fit: ReturnType<typeof analyzeCox>, r: any): void {
  expect(fit.n).toBe(r.n);
  expect(fit.events).toBe(r.nevent);
  expect(fit.coefficients.map((c) => c.name)).toEqual(r.terms);
  close(
    fit.coefficients.map((c) => c.coef),
    r.coef,
  );
  close(
    fit.coefficients.map((c) => c.se),
    r.se,
  );
  close(
    fit.coefficients.map((c) => c.hr),
    r.hr,
  );
  close(
    fit.coefficients.map((c) => c.z),
    r.z,
  );
  close(
    fit.coefficients.map((c) => c.p),
    r.p,
  );
  close(
    fit.coefficients.map((c) => c.lower),
    r.hr_lower_95,
  );
  close(
    fit.coefficients.map((c) => c.upper),
    r.hr_upper_95,
  );
  close(fit.vcov.flat(), r.vcov.flat());
  close([fit.loglikNull, fit.loglik], [r.loglik_null, r.loglik]);
  close(
    [fit.lrt.stat, fit.lrt.p, fit.score.stat, fit.score.p],
    [r.lrt.stat, r.lrt.p, r.score.stat, r.score.p],
  );
  // summary.coxph rounds the Wald statistic to 2 decimals (and takes p from the rounded value).
  expect(Math.round(fit.wald.stat * 100) / 100).toBeCloseTo(r.wald.stat, 10);
  close([fit.concordance], [r.concordance]);
}

describe('Cox PH vs R coxph', () => {
  it('veteran, Efron, with a 4-level factor', () => {
    const fit = analyzeCox(veteran, {
      time: 'time',
      event: 'status',
      covariates: ['trt', 'celltype', 'karno', 'diagtime', 'age', 'prior'],
      levels: CELLTYPE,
    });
    checkCox(fit, vetRef.cox);
    expect(fit.dropped).toBe(0);
  });
  it('veteran, Breslow', () => {
    const fit = analyzeCox(veteran, {
      time: 'time',
      event: 'status',
      covariates: ['trt', 'celltype', 'karno', 'diagtime', 'age', 'prior'],
      levels: CELLTYPE,
      ties: 'breslow',
    });
    const r = extra.vet_breslow;
    close(
      fit.coefficients.map((c) => c.coef),
      r.coef,
    );
    close(
      fit.coefficients.map((c) => c.se),
      r.se,
    );
    close([fit.concordance], [r.concordance]);
    close([fit.loglikNull, fit.loglik], r.loglik);
  });
  it('lung Efron and Breslow (1 row dropped for a missing ph.ecog)', () => {
    const efron = analyzeCox(lung, { time: 'time', event: 'status', covariates: ['age', 'sex', 'ph.ecog'] });
    checkCox(efron, lungRef.cox);
    expect(efron.dropped).toBe(1);
    checkCox(
      analyzeCox(lung, {
        time: 'time',
        event: 'status',
        covariates: ['age', 'sex', 'ph.ecog'],
        ties: 'breslow',
      }),
      lungRef.cox_breslow,
    );
  });
  it('lung with wt.loss: 15 rows dropped, as R', () => {
    const fit = analyzeCox(lung, {
      time: 'time',
      event: 'status',
      covariates: ['age', 'sex', 'ph.ecog', 'wt.loss'],
    });
    const r = extra.lung4;
    expect(fit.dropped).toBe(r.nomit);
    expect(fit.n).toBe(r.n);
    expect(fit.events).toBe(r.nevent);
    close(
      fit.coefficients.map((c) => c.coef),
      r.coef,
    );
    close(
      fit.coefficients.map((c) => c.se),
      r.se,
    );
    close(
      fit.coefficients.map((c) => c.p),
      r.p,
    );
    close([fit.concordance, fit.score.stat, fit.wald.stat], [r.concordance, r.score, r.wald]);
    const zph = analyzeCoxZph(fit);
    close([...zph.table.map((z) => z.chisq), zph.global.chisq], extra.lung4_zph.chisq);
  });
});

describe('cox.zph vs R', () => {
  const covariates = ['trt', 'celltype', 'karno', 'diagtime', 'age', 'prior'];
  it('veteran, km transform, factor as one term', () => {
    const zph = analyzeCoxZph(
      analyzeCox(veteran, { time: 'time', event: 'status', covariates, levels: CELLTYPE }),
    );
    const r = extra.vet_zph;
    expect([...zph.table.map((z) => z.term), 'GLOBAL']).toEqual(r.terms);
    close([...zph.table.map((z) => z.chisq), zph.global.chisq], r.chisq);
    close([...zph.table.map((z) => z.p), zph.global.p], r.p);
    expect([...zph.table.map((z) => z.df), zph.global.df]).toEqual(r.df);
  });
  it('veteran Breslow fit', () => {
    const zph = analyzeCoxZph(
      analyzeCox(veteran, { time: 'time', event: 'status', covariates, levels: CELLTYPE, ties: 'breslow' }),
    );
    close([...zph.table.map((z) => z.chisq), zph.global.chisq], extra.vet_zph_breslow.chisq);
  });
});

describe('input rules', () => {
  const f = makeFrame([
    numericColumn('t', [1, 2, -3, 4]),
    numericColumn('e', [0, 1, 1, 0]),
    numericColumn('bad', [0, 1, 3, 0]),
    categoricalColumn('g', ['a', 'b', 'a', 'b']),
  ]);
  it('negative time names the column', () => {
    try {
      analyzeKaplanMeier(f, { time: 't', event: 'e' });
      expect.unreachable();
    } catch (e) {
      expect(isAegleError(e, 'AEGLE_ANALYSIS_NEGATIVE_TIME')).toBe(true);
      expect((e as Error).message).toContain("'t'");
    }
  });
  it('non-binary event and unknown column are coded errors', () => {
    const ok = makeFrame([numericColumn('t', [1, 2, 3]), numericColumn('bad', [0, 1, 3])]);
    expect(() => analyzeKaplanMeier(ok, { time: 't', event: 'bad' })).toThrow(/AEGLE|must hold only/);
    try {
      analyzeKaplanMeier(ok, { time: 't', event: 'bad' });
    } catch (e) {
      expect(isAegleError(e, 'AEGLE_ANALYSIS_BAD_EVENT')).toBe(true);
    }
    try {
      analyzeCox(ok, { time: 't', event: 'nope', covariates: ['x'] });
    } catch (e) {
      expect(isAegleError(e, 'AEGLE_CORE_COLUMN_NOT_FOUND')).toBe(true);
      expect((e as Error).message).toContain("'nope'");
    }
  });
  it('concordance counts by hand', () => {
    // times 1..4 all events; risk perfectly reversed ⇒ C = 1; one tie in risk ⇒ ½.
    expect(concordanceIndex([1, 2, 3, 4], [1, 1, 1, 1], [4, 3, 2, 1]).concordance).toBe(1);
    const c = concordanceIndex([1, 2, 3], [1, 1, 0], [2, 2, 1]);
    // pairs: (1,2) tied risk, (1,3) concordant, (2,3) concordant ⇒ (2 + 0.5)/3
    expect(c.concordance).toBeCloseTo(2.5 / 3, 15);
  });
});
