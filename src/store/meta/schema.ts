/**
 * The metadata database's tables, as Kysely types. Timestamps are ISO-8601 strings (UTC) and JSON
 * columns are text, so SQLite and PostgreSQL store and return the same values.
 */
import type { Generated } from 'kysely';

export type Role = 'admin' | 'scientist' | 'clinician' | 'auditor' | 'service';
export const ROLES: readonly Role[] = ['admin', 'scientist', 'clinician', 'auditor', 'service'];

export interface ApiKeyTable {
  /** Public key id (the prefix of the key string): how a key is looked up. */
  id: string;
  /** argon2id hash of the whole key string. */
  hash: string;
  role: Role;
  label: string;
  /** Requests per minute; null = the service default. */
  rate_limit: number | null;
  created_at: string;
  created_by: string | null;
  revoked_at: string | null;
}

export interface ModelTable {
  name: string;
  owner: string | null;
  intended_use: string | null;
  description: string | null;
  created_at: string;
  archived_at: string | null;
}

export interface ModelVersionTable {
  model_name: string;
  version: number;
  /** Directory of the artifact (manifest.json + weights.bin), absolute or relative to the home. */
  artifact_path: string;
  /** SHA-256 over the artifact's files (manifest then weights). */
  artifact_hash: string;
  kind: string;
  task: string;
  metrics_json: string;
  lineage_json: string;
  created_at: string;
  created_by: string | null;
  job_id: string | null;
  archived_at: string | null;
}

export interface AliasTable {
  model_name: string;
  alias: string;
  version: number;
  updated_at: string;
  updated_by: string | null;
}

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface JobTable {
  id: string;
  type: string;
  status: JobStatus;
  params_json: string;
  result_json: string | null;
  error: string | null;
  progress_json: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  created_by: string | null;
  /** The process that ran (or runs) the job. */
  worker: string | null;
  /** Last sign of life from the worker running it; a stale one means the worker died. */
  heartbeat_at: string | null;
  cancel_requested: number;
}

export interface JobLogTable {
  id: Generated<number>;
  job_id: string;
  ts: string;
  level: string;
  message: string;
}

export interface AuditTable {
  seq: number;
  ts: string;
  actor: string;
  role: string;
  action: string;
  resource: string;
  model_version: string | null;
  input_hash: string | null;
  output_summary: string | null;
  prev_hash: string;
  hash: string;
}

export interface PredictionLogTable {
  id: Generated<number>;
  ts: string;
  model_name: string;
  version: number;
  /** The request's id (a grouped record of one-row requests: the first's; all are in its payload). */
  request_id: string;
  /** The row's feature values as a JSON array in the model's feature order (for drift); '' when columnar. */
  features_json: string;
  probability: number | null;
  label: string | null;
  /**
   * Rows in this record: 1, or held column by column in `payload` — a whole request's rows, or the
   * one-row requests of a model version written in the same transaction.
   */
  n_rows: Generated<number>;
  /** The columnar rows (src/monitor `encodeLoggedColumns`); null for a plain one-row record. */
  payload: Uint8Array | null;
}

export interface MetaDatabase {
  api_keys: ApiKeyTable;
  models: ModelTable;
  model_versions: ModelVersionTable;
  aliases: AliasTable;
  jobs: JobTable;
  job_logs: JobLogTable;
  audit_log: AuditTable;
  prediction_log: PredictionLogTable;
}
