/**
 * The model registry: named models, immutable numbered versions (each a copy of an artifact under
 * `$AEGLE_HOME/artifacts/registry/<name>/<version>/`), aliases such as `champion` and `challenger`
 * that move atomically (one row update in a transaction), lineage and metrics from the manifest,
 * owner and intended use, and archiving. Metadata lives in the metadata database; artifacts on disk
 * (a shared volume in scale-out).
 *
 * Alias resolution is on the prediction hot path, so `resolve` answers from a small in-memory map
 * refreshed at most every `refreshMs` (and at once after a change made through this object): an alias
 * change takes effect for new requests without a restart.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { createError, defineErrors, sha256Hex } from '../core/index.js';
import { type MetaStore, type ModelVersionTable, nowIso } from '../store/index.js';
import { type ArtifactManifest, loadArtifact, writeArtifactFiles } from './artifact.js';
import { artifactKind, loadOnnxArtifact, writeOnnxArtifactFiles } from './onnx-artifact.js';

export const ModelRegistryErrors = defineErrors({
  AEGLE_REGISTRY_MODEL_NOT_FOUND: {
    message: "Model '{name}' not found. Known models: {known}.",
    status: 404,
    fix: 'Register it with `aegle models register ARTIFACT --name NAME`, or pick a listed model.',
  },
  AEGLE_REGISTRY_VERSION_NOT_FOUND: {
    message: "Model '{name}' has no {what}. {hint}",
    status: 404,
    fix: 'List versions and aliases with GET /api/v1/models/{name}/versions.',
  },
  AEGLE_REGISTRY_BAD_NAME: {
    message:
      "'{value}' is not a valid {what}: use letters, digits, '_', '-' or '.', starting with a letter (at most 64).",
    status: 400,
    fix: 'Choose another name.',
  },
  AEGLE_REGISTRY_ARCHIVED: {
    message: "Model '{name}' version {version} is archived.",
    status: 409,
    fix: 'Serve another version, or register the artifact again.',
  },
});

const NAME_RE = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;

export function checkName(value: string, what: string): void {
  if (!NAME_RE.test(value) || /^\d+$/.test(value))
    throw createError('AEGLE_REGISTRY_BAD_NAME', { value, what });
}

export interface ModelInfo {
  readonly name: string;
  readonly owner: string | null;
  readonly intendedUse: string | null;
  readonly description: string | null;
  readonly createdAt: string;
  readonly archivedAt: string | null;
  readonly latestVersion: number | null;
  readonly aliases: Readonly<Record<string, number>>;
}

export interface ModelVersionInfo {
  readonly name: string;
  readonly version: number;
  readonly artifactPath: string;
  readonly artifactHash: string;
  readonly kind: string;
  readonly task: string;
  readonly metrics: Record<string, unknown>;
  readonly lineage: Record<string, unknown>;
  readonly createdAt: string;
  readonly createdBy: string | null;
  readonly jobId: string | null;
  readonly archivedAt: string | null;
  readonly aliases: readonly string[];
}

export interface RegisterOptions {
  /** Artifact directory (manifest.json + weights.bin). */
  readonly artifactDir: string;
  readonly name: string;
  readonly alias?: string | null;
  readonly owner?: string | null;
  readonly intendedUse?: string | null;
  readonly description?: string | null;
  readonly createdBy?: string | null;
  readonly jobId?: string | null;
}

interface ResolvedEntry {
  readonly aliases: Map<string, number>;
  readonly versions: Map<number, { archived: boolean; path: string }>;
  readonly latest: number | null;
  readonly loadedAt: number;
}

export class ModelRegistry {
  private readonly resolved = new Map<string, ResolvedEntry>();
  private readonly refreshing = new Map<string, Promise<ResolvedEntry>>();

  constructor(
    private readonly meta: MetaStore,
    private readonly opts: { artifactsDir: string; refreshMs?: number },
  ) {}

  /** Where version `version` of `name` is stored. */
  versionDir(name: string, version: number): string {
    return path.join(this.opts.artifactsDir, 'registry', name, String(version));
  }

