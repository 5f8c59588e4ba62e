/** Renders a Vega-Lite spec as SVG with Vega (the same specs the CLI renders to files). */
import { useEffect, useRef, useState } from 'react';
import { parse, View } from 'vega';
import { compile } from 'vega-lite';
import type { ChartProps } from './chart';

export default function ChartImpl({ spec, label }: ChartProps) {
  const ref = useRef<HTMLDivElement>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    let view: View | null = null;
    let cancelled = false;
    try {
      const { $schema: _s, ...rest } = spec as Record<string, unknown>;
      const vg = compile({
        ...rest,
        config: { ...((rest.config as object) ?? {}), font: 'system-ui, sans-serif', background: null },
      } as never).spec;
      view = new View(parse(vg), { renderer: 'svg', container: el, hover: true });
      view.runAsync().then(
        () => {
          if (cancelled) return;
          const svg = el.querySelector('svg');
          if (svg) {
            svg.setAttribute('role', 'img');
            svg.setAttribute('aria-label', label);
          }
        },
        (e: Error) => !cancelled && setError(e.message),
      );
    } catch (e) {
      setError((e as Error).message);
    }
    return () => {
      cancelled = true;
      view?.finalize();
      el.replaceChildren();
    };
  }, [spec, label]);
  return (
    <>
      <div ref={ref} className="chart-body" />
      {error ? (
        <p className="problem" role="alert">
          The chart could not be drawn: {error}
        </p>
      ) : null}
    </>
  );
}
