import { openDatasetStore, type DuckStore } from '../store/index.js';
import type { CliContext } from './context.js';

/** Opens the home's dataset store for one command and always closes it. */
export async function withStore<T>(ctx: CliContext, fn: (db: DuckStore) => Promise<T>): Promise<T> {
  const db = await openDatasetStore({
    home: ctx.config.home,
    threads: ctx.config.threads,
    memoryLimit: ctx.config.memoryLimit,
  });
  try {
    return await fn(db);
  } finally {
    db.close();
  }
}