  /**
   * Registers an artifact as the next version of `name` (creating the model on first use): the
   * artifact is loaded (so a damaged one is refused), copied atomically into the registry, and
   * recorded; `alias` then points at it.
   */
  async register(o: RegisterOptions): Promise<ModelVersionInfo> {
    checkName(o.name, 'model name');
    if (o.alias) checkName(o.alias, 'alias');
    // an ONNX artifact (kind 'onnx': manifest + model.onnx + descriptor) or a native one (weights.bin)
    let m: { kind: string; task: string; id: string; metrics?: unknown; lineage: object };
    let artifactHash: string;
    let writeFiles: (dir: string) => void;
    if (artifactKind(o.artifactDir) === 'onnx') {
      const onnx = loadOnnxArtifact(o.artifactDir);
      m = onnx.manifest;
      artifactHash = sha256Hex(Buffer.concat([onnx.manifestBytes, onnx.model]));
      writeFiles = (dir) => writeOnnxArtifactFiles(dir, onnx.manifest, onnx.model, onnx.descriptor);
    } else {
      const loaded = loadArtifact(o.artifactDir);
      const manifestBytes = readFileSync(path.join(o.artifactDir, 'manifest.json'));
      const weights = new Uint8Array(readFileSync(path.join(o.artifactDir, loaded.manifest.weights.file)));
      artifactHash = sha256Hex(Buffer.concat([manifestBytes, weights]));
      m = loaded.manifest;
      writeFiles = (dir) => writeArtifactFiles(dir, loaded.manifest, weights);
    }
    const now = nowIso();
    const version = await this.meta.withWriteLock('aegle_registry', async (trx) => {
      const existing = await trx
        .selectFrom('models')
        .select('name')
        .where('name', '=', o.name)
        .executeTakeFirst();
      if (!existing) {
        await trx
          .insertInto('models')
          .values({
            name: o.name,
            owner: o.owner ?? null,
            intended_use: o.intendedUse ?? null,
            description: o.description ?? null,
            created_at: now,
            archived_at: null,
          })
          .execute();
      } else if (o.owner || o.intendedUse || o.description) {
        await trx
          .updateTable('models')
          .set({
            ...(o.owner ? { owner: o.owner } : {}),
            ...(o.intendedUse ? { intended_use: o.intendedUse } : {}),
            ...(o.description ? { description: o.description } : {}),
          })
          .where('name', '=', o.name)
          .execute();
      }
      const last = await trx
        .selectFrom('model_versions')
        .select('version')
        .where('model_name', '=', o.name)
        .orderBy('version', 'desc')
        .limit(1)
        .executeTakeFirst();
      const v = (last?.version ?? 0) + 1;
      const dir = this.versionDir(o.name, v);
      // a directory without a version row is left over from a failed registration: replace it
      if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
      writeFiles(dir);
      await trx
        .insertInto('model_versions')
        .values({
          model_name: o.name,
          version: v,
          artifact_path: dir,
          artifact_hash: artifactHash,
          kind: m.kind,
          task: m.task,
          metrics_json: JSON.stringify(m.metrics ?? {}),
          lineage_json: JSON.stringify({
            ...m.lineage,
            artifactId: m.id,
            sourcePath: path.resolve(o.artifactDir),
          }),
          created_at: now,
          created_by: o.createdBy ?? null,
          job_id: o.jobId ?? null,
          archived_at: null,
        })
        .execute();
      if (o.alias) await upsertAlias(trx, o.name, o.alias, v, o.createdBy ?? null);
      return v;
    });
    this.resolved.delete(o.name);
    return this.getVersion(o.name, version);
  }

