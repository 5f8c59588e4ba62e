/**
 * `aegle serve`, `aegle keys …`, `aegle models …`, `aegle audit …`: thin over serve/, registry/ and
 * monitor/ — the same code the API runs.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { createError } from '../../core/index.js';
import { AuditLog, prunePredictionLog, retentionCutoff, verifyAuditChain } from '../../monitor/index.js';
import { ModelRegistry } from '../../registry/index.js';
import { registerOnnxModel } from '../../runtime/index.js';
import { descriptorPathFor, readDescriptor } from '../../runtime/onnx/index.js';
import { createApiKey, listApiKeys, revokeApiKey, startServer } from '../../serve/index.js';
import { homePaths, MetaStore } from '../../store/index.js';
import { type CliContext, formatTable } from '../context.js';

async function withMeta<T>(
  ctx: CliContext,
  fn: (meta: MetaStore, audit: AuditLog) => Promise<T>,
): Promise<T> {
  const meta = await MetaStore.create({ home: ctx.config.home, databaseUrl: ctx.config.databaseUrl });
  const audit = new AuditLog(meta);
  try {
    return await fn(meta, audit);
  } finally {
    await audit.close().catch(() => {});
    await meta.close();
  }
}

function createErrorThrow(code: string, details: Record<string, unknown>): never {
  throw createError(code, details);
}

export function registerServeCommands(program: Command, getCtx: () => CliContext): void {
  program
    .command('serve')
    .description('Serve the REST API, Open Inference Protocol v2, metrics and health on HOST:PORT')
    .option('--host <host>', 'address to bind (default: $AEGLE_HOST or 127.0.0.1)')
    .option('--port <port>', 'port (default: $AEGLE_PORT or 8080)')
    .action(async (o) => {
      const ctx = getCtx();
      const server = await startServer(ctx.config, {
        host: o.host,
        port: o.port !== undefined ? Number(o.port) : undefined,
        handleSignals: true,
        logger: ctx.logger,
      });
      ctx.err(
        `Aegle serving on ${server.url} (docs at ${server.url}/docs, OpenAPI at ${server.url}/api/v1/openapi.json). Ctrl-C stops it gracefully.`,
      );
      await new Promise(() => {});
    });

  const keys = program
    .command('keys')
    .description('Manage API keys (stored argon2id-hashed; a key is shown once)');
  keys
    .command('create')
    .description('Create an API key')
    .requiredOption('--role <role>', 'admin | scientist | clinician | auditor | service')
    .option('--label <text>', 'what the key is for')
    .option('--rate-limit <n>', 'requests per minute (default: the service default)')
    .option('--json', 'print {"key", "id", "role"} as JSON')
    .action(async (o) => {
      const ctx = getCtx();
      const { key, info } = await withMeta(ctx, async (meta, audit) => {
        const out = await createApiKey(meta, {
          role: o.role,
          label: o.label,
          rateLimit: o.rateLimit !== undefined ? Number(o.rateLimit) : null,
          createdBy: 'cli',
        });
        await audit.appendNow({
          actor: 'cli',
          role: 'admin',
          action: 'key.create',
          resource: `key:${out.info.id}`,
          outputSummary: `role=${out.info.role}`,
        });
        return out;
      });
      if (o.json) ctx.json({ key, id: info.id, role: info.role });
      else {
        ctx.out(`API key (${info.role}, id ${info.id}) — shown once, store it now:`);
        ctx.out(key);
      }
    });
  keys
    .command('list')
    .description('List API keys (ids and roles; never the keys)')
    .option('--json', 'JSON output')
    .action(async (o) => {
      const ctx = getCtx();
      const list = await withMeta(ctx, (meta) => listApiKeys(meta));
      if (o.json) ctx.json(list);
      else
        ctx.out(
          formatTable(
            ['id', 'role', 'label', 'rate limit', 'created', 'revoked'],
            list.map((k) => [k.id, k.role, k.label, k.rateLimit ?? '', k.createdAt, k.revokedAt ?? '']),
          ),
        );
    });
  keys
    .command('revoke')
    .description('Revoke an API key')
    .argument('<id>', 'key id (from keys list)')
    .action(async (id: string) => {
      const ctx = getCtx();
      await withMeta(ctx, async (meta, audit) => {
        await revokeApiKey(meta, id);
        await audit.appendNow({ actor: 'cli', role: 'admin', action: 'key.revoke', resource: `key:${id}` });
      });
      ctx.out(`Revoked ${id}.`);
    });

  const models = program
    .command('models')
    .description('The model registry: register, list, versions, aliases, archive');
  const registry = (meta: MetaStore) =>
    new ModelRegistry(meta, { artifactsDir: homePaths(getCtx().config.home).artifacts });
  models
    .command('register')
    .description('Register a model artifact (or an .onnx file) as the next version of NAME')
    .argument('<artifact>', 'artifact directory (manifest.json + weights.bin), or an ONNX model file')
    .option(
      '--descriptor <file>',
      'ONNX only: descriptor JSON (task, classLabels, preprocessing, batching); default FILE.descriptor.json when present',
    )
    .requiredOption('--name <name>', 'model name')
    .option('--alias <alias>', 'point this alias (e.g. champion) at the new version')
    .option('--owner <owner>', 'owner')
    .option('--intended-use <text>', 'intended use')
    .option('--json', 'print {"name","version","aliases"} as JSON')
    .action(async (artifact: string, o) => {
      const ctx = getCtx();
      const v = await withMeta(ctx, async (meta, audit) => {
        const common = {
          name: o.name,
          alias: o.alias,
          owner: o.owner,
          intendedUse: o.intendedUse,
          createdBy: 'cli',
        };
        const out = /\.onnx$/i.test(artifact)
          ? await registerOnnxModel(
              registry(meta),
              path.join(homePaths(ctx.config.home).artifacts, '.staging'),
              {
                ...common,
                model: new Uint8Array(readFileSync(artifact)),
                descriptor: o.descriptor
                  ? (readDescriptor(o.descriptor) ??
                    createErrorThrow('AEGLE_RUNTIME_ONNX_DESCRIPTOR', {
                      file: o.descriptor,
                      reason: 'the file does not exist',
                    }))
                  : (readDescriptor(descriptorPathFor(artifact)) ?? undefined),
                source: path.resolve(artifact),
              },
            )
          : await registry(meta).register({ artifactDir: artifact, ...common });
        await audit.appendNow({
          actor: 'cli',
          role: 'admin',
          action: 'model.register',
          resource: `model:${out.name}`,
          modelVersion: String(out.version),
          outputSummary: o.alias ? `alias=${o.alias}` : null,
        });
        return out;
      });
      if (o.json) ctx.json({ name: v.name, version: v.version, aliases: v.aliases });
      else
        ctx.out(
          `Registered ${v.name} version ${v.version}${v.aliases.length ? ` (${v.aliases.join(', ')})` : ''}.`,
        );
    });
  models
    .command('list')
    .description('List models')
    .option('--json', 'JSON output')
    .action(async (o) => {
      const ctx = getCtx();
      const list = await withMeta(ctx, (meta) => registry(meta).listModels());
      if (o.json) ctx.json(list);
      else
        ctx.out(
          formatTable(
            ['name', 'latest', 'aliases', 'owner'],
            list.map((m) => [
              m.name,
              m.latestVersion ?? '',
              Object.entries(m.aliases)
                .map(([a, v]) => `${a}→${v}`)
                .join(' '),
              m.owner ?? '',
            ]),
          ),
        );
    });
  models
    .command('versions')
    .description('List the versions of a model')
    .argument('<name>')
    .option('--json', 'JSON output')
    .action(async (name: string, o) => {
      const ctx = getCtx();
      const list = await withMeta(ctx, (meta) => registry(meta).listVersions(name));
      if (o.json) ctx.json(list);
      else
        ctx.out(
          formatTable(
            ['version', 'kind', 'aliases', 'created', 'archived'],
            list.map((v) => [v.version, v.kind, v.aliases.join(' '), v.createdAt, v.archivedAt ?? '']),
          ),
        );
    });
  models
    .command('alias')
    .description('Point ALIAS of model NAME at VERSION')
    .argument('<name>')
    .argument('<alias>')
    .argument('<version>')
    .action(async (name: string, alias: string, version: string) => {
      const ctx = getCtx();
      await withMeta(ctx, async (meta, audit) => {
        await registry(meta).setAlias(name, alias, Number(version), 'cli');
        await audit.appendNow({
          actor: 'cli',
          role: 'admin',
          action: 'alias.set',
          resource: `model:${name}@${alias}`,
          modelVersion: version,
        });
      });
      ctx.out(`${name}@${alias} → version ${version}`);
    });
  models
    .command('archive')
    .description('Archive a version (or the whole model)')
    .argument('<name>')
    .argument('[version]')
    .action(async (name: string, version?: string) => {
      const ctx = getCtx();
      await withMeta(ctx, async (meta, audit) => {
        await registry(meta).archive(name, version ? Number(version) : undefined);
        await audit.appendNow({
          actor: 'cli',
          role: 'admin',
          action: 'model.archive',
          resource: `model:${name}`,
          modelVersion: version ?? null,
        });
      });
      ctx.out(`Archived ${name}${version ? ` version ${version}` : ''}.`);
    });

  program
    .command('predictions')
    .description('The prediction log (the inputs and outputs of every scored request)')
    .command('prune')
    .description(
      'Delete prediction-log records older than DAYS days, and audit the deletion (a server with AEGLE_PREDICTION_LOG_DAYS does this every hour)',
    )
    .requiredOption('--older-than <days>', 'age of the records to delete, in whole days (1 or more)')
    .option('--json', 'print {"records","rows","before"} as JSON')
    .action(async (o: { olderThan: string; json?: boolean }) => {
      const ctx = getCtx();
      if (!/^\s*\d+\s*$/.test(o.olderThan))
        throw createError('AEGLE_PREDLOG_BAD_RETENTION', {
          reason: `--older-than takes a whole number of days (got '${o.olderThan}')`,
        });
      const before = retentionCutoff(Number(o.olderThan));
      const result = await withMeta(ctx, async (meta, audit) => {
        const r = await prunePredictionLog(meta, before);
        if (r.records > 0)
          await audit.appendNow({
            actor: 'cli',
            role: 'admin',
            action: 'prediction_log.prune',
            resource: 'prediction_log',
            outputSummary: `records=${r.records} rows=${r.rows} before=${r.before}`,
          });
        return r;
      });
      if (o.json) ctx.json(result);
      else
        ctx.out(
          `Deleted ${result.records} prediction-log records (${result.rows} rows) logged before ${result.before}.`,
        );
    });

  const audit = program.command('audit').description('The hash-chained audit log');
  audit
    .command('verify')
    .description('Check the chain; exits 0 only when no entry was altered, deleted or reordered')
    .option('--expected-head <hash>', 'a head hash recorded earlier (detects entries deleted from the end)')
    .option('--json', 'JSON output')
    .action(async (o) => {
      const ctx = getCtx();
      const verdict = await withMeta(ctx, (meta) => verifyAuditChain(meta, { expectedHead: o.expectedHead }));
      if (o.json) ctx.json(verdict);
      else if (verdict.ok) ctx.out(`Audit chain intact: ${verdict.entries} entries, head ${verdict.head}.`);
      if (!verdict.ok)
        throw createError('AEGLE_AUDIT_BROKEN', {
          seq: verdict.problem!.seq,
          reason: verdict.problem!.reason,
        });
    });
}
