/**
 * Limited-memory BFGS (Nocedal 1980; Liu & Nocedal 1989) with the orthant-wise extension OWL-QN
 * for an added L1 term (Andrew & Gao 2007, "Scalable training of L1-regularized log-linear models").
 * Minimises f(w) + Σ l1[i]·|w[i]| for smooth convex f. Pure typed-array code.
 */
import { createError } from '../core/index.js';

/** Smooth part of the objective: writes ∇f(w) into `grad` and returns f(w). */
export type Objective = (w: Float64Array, grad: Float64Array) => number;

export interface LbfgsOptions {
  readonly maxIter: number;
  /** Stop when max |(pseudo-)gradient| ≤ tol. */
  readonly tol: number;
  /** History size. */
  readonly memory?: number;
  /** Per-coordinate L1 weights (OWL-QN); omitted or all zero ⇒ plain L-BFGS. */
  readonly l1?: Float64Array;
  readonly signal?: AbortSignal;
  /** Called after each iteration with the objective value. */
  readonly onIteration?: (iteration: number, value: number) => void;
  /** Name used in the cancellation error. */
  readonly owner?: string;
}

export interface LbfgsResult {
  readonly w: Float64Array;
  readonly value: number;
  readonly iterations: number;
  /** Objective evaluations (iterations plus line-search trials). */
  readonly evaluations: number;
  readonly converged: boolean;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/**
 * Minimises `f(w) + Σ l1|w|` from `w0`. With a `signal`, it yields to the event loop after every
 * iteration so that an abort (from a timer, a request handler, …) lands promptly.
 */
export async function minimizeLbfgs(
  f: Objective,
  w0: Float64Array,
  opts: LbfgsOptions,
): Promise<LbfgsResult> {
  const n = w0.length;
  const m = opts.memory ?? 10;
  const l1 = opts.l1?.some((v) => v > 0) ? opts.l1 : null;
  const w = Float64Array.from(w0);
  const g = new Float64Array(n);
  const pg = new Float64Array(n);
  const d = new Float64Array(n);
  const wNew = new Float64Array(n);
  const gNew = new Float64Array(n);
  const pgNew = new Float64Array(n);
  const S: Float64Array[] = [];
  const Y: Float64Array[] = [];
  const rho: number[] = [];
  const alpha = new Float64Array(m);
  const l1Value = (x: Float64Array): number => {
    if (!l1) return 0;
    let s = 0;
    for (let i = 0; i < n; i++) s += l1[i] * Math.abs(x[i]);
    return s;
  };
  const pseudo = (x: Float64Array, grad: Float64Array, out: Float64Array): void => {
    if (!l1) {
      out.set(grad);
      return;
    }
    for (let i = 0; i < n; i++) {
      const lam = l1[i];
      if (x[i] > 0) out[i] = grad[i] + lam;
      else if (x[i] < 0) out[i] = grad[i] - lam;
      else if (grad[i] + lam < 0) out[i] = grad[i] + lam;
      else if (grad[i] - lam > 0) out[i] = grad[i] - lam;
      else out[i] = 0;
    }
  };
  const maxAbs = (x: Float64Array): number => {
    let s = 0;
    for (let i = 0; i < n; i++) s = Math.max(s, Math.abs(x[i]));
    return s;
  };

  let evaluations = 1;
  let value = f(w, g) + l1Value(w);
  pseudo(w, g, pg);
  let iter = 0;
  let converged = maxAbs(pg) <= opts.tol;
  while (!converged && iter < opts.maxIter) {
    if (opts.signal) await new Promise<void>((resolve) => setImmediate(resolve));
    if (opts.signal?.aborted) throw createError('AEGLE_CORE_ABORTED', { what: opts.owner ?? 'Fitting' });
    // two-loop recursion: d = −H·pg
    for (let i = 0; i < n; i++) d[i] = -pg[i];
    const k = S.length;
    for (let j = k - 1; j >= 0; j--) {
      alpha[j] = rho[j] * dot(S[j], d);
      const y = Y[j];
      for (let i = 0; i < n; i++) d[i] -= alpha[j] * y[i];
    }
    if (k > 0) {
      const gamma = dot(S[k - 1], Y[k - 1]) / dot(Y[k - 1], Y[k - 1]);
      for (let i = 0; i < n; i++) d[i] *= gamma;
    }
    for (let j = 0; j < k; j++) {
      const beta = rho[j] * dot(Y[j], d);
      const s = S[j];
      for (let i = 0; i < n; i++) d[i] += (alpha[j] - beta) * s[i];
    }
    if (l1) for (let i = 0; i < n; i++) if (d[i] * pg[i] >= 0) d[i] = 0;
    let dirDeriv = dot(d, pg);
    if (!(dirDeriv < 0)) {
      // not a descent direction (stale curvature): restart from steepest descent
      S.length = 0;
      Y.length = 0;
      rho.length = 0;
      for (let i = 0; i < n; i++) d[i] = -pg[i];
      dirDeriv = dot(d, pg);
      if (!(dirDeriv < 0)) break;
    }
    let step = k === 0 ? Math.min(1, 1 / Math.sqrt(dot(pg, pg))) : 1;
    let newValue = Number.POSITIVE_INFINITY;
    let accepted = false;
    for (let ls = 0; ls < 60; ls++) {
      for (let i = 0; i < n; i++) {
        let x = w[i] + step * d[i];
        if (l1) {
          const orthant = w[i] !== 0 ? Math.sign(w[i]) : -Math.sign(pg[i]);
          if (x * orthant <= 0) x = 0;
        }
        wNew[i] = x;
      }
      newValue = f(wNew, gNew) + l1Value(wNew);
      evaluations++;
      let decrease = 0;
      for (let i = 0; i < n; i++) decrease += pg[i] * (wNew[i] - w[i]);
      if (newValue <= value + 1e-4 * decrease) {
        accepted = true;
        break;
      }
      // Near the optimum f changes by less than its rounding error and Armijo cannot be checked:
      // accept a step that does not raise f beyond rounding and shrinks the gradient.
      if (newValue - value <= 1e-13 * Math.abs(value)) {
        pseudo(wNew, gNew, pgNew);
        if (maxAbs(pgNew) < maxAbs(pg)) {
          accepted = true;
          break;
        }
      }
      step *= 0.5;
    }
    if (!accepted) break;
    const s = new Float64Array(n);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      s[i] = wNew[i] - w[i];
      y[i] = gNew[i] - g[i];
    }
    const sy = dot(s, y);
    if (sy > 1e-16 * dot(y, y)) {
      if (S.length === m) {
        S.shift();
        Y.shift();
        rho.shift();
      }
      S.push(s);
      Y.push(y);
      rho.push(1 / sy);
    }
    const prev = value;
    w.set(wNew);
    g.set(gNew);
    value = newValue;
    pseudo(w, g, pg);
    iter++;
    opts.onIteration?.(iter, value);
    converged = maxAbs(pg) <= opts.tol;
    if (!converged && Math.abs(prev - value) <= 1e-16 * Math.max(1, Math.abs(value))) {
      // no further progress is representable
      converged = maxAbs(pg) <= Math.max(opts.tol, 1e-6);
      break;
    }
  }
  return { w, value, iterations: iter, evaluations, converged };
}
