import path from 'node:path';
import { DuckStore } from './duck.js';
import { ensureCatalog, listVersions } from './catalog.js';
import { repairParquetVersions } from './parquet.js';

/** Paths inside an Aegle home directory. */
export function homePaths(home: string) {
  return {
    home,
    datasets: path.join(home, 'datasets.duckdb'),
    meta: path.join(home, 'meta.sqlite'),
    artifacts: path.join(home, 'artifacts'),
  };
}

/** Opens (creating if needed) the dataset store of a home directory, with its catalog. */
export async function openDatasetStore(opts: {
  home: string;
  threads?: number | null;
  memoryLimit?: string | null;
  readOnly?: boolean;
}): Promise<DuckStore> {
  const db = await DuckStore.create({
    path: homePaths(opts.home).datasets,
    threads: opts.threads,
    memoryLimit: opts.memoryLimit,
  });
  await ensureCatalog(db);
  await repairParquetVersions(db, await listVersions(db));
  return db;
}
