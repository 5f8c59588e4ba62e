/**
 * Cleaning a stored dataset version: read it, apply a declarative cleaning spec (`applyCleaning`), and
 * save the result as a new version whose metadata keeps the spec, the fitted pipeline and the report.
 * Shared by `aegle clean` and `POST /api/v1/datasets/{name}/clean` (docs/CLEANING.md).
 */
import { sha256Hex } from '../core/index.js';
import { readFrame, saveFrameAsVersion } from '../dataset/index.js';
import { validateDatasetName } from '../ingest/index.js';
import { type DuckStore, getVersion, parseDatasetRef } from '../store/index.js';
import { applyCleaning, type CleaningReport } from './cleaning.js';

export interface CleanOutcome {
  readonly dataset: string;
  readonly version: string;
  readonly parent: string;
  readonly rowsIn: number;
  readonly rowsOut: number;
  readonly unchanged: boolean;
  readonly report: CleaningReport;
}

/**
 * Cleans dataset `ref` (NAME or NAME@VERSION) with `specText` (YAML or JSON) into dataset `out`. The
 * new version's content hash covers the parent's hash and the spec, so cleaning the same data the same
 * way twice is a no-op (`unchanged: true`).
 */
export async function cleanDataset(
  db: DuckStore,
  ref: string,
  specText: string,
  out: string,
): Promise<CleanOutcome> {
  validateDatasetName(out);
  const { name, version } = parseDatasetRef(ref);
  const parent = await getVersion(db, name, version);
  const frame = await readFrame(db, parent);
  const { frame: cleaned, fitted, report } = applyCleaning(frame, specText);
  const res = await saveFrameAsVersion(db, cleaned, {
    name: out,
    hashInput: `clean\n${parent.contentHash}\n${sha256Hex(specText)}`,
    source: `clean:${parent.name}@${parent.version}`,
    parent,
    roles: Object.fromEntries(
      Object.entries(parent.roles).filter(([c]) => cleaned.columns.some((k) => k.name === c)),
    ),
    meta: { spec: specText, pipeline: fitted.toJSON(), report },
  });
  return {
    dataset: res.dataset.name,
    version: res.dataset.version,
    parent: `${parent.name}@${parent.version}`,
    rowsIn: report.rowsIn,
    rowsOut: report.rowsOut,
    unchanged: res.unchanged,
    report,
  };
}
