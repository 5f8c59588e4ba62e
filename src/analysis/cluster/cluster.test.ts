/**
 * Clustering, PCA and isolation forest against scikit-learn 1.2.1 on the same input:
 * test/fixtures/analysis/blobs.csv (240 make_blobs points + 10 uniform outliers) and
 * blobs_sklearn.json, both written by test/fixtures/analysis/blobs_sklearn.py.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fitIsolationForest, isolationScores } from '../anomaly/iforest.js';
import { mahalanobis, robustZ, topAnomalies } from '../anomaly/robust.js';
import { rankData } from '../describe/tests.js';
import { pointsFromRows } from './data.js';
import { dbscan } from './dbscan.js';
import { agglomerative, cutTree } from './hclust.js';
import { kmeans, lloyd, miniBatchKMeans } from './kmeans.js';
import { calinskiHarabaszScore, daviesBouldinScore, silhouetteScore } from './metrics.js';
import { pca } from './pca.js';
import { clusterProfiles } from './profile.js';

const dir = resolve(dirname(fileURLToPath(import.meta.url)), '../../../test/fixtures/analysis');
const rows = readFileSync(resolve(dir, 'blobs.csv'), 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((l) => l.split(',').map(Number));
const ref = JSON.parse(readFileSync(resolve(dir, 'blobs_sklearn.json'), 'utf8'));
const P = pointsFromRows(rows);

/** True when two labelings are the same partition (identical up to a renaming of labels; noise −1 fixed). */
function samePartition(a: ArrayLike<number>, b: ArrayLike<number>, keepNoise = false): boolean {
  const f = new Map<number, number>();
  const g = new Map<number, number>();
  for (let i = 0; i < a.length; i++) {
    if (keepNoise && (a[i] === -1) !== (b[i] === -1)) return false;
    if (f.has(a[i]) && f.get(a[i]) !== b[i]) return false;
    if (g.has(b[i]) && g.get(b[i]) !== a[i]) return false;
    f.set(a[i], b[i]);
    g.set(b[i], a[i]);
  }
  return true;
}

const initFrom = (idx: number[]) => Float64Array.from(idx.flatMap((i) => rows[i]));

describe('k-means vs scikit-learn', () => {
  it('same initial centres ⇒ inertia within 1e-6 and the same labels', () => {
    for (const [rowsKey, inertiaKey, labelsKey] of [
      ['init_rows', 'kmeans_inertia', 'kmeans_labels'],
      ['init_rows2', 'kmeans2_inertia', 'kmeans2_labels'],
    ]) {
      const r = lloyd(P, initFrom(ref[rowsKey]), 4);
      expect(Math.abs(r.inertia - ref[inertiaKey])).toBeLessThan(1e-6);
      expect(samePartition(r.labels, ref[labelsKey])).toBe(true);
    }
  });
  it('k-means++ with n_init finds the good solution; mini-batch comes close', () => {
    const r = kmeans(P, { k: 4, nInit: 5, seed: 1 });
    expect(r.inertia).toBeLessThanOrEqual(ref.kmeans_inertia + 1e-6);
    const mb = miniBatchKMeans(P, { k: 4, seed: 1, batchSize: 64, nInit: 1 });
    expect(mb.inertia).toBeLessThan(ref.kmeans_inertia * 1.1);
  });
  it('validity indices equal sklearn', () => {
    const labels = ref.kmeans_labels;
    expect(silhouetteScore(P, labels)).toBeCloseTo(ref.silhouette, 10);
    expect(daviesBouldinScore(P, labels)).toBeCloseTo(ref.davies_bouldin, 10);
    expect(calinskiHarabaszScore(P, labels)).toBeCloseTo(ref.calinski_harabasz, 7);
  });
});