  async listModels(opts: { includeArchived?: boolean } = {}): Promise<ModelInfo[]> {
    let q = this.meta.db.selectFrom('models').selectAll().orderBy('name');
    if (!opts.includeArchived) q = q.where('archived_at', 'is', null);
    const models = await q.execute();
    const aliases = await this.meta.db.selectFrom('aliases').selectAll().execute();
    const latest = await this.meta.db
      .selectFrom('model_versions')
      .select(['model_name', (eb) => eb.fn.max('version').as('v')])
      .where('archived_at', 'is', null)
      .groupBy('model_name')
      .execute();
    return models.map((r) => ({
      name: r.name,
      owner: r.owner,
      intendedUse: r.intended_use,
      description: r.description,
      createdAt: r.created_at,
      archivedAt: r.archived_at,
      latestVersion: ((v) => (v === undefined || v === null ? null : Number(v)))(
        latest.find((l) => l.model_name === r.name)?.v,
      ),
      aliases: Object.fromEntries(
        aliases.filter((a) => a.model_name === r.name).map((a) => [a.alias, a.version]),
      ),
    }));
  }

  async getModel(name: string): Promise<ModelInfo> {
    const all = await this.listModels({ includeArchived: true });
    const m = all.find((x) => x.name === name);
    if (!m)
      throw createError('AEGLE_REGISTRY_MODEL_NOT_FOUND', {
        name,
        known: all.map((x) => x.name).join(', ') || '(none)',
      });
    return m;
  }

  async listVersions(name: string): Promise<ModelVersionInfo[]> {
    await this.getModel(name);
    const rows = await this.meta.db
      .selectFrom('model_versions')
      .selectAll()
      .where('model_name', '=', name)
      .orderBy('version', 'desc')
      .execute();
    const aliases = await this.meta.db
      .selectFrom('aliases')
      .selectAll()
      .where('model_name', '=', name)
      .execute();
    return rows.map((r) =>
      toVersionInfo(
        r,
        aliases.filter((a) => a.version === r.version).map((a) => a.alias),
      ),
    );
  }

  async getVersion(name: string, version: number): Promise<ModelVersionInfo> {
    const v = (await this.listVersions(name)).find((x) => x.version === version);
    if (!v)
      throw createError('AEGLE_REGISTRY_VERSION_NOT_FOUND', { name, what: `version ${version}`, hint: '' });
    return v;
  }

  /** Points `alias` at `version` (atomically replacing what it pointed at). */
  async setAlias(name: string, alias: string, version: number, by: string | null): Promise<void> {
    checkName(alias, 'alias');
    if (alias === 'latest')
      throw createError('AEGLE_REGISTRY_BAD_NAME', { value: alias, what: "alias ('latest' is reserved)" });
    const v = await this.getVersion(name, version);
    if (v.archivedAt) throw createError('AEGLE_REGISTRY_ARCHIVED', { name, version });
    await this.meta.db.transaction().execute((trx) => upsertAlias(trx, name, alias, version, by));
    this.resolved.delete(name);
  }

  async deleteAlias(name: string, alias: string): Promise<void> {
    const res = await this.meta.db
      .deleteFrom('aliases')
      .where('model_name', '=', name)
      .where('alias', '=', alias)
      .executeTakeFirst();
    if (Number(res.numDeletedRows) === 0)
      throw createError('AEGLE_REGISTRY_VERSION_NOT_FOUND', { name, what: `alias '${alias}'`, hint: '' });
    this.resolved.delete(name);
  }

  /** Archives one version (its aliases are removed) or, without a version, the whole model. */
  async archive(name: string, version?: number): Promise<void> {
    await this.getModel(name);
    const now = nowIso();
    await this.meta.db.transaction().execute(async (trx) => {
      if (version === undefined) {
        await trx.updateTable('models').set({ archived_at: now }).where('name', '=', name).execute();
        await trx
          .updateTable('model_versions')
          .set({ archived_at: now })
          .where('model_name', '=', name)
          .where('archived_at', 'is', null)
          .execute();
        await trx.deleteFrom('aliases').where('model_name', '=', name).execute();
      } else {
        await this.getVersion(name, version);
        await trx
          .updateTable('model_versions')
          .set({ archived_at: now })
          .where('model_name', '=', name)
          .where('version', '=', version)
          .execute();
        await trx
          .deleteFrom('aliases')
          .where('model_name', '=', name)
          .where('version', '=', version)
          .execute();
      }
    });
    this.resolved.delete(name);
  }

