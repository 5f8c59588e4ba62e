/**
 * Test helpers: every metadata backend the integration tests should run on. SQLite always (a temp
 * file); PostgreSQL when `AEGLE_TEST_DATABASE_URL` is set, in a fresh schema per run that is dropped
 * afterwards. When it is unset the PostgreSQL cases are skipped with a visible notice.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { testServices } from '../../config/index.js';
import { dropPostgresSchema, MetaStore } from './meta-store.js';

export interface MetaBackend {
  readonly name: 'sqlite' | 'postgres';
  /** Why this backend is skipped, or null when available. */
  readonly skip: string | null;
  open(): Promise<{ store: MetaStore; home: string; dispose(): Promise<void> }>;
}

export function metaBackends(): MetaBackend[] {
  const { databaseUrl } = testServices();
  const sqlite: MetaBackend = {
    name: 'sqlite',
    skip: null,
    async open() {
      const home = mkdtempSync(path.join(os.tmpdir(), 'aegle-meta-'));
      const store = await MetaStore.create({ home });
      return {
        store,
        home,
        async dispose() {
          await store.close();
          rmSync(home, { recursive: true, force: true });
        },
      };
    },
  };
  const postgres: MetaBackend = {
    name: 'postgres',
    skip: databaseUrl ? null : 'AEGLE_TEST_DATABASE_URL is not set: PostgreSQL integration tests skipped',
    async open() {
      const home = mkdtempSync(path.join(os.tmpdir(), 'aegle-meta-pg-'));
      const schema = `aegle_test_${process.pid}_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6)}`;
      const store = await MetaStore.create({ databaseUrl, schema });
      return {
        store,
        home,
        async dispose() {
          await store.close();
          await dropPostgresSchema(databaseUrl as string, schema);
          rmSync(home, { recursive: true, force: true });
        },
      };
    },
  };
  if (postgres.skip) process.stderr.write(`NOTICE: ${postgres.skip}\n`);
  return [sqlite, postgres];
}
