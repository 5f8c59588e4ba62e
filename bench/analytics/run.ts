/**
 * Analytics benchmarks, each beside its peer in the same run (see docs/BENCHMARKS.md, "Analytics"):
 *   1. k-means, k = 8, on 1,000,000 × 10 (8 Gaussian blobs) vs scikit-learn KMeans(algorithm="lloyd"),
 *      both from the same k-means++ centres (ours), same max_iter and tol; fit time only.
 *   2. Cox PH (Efron) on 100,000 × 10 vs R survival::coxph; fit time only (data read before timing).
 *   3. FP-Growth on 100,000 transactions (Zipf-distributed codes from 300 items, ~6 per transaction,
 *      min support 0.5%): throughput, and the itemset count checked against a counting Apriori of ours
 *      up to size 2 (no mlxtend here).
 * Run: npx tsx bench/analytics/run.ts [--quick]
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { kmeansPlusPlus, lloyd } from '../../src/analysis/cluster/kmeans.js';
import { fpGrowth } from '../../src/analysis/rules/fpgrowth.js';
import { coxPh } from '../../src/analysis/survival/cox.js';
import { Rng } from '../../src/core/index.js';

const quick = process.argv.includes('--quick');
const out = join(process.cwd(), '.bench-out', 'analytics');
mkdirSync(out, { recursive: true });
const fmt = (s: number) => `${s.toFixed(2)} s`;
const rows: string[][] = [];

function time<T>(f: () => T): [T, number] {
  const t0 = performance.now();
  const r = f();
  return [r, (performance.now() - t0) / 1000];
}

// ---------------------------------------------------------------- k-means
{
  const n = quick ? 100_000 : 1_000_000;
  const dim = 10;
  const k = 8;
  const rng = new Rng(1);
  const centres = Array.from({ length: k }, () => Array.from({ length: dim }, () => rng.normal(0, 5)));
  const data = new Float64Array(n * dim);
  for (let i = 0; i < n; i++) {
    const c = centres[rng.int(k)];
    for (let j = 0; j < dim; j++) data[i * dim + j] = c[j] + rng.normal(0, 4);
  }
  const pts = { data, n, dim };
  const init = kmeansPlusPlus(pts, k, new Rng(2));
  writeFileSync(join(out, 'km_x.f64'), Buffer.from(data.buffer));
  writeFileSync(join(out, 'km_init.f64'), Buffer.from(init.buffer));
  const [res, secs] = time(() => lloyd(pts, init, k, 100, 1e-4));
  const py = `
import numpy as np, time, json
from sklearn.cluster import KMeans
X = np.fromfile('${out}/km_x.f64').reshape(-1, ${dim}); C = np.fromfile('${out}/km_init.f64').reshape(${k}, ${dim})
best = None
for _ in range(2):
    t = time.perf_counter(); m = KMeans(n_clusters=${k}, init=C, n_init=1, algorithm='lloyd', max_iter=100, tol=1e-4).fit(X); s = time.perf_counter() - t
    best = s if best is None else min(best, s)
print(json.dumps({'s': best, 'inertia': m.inertia_, 'iter': int(m.n_iter_)}))`;
  const peer = JSON.parse(execFileSync('/usr/bin/python3', ['-c', py], { encoding: 'utf8' }).trim());
  const rel = Math.abs(res.inertia - peer.inertia) / peer.inertia;
  rows.push([
    `k-means k=8, ${n.toLocaleString()} × 10`,
    fmt(secs),
    `${fmt(peer.s)} (sklearn, 2 threads)`,
    `${(peer.s / secs).toFixed(2)}×`,
    `iters ${res.iterations}/${peer.iter}; inertia rel. diff ${rel.toExponential(1)}`,
  ]);
}

// ---------------------------------------------------------------- Cox
{
  const n = quick ? 20_000 : 100_000;
  const p = 10;
  const rng = new Rng(3);
  const beta = Array.from({ length: p }, (_, j) => (j % 2 ? 0.3 : -0.2) / (1 + j / 5));
  const x = new Float64Array(n * p);
  const t = new Float64Array(n);
  const e = new Float64Array(n);
  const lines = [`${Array.from({ length: p }, (_, j) => `x${j}`).join(',')},time,status`];
  for (let i = 0; i < n; i++) {
    let eta = 0;
    const row: number[] = [];
    for (let j = 0; j < p; j++) {
      const v = Math.round((j < 3 ? rng.normal() : rng.uniform() * 2) * 1000) / 1000;
      x[j * n + i] = v;
      row.push(v);
      eta += beta[j] * v;
    }
    const ev = -Math.log(1 - rng.uniform()) / (0.01 * Math.exp(eta));
    const cens = rng.uniform() * 150;
    t[i] = Math.max(1, Math.ceil(Math.min(ev, cens))); // whole days: many ties
    e[i] = ev <= cens ? 1 : 0;
    lines.push(`${row.join(',')},${t[i]},${e[i]}`);
  }
  writeFileSync(join(out, 'cox.csv'), `${lines.join('\n')}\n`);
  const [fit, secs] = time(() => coxPh(x, n, p, t, e));
  const r = `suppressPackageStartupMessages(library(survival)); d <- read.csv('${out}/cox.csv')
best <- Inf; for (i in 1:2) { s <- system.time(f <- coxph(Surv(time, status) ~ ., data = d))[["elapsed"]]; best <- min(best, s) }
cat(best, max(abs(coef(f))), coef(f)[1], "\\n")`;
  const [rs, , rc1] = execFileSync('Rscript', ['-e', r], { encoding: 'utf8' })
    .trim()
    .split(/\s+/)
    .map(Number);
  const diff = Math.abs(fit.coefficients[0].coef - rc1);
  rows.push([
    `Cox (Efron) ${n.toLocaleString()} × 10`,
    fmt(secs),
    `${fmt(rs)} (R coxph)`,
    `${(rs / secs).toFixed(2)}×`,
    `${fit.events} events, ${fit.iterations} iters; |Δβ₁| ${diff.toExponential(1)} (incl. concordance)`,
  ]);
}

// ---------------------------------------------------------------- FP-Growth
{
  const n = quick ? 20_000 : 100_000;
  const rng = new Rng(5);
  const nItems = 300;
  const w = Array.from({ length: nItems }, (_, i) => 1 / (i + 1) ** 0.9);
  const tx: string[][] = [];
  for (let i = 0; i < n; i++) {
    const len = 2 + rng.int(9);
    const s = new Set<string>();
    for (let k = 0; k < len; k++) s.add(`I${rng.choiceIndex(w)}`);
    tx.push([...s]);
  }
  const [sets, secs] = time(() => fpGrowth(tx, { minSupport: 0.005 }));
  // independent check of singles and pairs by direct counting
  const min = Math.ceil(0.005 * n);
  const single = new Map<string, number>();
  const pair = new Map<string, number>();
  for (const t of tx) {
    const s = [...t].sort();
    for (let a = 0; a < s.length; a++) {
      single.set(s[a], (single.get(s[a]) ?? 0) + 1);
      for (let b = a + 1; b < s.length; b++)
        pair.set(`${s[a]},${s[b]}`, (pair.get(`${s[a]},${s[b]}`) ?? 0) + 1);
    }
  }
  const expect12 = [...single.values(), ...pair.values()].filter((c) => c >= min).length;
  const got12 = sets.filter((s) => s.items.length <= 2).length;
  rows.push([
    `FP-Growth ${n.toLocaleString()} transactions`,
    fmt(secs),
    '(no mlxtend here)',
    '',
    `${sets.length} itemsets, ${(n / secs / 1000).toFixed(0)}k tx/s; sizes ≤ 2 match direct count: ${got12 === expect12}`,
  ]);
}

console.log(`\n| benchmark | Aegle | peer | speed-up | notes |\n|---|---|---|---|---|`);
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