describe('DBSCAN and agglomerative vs scikit-learn (identical up to permutation)', () => {
  it('DBSCAN eps 0.9, min_samples 5', () => {
    const r = dbscan(P, { eps: 0.9, minSamples: 5 });
    expect(samePartition(r.labels, ref.dbscan_labels, true)).toBe(true);
    expect(r.nNoise).toBe(ref.dbscan_labels.filter((l: number) => l === -1).length);
  });
  for (const link of ['ward', 'average', 'complete'] as const) {
    it(`agglomerative ${link}, 4 clusters`, () => {
      const tree = agglomerative(P, link);
      expect(tree.merges.length).toBe(P.n - 1);
      expect(tree.order.slice().sort((a, b) => a - b)).toEqual(Array.from({ length: P.n }, (_, i) => i));
      expect(samePartition(cutTree(tree, 4), ref[`agglo_${link}`])).toBe(true);
    });
  }
  it('Ward heights follow SciPy on a hand case', () => {
    // scipy.cluster.hierarchy.linkage([[0],[1],[3]], 'ward') → heights 1, √(((1+1)·9 + (1+1)·4 − 1·1)/3) = √(25/3)
    const t = agglomerative(pointsFromRows([[0], [1], [3]]), 'ward');
    expect(t.merges[0].height).toBeCloseTo(1, 12);
    expect(t.merges[1].height).toBeCloseTo(Math.sqrt(25 / 3), 12);
    expect(t.merges[1].size).toBe(3);
  });
});

describe('PCA, profiles and anomalies', () => {
  it('PCA explained variance and scores equal sklearn (up to sign)', () => {
    const r = pca(P, 2);
    expect(r.explainedVarianceRatio[0]).toBeCloseTo(ref.pca_ratio[0], 10);
    expect(r.explainedVarianceRatio[1]).toBeCloseTo(ref.pca_ratio[1], 10);
    for (let i = 0; i < 5; i++)
      for (let c = 0; c < 2; c++)
        expect(Math.abs(r.scores[i * 2 + c])).toBeCloseTo(Math.abs(ref.pca_scores_first5[i][c]), 8);
  });
  it('isolation forest ranks like sklearn (Spearman ≥ 0.9) and flags the planted outliers', () => {
    const s = isolationScores(fitIsolationForest(P, { nTrees: 200, seed: 3 }), P);
    const ra = rankData(Array.from(s)).ranks;
    const rb = rankData(ref.iforest_score_samples).ranks;
    let num = 0;
    let da = 0;
    let db = 0;
    const m = (P.n + 1) / 2;
    for (let i = 0; i < P.n; i++) {
      num += (ra[i] - m) * (rb[i] - m);
      da += (ra[i] - m) ** 2;
      db += (rb[i] - m) ** 2;
    }
    expect(num / Math.sqrt(da * db)).toBeGreaterThanOrEqual(0.9);
    const top = topAnomalies(P, s, ['a', 'b', 'c'], 10);
    expect(top.filter((t) => t.row >= 240).length).toBeGreaterThanOrEqual(7);
    expect(top[0].why.length).toBe(3);
  });
  it('robust z and Mahalanobis by hand', () => {
    // median 3, |x − 3| = 2,1,0,1,97 → MAD 1; z = 0.6745·(x − 3)
    const z = robustZ([1, 2, 3, 4, 100]);
    expect(z[4]).toBeCloseTo(0.6745 * 97, 12);
    // 1-D Mahalanobis = |x − mean| / sd
    const d = mahalanobis(pointsFromRows([[1], [2], [3], [4], [5]]));
    expect(d[0]).toBeCloseTo(2 / Math.sqrt(2.5), 12);
  });
  it('cluster profile finds the distinguishing feature', () => {
    const prof = clusterProfiles(
      pointsFromRows([
        [0, 5],
        [0, 5.1],
        [10, 5],
        [10, 4.9],
      ]),
      [0, 0, 1, 1],
      ['age', 'bmi'],
    );
    expect(prof[0].distinguishing[0].feature).toBe('age');
    expect(prof[0].size).toBe(2);
  });
});
