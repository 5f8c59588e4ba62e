/**
 * Harrell's concordance index as R's `concordance()` computes it for a Cox model (`timewt = "n"`):
 * a pair is comparable when the shorter time is an event (a censoring tied with an event counts as
 * the longer time); a comparable pair is concordant when the earlier failure has the higher risk
 * score; pairs tied on the score count ½; pairs tied on time with both events are not comparable.
 * O(n log n) with a Fenwick tree over score ranks.
 */

export interface ConcordanceCounts {
  readonly concordant: number;
  readonly discordant: number;
  readonly tiedRisk: number;
  readonly concordance: number;
}

/** Concordance of a risk score (higher = earlier failure) with right-censored times. */
export function concordanceIndex(
  time: ArrayLike<number>,
  event: ArrayLike<number>,
  risk: ArrayLike<number>,
): ConcordanceCounts {
  const n = time.length;
  const byRisk = Array.from({ length: n }, (_, i) => i).sort((a, b) => risk[a] - risk[b]);
  const rank = new Int32Array(n);
  let r = 0;
  for (let k = 0; k < n; k++) {
    if (k > 0 && risk[byRisk[k]] !== risk[byRisk[k - 1]]) r++;
    rank[byRisk[k]] = r + 1;
  }
  const m = r + 1;
  const tree = new Float64Array(m + 1);
  const add = (i: number) => {
    for (; i <= m; i += i & -i) tree[i]++;
  };
  const prefix = (i: number) => {
    let s = 0;
    for (; i > 0; i -= i & -i) s += tree[i];
    return s;
  };
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => time[b] - time[a]);
  let total = 0;
  let conc = 0;
  let disc = 0;
  let tied = 0;
  for (let p = 0; p < n; ) {
    const t = time[order[p]];
    let q = p;
    while (q < n && time[order[q]] === t) q++;
    // censored at t are "later" than events at t
    for (let k = p; k < q; k++)
      if (!(event[order[k]] > 0)) {
        add(rank[order[k]]);
        total++;
      }
    for (let k = p; k < q; k++) {
      const i = order[k];
      if (!(event[i] > 0)) continue;
      const below = prefix(rank[i] - 1);
      const same = prefix(rank[i]) - below;
      conc += below;
      tied += same;
      disc += total - below - same;
    }
    for (let k = p; k < q; k++)
      if (event[order[k]] > 0) {
        add(rank[order[k]]);
        total++;
      }
    p = q;
  }
  return {
    concordant: conc,
    discordant: disc,
    tiedRisk: tied,
    concordance: (conc + tied / 2) / (conc + disc + tied),
  };
}
