/**
 * A Vega-Lite chart, loaded lazily: Vega + Vega-Lite are most of the bundle's weight, so they sit in a
 * chunk of their own that only pages with charts fetch (see scripts/check-bundle-size.mjs).
 */
import { lazy, Suspense } from 'react';
import type { VegaLiteSpec } from './charts';

const ChartImpl = lazy(() => import('./chart-impl'));

export interface ChartProps {
  readonly spec: VegaLiteSpec;
  /** What the chart shows, for screen readers and as the caption. */
  readonly label: string;
}

export function Chart(props: ChartProps) {
  return (
    <figure className="chart">
      <Suspense
        fallback={
          <div className="muted" role="status">
            Loading chart…
          </div>
        }
      >
        <ChartImpl {...props} />
      </Suspense>
      <figcaption className="muted small">{props.label}</figcaption>
    </figure>
  );
}
