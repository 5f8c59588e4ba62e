/**
 * Migrations of the metadata database. The same list runs on SQLite and PostgreSQL; where the two
 * differ (auto-increment ids, append-only triggers) the migration asks which dialect it is on.
 * Migrations are append-only: never edit one that has shipped, add the next.
 */
import { type Kysely, type Migration, type MigrationProvider, sql } from 'kysely';

export type MetaDialect = 'sqlite' | 'postgres';

function autoId(dialect: MetaDialect) {
  return dialect === 'postgres' ? ('bigserial' as const) : ('integer' as const);
}

function initial(dialect: MetaDialect): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('api_keys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('hash', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('label', 'text', (c) => c.notNull())
        .addColumn('rate_limit', 'integer')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text')
        .addColumn('revoked_at', 'text')
        .execute();
      await db.schema
        .createTable('models')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('owner', 'text')
        .addColumn('intended_use', 'text')
        .addColumn('description', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('archived_at', 'text')
        .execute();
      await db.schema
        .createTable('model_versions')
        .addColumn('model_name', 'text', (c) => c.notNull().references('models.name'))
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('artifact_path', 'text', (c) => c.notNull())
        .addColumn('artifact_hash', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('task', 'text', (c) => c.notNull())
        .addColumn('metrics_json', 'text', (c) => c.notNull())
        .addColumn('lineage_json', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text')
        .addColumn('job_id', 'text')
        .addColumn('archived_at', 'text')
        .addPrimaryKeyConstraint('model_versions_pk', ['model_name', 'version'])
        .execute();
      await db.schema
        .createTable('aliases')
        .addColumn('model_name', 'text', (c) => c.notNull().references('models.name'))
        .addColumn('alias', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('updated_by', 'text')
        .addPrimaryKeyConstraint('aliases_pk', ['model_name', 'alias'])
        .execute();
      await db.schema
        .createTable('jobs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('params_json', 'text', (c) => c.notNull())
        .addColumn('result_json', 'text')
        .addColumn('error', 'text')
        .addColumn('progress_json', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('started_at', 'text')
        .addColumn('finished_at', 'text')
        .addColumn('created_by', 'text')
        .addColumn('worker', 'text')
        .addColumn('heartbeat_at', 'text')
        .addColumn('cancel_requested', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema.createIndex('jobs_status').on('jobs').columns(['status', 'created_at']).execute();
      await db.schema
        .createTable('job_logs')
        .addColumn('id', autoId(dialect), (c) =>
          dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
        )
        .addColumn('job_id', 'text', (c) => c.notNull())
        .addColumn('ts', 'text', (c) => c.notNull())
        .addColumn('level', 'text', (c) => c.notNull())
        .addColumn('message', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('job_logs_job').on('job_logs').columns(['job_id', 'id']).execute();
      await db.schema
        .createTable('audit_log')
        .addColumn('seq', 'bigint', (c) => c.primaryKey())
        .addColumn('ts', 'text', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('resource', 'text', (c) => c.notNull())
        .addColumn('model_version', 'text')
        .addColumn('input_hash', 'text')
        .addColumn('output_summary', 'text')
        .addColumn('prev_hash', 'text', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('prediction_log')
        .addColumn('id', autoId(dialect), (c) =>
          dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
        )
        .addColumn('ts', 'text', (c) => c.notNull())
        .addColumn('model_name', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('request_id', 'text', (c) => c.notNull())
        .addColumn('features_json', 'text', (c) => c.notNull())
        .addColumn('probability', 'double precision')
        .addColumn('label', 'text')
        .execute();
      await db.schema
        .createIndex('prediction_log_model')
        .on('prediction_log')
        .columns(['model_name', 'version', 'id'])
        .execute();

      // The audit log is append-only at the database too: UPDATE and DELETE are refused. (Someone
      // with schema rights can drop the trigger; the hash chain is what detects that.)
      if (dialect === 'sqlite') {
        await sql`CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END`.execute(
          db,
        );
        await sql`CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END`.execute(
          db,
        );
      } else {
        await sql`CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$`.execute(
          db,
        );
        await sql`CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()`.execute(
          db,
        );
      }
    },
    async down(db: Kysely<any>) {
      for (const t of [
        'prediction_log',
        'audit_log',
        'job_logs',
        'jobs',
        'aliases',
        'model_versions',
        'models',
        'api_keys',
      ]) {
        await db.schema.dropTable(t).ifExists().execute();
      }
      if (dialect === 'postgres') await sql`DROP FUNCTION IF EXISTS audit_log_append_only()`.execute(db);
    },
  };
}

/**
 * A request of many rows is logged as one record: `n_rows` rows, their features, probabilities and
 * labels column by column in `payload` (see src/monitor `encodeLoggedColumns`), `features_json` empty.
 * Single-row records stay as they were (`n_rows` 1, features in `features_json`).
 */
function columnarPredictionLog(dialect: MetaDialect): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .alterTable('prediction_log')
        .addColumn('n_rows', 'integer', (c) => c.notNull().defaultTo(1))
        .execute();
      await db.schema
        .alterTable('prediction_log')
        .addColumn('payload', dialect === 'postgres' ? 'bytea' : 'blob')
        .execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.alterTable('prediction_log').dropColumn('payload').execute();
      await db.schema.alterTable('prediction_log').dropColumn('n_rows').execute();
    },
  };
}

/** Every migration, by name (names sort in apply order). */
export function migrationProvider(dialect: MetaDialect): MigrationProvider {
  return {
    async getMigrations() {
      return {
        '0001_initial': initial(dialect),
        '0002_columnar_prediction_log': columnarPredictionLog(dialect),
      };
    },
  };
}
