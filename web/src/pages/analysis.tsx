/**
 * Analysis: Table 1, Kaplan–Meier curves, clusters, association rules, time series and maps, each shown
 * when this server publishes its route (the analytics layer's specs render here as in the CLI).
 */
import { has, useSession } from '../session';
import { NotAvailable } from '../ui';

const ANALYSES = [
  { what: 'Table 1', route: '/api/v1/analysis/table1' },
  { what: 'Kaplan–Meier curves with numbers at risk', route: '/api/v1/analysis/survival' },
  { what: 'Clusters on a PCA scatter', route: '/api/v1/analysis/clusters' },
  { what: 'Association rules', route: '/api/v1/analysis/rules' },
  { what: 'Time series', route: '/api/v1/analysis/timeseries' },
  { what: 'Maps', route: '/api/v1/analysis/map' },
];

export default function Analysis() {
  const s = useSession();
  const present = ANALYSES.filter((a) => has(s, 'POST', a.route) || has(s, 'GET', a.route));
  return (
    <>
      <h1>Analysis</h1>
      {present.length === 0 ? (
        <>
          <NotAvailable what="Analysis" route="/api/v1/analysis/*" />
          <p>
            The analyses run from the command line meanwhile: <code>aegle analyze --help</code> (Table 1,
            survival, clusters, rules, time series, maps).
          </p>
        </>
      ) : (
        ANALYSES.map((a) =>
          has(s, 'POST', a.route) || has(s, 'GET', a.route) ? (
            <p key={a.route}>
              {a.what}: available at <code>{a.route}</code>.
            </p>
          ) : null,
        )
      )}
    </>
  );
}
