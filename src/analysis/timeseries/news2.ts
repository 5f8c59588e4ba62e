/**
 * NEWS2 — National Early Warning Score 2 (Royal College of Physicians, 2017), the chart's bands:
 *
 * | parameter | 3 | 2 | 1 | 0 | 1 | 2 | 3 |
 * |---|---|---|---|---|---|---|---|
 * | respiration rate /min | ≤8 | | 9–11 | 12–20 | | 21–24 | ≥25 |
 * | SpO₂ scale 1 % | ≤91 | 92–93 | 94–95 | ≥96 | | | |
 * | SpO₂ scale 2 % (target 88–92) | ≤83 | 84–85 | 86–87 | 88–92, ≥93 on air | 93–94 on O₂ | 95–96 on O₂ | ≥97 on O₂ |
 * | air or oxygen | | oxygen | | air | | | |
 * | systolic BP mmHg | ≤90 | 91–100 | 101–110 | 111–219 | | | ≥220 |
 * | pulse /min | ≤40 | | 41–50 | 51–90 | 91–110 | 111–130 | ≥131 |
 * | consciousness | | | | alert | | | new confusion, V, P or U |
 * | temperature °C | ≤35.0 | | 35.1–36.0 | 36.1–38.0 | 38.1–39.0 | ≥39.1 | |
 *
 * Clinical risk: 0–4 low (but a single parameter scoring 3 is "low–medium": urgent ward review),
 * 5–6 medium, ≥7 high. Values between the chart's integer bands are placed by the upper bound
 * (e.g. 20.5 breaths/min scores as 21–24).
 */

export interface Vitals {
  readonly respRate: number;
  readonly spo2: number;
  /** Supplemental oxygen (default false = air). */
  readonly onOxygen?: boolean;
  /** Use SpO₂ scale 2 (hypercapnic respiratory failure, target 88–92%). */
  readonly hypercapnic?: boolean;
  readonly systolic: number;
  readonly pulse: number;
  /** 'A' alert, or 'C' (new confusion), 'V', 'P', 'U' (default 'A'). */
  readonly consciousness?: 'A' | 'C' | 'V' | 'P' | 'U';
  readonly temperature: number;
}

export interface News2Score {
  readonly total: number;
  readonly components: {
    readonly respRate: number;
    readonly spo2: number;
    readonly oxygen: number;
    readonly systolic: number;
    readonly pulse: number;
    readonly consciousness: number;
    readonly temperature: number;
  };
  readonly risk: 'low' | 'low-medium' | 'medium' | 'high';
  /** True when a parameter is missing (NaN): the total is then a lower bound. */
  readonly incomplete: boolean;
}

const band = (v: number, edges: readonly [number, number][], last: number) => {
  if (Number.isNaN(v)) return 0;
  for (const [upper, score] of edges) if (v <= upper) return score;
  return last;
};

export function scoreRespRate(v: number): number {
  return band(
    v,
    [
      [8, 3],
      [11, 1],
      [20, 0],
      [24, 2],
    ],
    3,
  );
}
export function scoreSpo2(v: number, onOxygen = false, scale2 = false): number {
  if (!scale2)
    return band(
      v,
      [
        [91, 3],
        [93, 2],
        [95, 1],
      ],
      0,
    );
  if (Number.isNaN(v)) return 0;
  if (v <= 83) return 3;
  if (v <= 85) return 2;
  if (v <= 87) return 1;
  if (v <= 92 || !onOxygen) return 0;
  if (v <= 94) return 1;
  if (v <= 96) return 2;
  return 3;
}
export function scoreSystolic(v: number): number {
  return band(
    v,
    [
      [90, 3],
      [100, 2],
      [110, 1],
      [219, 0],
    ],
    3,
  );
}
export function scorePulse(v: number): number {
  return band(
    v,
    [
      [40, 3],
      [50, 1],
      [90, 0],
      [110, 1],
      [130, 2],
    ],
    3,
  );
}
export function scoreTemperature(v: number): number {
  return band(
    v,
    [
      [35.0, 3],
      [36.0, 1],
      [38.0, 0],
      [39.0, 1],
    ],
    2,
  );
}

/** NEWS2 total, components and risk band of one set of observations. */
export function news2(v: Vitals): News2Score {
  const components = {
    respRate: scoreRespRate(v.respRate),
    spo2: scoreSpo2(v.spo2, v.onOxygen, v.hypercapnic),
    oxygen: v.onOxygen ? 2 : 0,
    systolic: scoreSystolic(v.systolic),
    pulse: scorePulse(v.pulse),
    consciousness: (v.consciousness ?? 'A') === 'A' ? 0 : 3,
    temperature: scoreTemperature(v.temperature),
  };
  const total = Object.values(components).reduce((s, x) => s + x, 0);
  const anyThree = Object.values(components).some((x) => x === 3);
  const risk = total >= 7 ? 'high' : total >= 5 ? 'medium' : anyThree ? 'low-medium' : 'low';
  const incomplete = [v.respRate, v.spo2, v.systolic, v.pulse, v.temperature].some((x) => Number.isNaN(x));
  return { total, components, risk, incomplete };
}