  /**
   * Resolves a reference to a servable version: a version number, an alias, `latest`, or nothing
   * (`champion` if set, else the latest version). Answers from memory when fresh.
   */
  async resolve(
    name: string,
    ref?: string | number | null,
  ): Promise<{ version: number; artifactPath: string }> {
    let e = this.resolved.get(name);
    if (!e || Date.now() - e.loadedAt > (this.opts.refreshMs ?? 1000)) e = await this.refresh(name);
    let version: number | undefined;
    if (ref === undefined || ref === null || ref === '')
      version = e.aliases.get('champion') ?? e.latest ?? undefined;
    else if (typeof ref === 'number' || /^\d+$/.test(ref)) version = Number(ref);
    else if (ref === 'latest') version = e.latest ?? undefined;
    else {
      version = e.aliases.get(ref);
      if (version === undefined) {
        throw createError('AEGLE_REGISTRY_VERSION_NOT_FOUND', {
          name,
          what: `alias '${ref}'`,
          hint: `Aliases: ${[...e.aliases.keys()].join(', ') || '(none)'}.`,
        });
      }
    }
    const info = version === undefined ? undefined : e.versions.get(version);
    if (version === undefined || !info)
      throw createError('AEGLE_REGISTRY_VERSION_NOT_FOUND', {
        name,
        what: version === undefined ? 'servable version' : `version ${version}`,
        hint: '',
      });
    if (info.archived) throw createError('AEGLE_REGISTRY_ARCHIVED', { name, version });
    return { version, artifactPath: info.path };
  }

  /** The manifest of a version (read from its stored artifact). */
  manifest(artifactPath: string): ArtifactManifest {
    return JSON.parse(readFileSync(path.join(artifactPath, 'manifest.json'), 'utf8')) as ArtifactManifest;
  }

  private refresh(name: string): Promise<ResolvedEntry> {
    let p = this.refreshing.get(name);
    if (!p) {
      p = (async () => {
        const versions = await this.meta.db
          .selectFrom('model_versions')
          .select(['version', 'archived_at', 'artifact_path'])
          .where('model_name', '=', name)
          .execute();
        if (!versions.length) {
          const known = (await this.meta.db.selectFrom('models').select('name').execute()).map((r) => r.name);
          throw createError('AEGLE_REGISTRY_MODEL_NOT_FOUND', { name, known: known.join(', ') || '(none)' });
        }
        const aliases = await this.meta.db
          .selectFrom('aliases')
          .select(['alias', 'version'])
          .where('model_name', '=', name)
          .execute();
        const live = versions.filter((v) => !v.archived_at).map((v) => v.version);
        const e: ResolvedEntry = {
          aliases: new Map(aliases.map((a) => [a.alias, a.version])),
          versions: new Map(
            versions.map((v) => [v.version, { archived: v.archived_at !== null, path: v.artifact_path }]),
          ),
          latest: live.length ? Math.max(...live) : null,
          loadedAt: Date.now(),
        };
        this.resolved.set(name, e);
        return e;
      })().finally(() => this.refreshing.delete(name));
      this.refreshing.set(name, p);
    }
    return p;
  }
}

async function upsertAlias(
  trx: MetaStore['db'],
  name: string,
  alias: string,
  version: number,
  by: string | null,
): Promise<void> {
  const now = nowIso();
  const res = await trx
    .updateTable('aliases')
    .set({ version, updated_at: now, updated_by: by })
    .where('model_name', '=', name)
    .where('alias', '=', alias)
    .executeTakeFirst();
  if (Number(res.numUpdatedRows) === 0) {
    await trx
      .insertInto('aliases')
      .values({ model_name: name, alias, version, updated_at: now, updated_by: by })
      .execute();
  }
}

function toVersionInfo(r: ModelVersionTable, aliases: string[]): ModelVersionInfo {
  return {
    name: r.model_name,
    version: r.version,
    artifactPath: r.artifact_path,
    artifactHash: r.artifact_hash,
    kind: r.kind,
    task: r.task,
    metrics: JSON.parse(r.metrics_json),
    lineage: JSON.parse(r.lineage_json),
    createdAt: r.created_at,
    createdBy: r.created_by,
    jobId: r.job_id,
    archivedAt: r.archived_at,
    aliases,
  };
}
