/** Datasets: upload (multipart, streamed to disk, size-limited, then ingested), list, show, profile, clean, delete. */
import { createWriteStream, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import multipart from '@fastify/multipart';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { createError, newId } from '../../core/index.js';
import { profileDataset } from '../../dataset/index.js';
import { formatFromExtension, ingestFile, validateDatasetName } from '../../ingest/index.js';
import { dropVersions, getVersion, listVersions } from '../../store/index.js';
import { cleanDataset } from '../../transform/index.js';
import { Json, NameParam, responses } from '../schemas.js';
import type { Service } from '../service.js';

const DatasetVersion = Type.Object({
  name: Type.String(),
  version: Type.String(),
  contentHash: Type.String(),
  rows: Type.Integer(),
  columns: Type.Array(Type.Object({ name: Type.String(), type: Type.String(), kind: Type.String() })),
  roles: Type.Record(Type.String(), Type.String()),
  createdAt: Type.String(),
  source: Type.String(),
  format: Type.String(),
  parent: Type.Union([Type.String(), Type.Null()]),
});

const VersionQuery = Type.Object({ version: Type.Optional(Type.String({ maxLength: 64 })) });
const UPLOAD_FORMATS = new Set(['csv', 'tsv', 'parquet']);

export function datasetRoutes(service: Service) {
  return async function plugin(app: FastifyInstance) {
    await app.register(multipart, {
      limits: { fileSize: service.config.serve.uploadLimit, files: 1, fields: 10 },
    });
    const audit = (
      req: { principal: { keyId: string; role: string } | null },
      action: string,
      resource: string,
      summary?: string,
    ) =>
      service.audit.append({
        actor: req.principal!.keyId,
        role: req.principal!.role,
        action,
        resource,
        outputSummary: summary ?? null,
      });

    app.get(
      '/',
      {
        config: { permission: 'datasets:read' },
        schema: {
          tags: ['datasets'],
          summary: 'List dataset versions (newest first per name)',
          response: responses({ 200: Type.Array(DatasetVersion) }),
        },
      },
      async () => service.withDatasets((db) => listVersions(db)),
    );

    app.post(
      '/',
      {
        config: { permission: 'datasets:write' },
        schema: {
          tags: ['datasets'],
          summary:
            'Upload a CSV, TSV or Parquet file as a new dataset version (multipart/form-data: name, file)',
          consumes: ['multipart/form-data'],
          querystring: Type.Object({ name: Type.Optional(Type.String({ maxLength: 64 })) }),
          response: responses({ 201: Type.Object({ dataset: DatasetVersion, unchanged: Type.Boolean() }) }),
        },
      },
      async (req, reply) => {
        if (!req.isMultipart())
          throw createError('AEGLE_SERVE_BAD_UPLOAD', { reason: 'the body must be multipart/form-data' });
        const dir = path.join(service.uploadDir, newId('up'));
        mkdirSync(dir, { recursive: true });
        try {
          let name = (req.query as { name?: string }).name;
          let file: string | null = null;
          let format: string | undefined;
          for await (const part of req.parts()) {
            if (part.type === 'field') {
              if (part.fieldname === 'name') name = String(part.value);
            } else {
              if (file) throw createError('AEGLE_SERVE_BAD_UPLOAD', { reason: 'send one file per upload' });
              const base = path.basename(part.filename || 'upload.csv').replace(/[^A-Za-z0-9._-]/g, '_');
              format = formatFromExtension(base);
              if (!format || !UPLOAD_FORMATS.has(format)) {
                part.file.resume();
                throw createError('AEGLE_SERVE_BAD_UPLOAD', {
                  reason: `'${base}' is not a .csv, .tsv or .parquet file`,
                });
              }
              file = path.join(dir, base);
              await pipeline(part.file, createWriteStream(file));
              if (part.file.truncated)
                throw createError('AEGLE_SERVE_BODY_TOO_LARGE', { limit: service.config.serve.uploadLimit });
            }
          }
          if (!file) throw createError('AEGLE_SERVE_BAD_UPLOAD', { reason: 'no file part' });
          if (!name) throw createError('AEGLE_SERVE_BAD_UPLOAD', { reason: "no 'name' field" });
          validateDatasetName(name);
          const datasetName = name;
          const out = await service.withDatasets((db) =>
            ingestFile(db, file as string, {
              name: datasetName,
              missingTokensDefault: service.config.missingTokens,
            }),
          );
          audit(
            req,
            'dataset.upload',
            `dataset:${out.dataset.name}@${out.dataset.version}`,
            `rows=${out.dataset.rows}`,
          );
          return reply.code(201).send(out);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      },
    );

    app.get(
      '/:name',
      {
        config: { permission: 'datasets:read' },
        schema: {
          tags: ['datasets'],
          summary: 'A dataset version (latest unless ?version=)',
          params: NameParam,
          querystring: VersionQuery,
          response: responses({ 200: DatasetVersion }),
        },
      },
      async (req) => {
        const { name } = req.params as { name: string };
        const v = await service.withDatasets((db) =>
          getVersion(db, name, (req.query as { version?: string }).version),
        );
        audit(req, 'dataset.read', `dataset:${v.name}@${v.version}`, 'schema');
        return v;
      },
    );

    app.get(
      '/:name/profile',
      {
        config: { permission: 'datasets:read' },
        schema: {
          tags: ['datasets'],
          summary: 'Profile of a dataset version',
          params: NameParam,
          querystring: VersionQuery,
          response: responses({ 200: Json }),
        },
      },
      async (req) => {
        const { name } = req.params as { name: string };
        const profile = await service.withDatasets(async (db) =>
          profileDataset(db, await getVersion(db, name, (req.query as { version?: string }).version)),
        );
        audit(req, 'dataset.read', `dataset:${profile.dataset}@${profile.version}`, 'profile');
        return JSON.parse(
          JSON.stringify(profile, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v)),
        );
      },
    );

    const Counts = Type.Record(Type.String(), Type.Integer());
    const CleanReport = Type.Object({
      rowsIn: Type.Integer(),
      rowsOut: Type.Integer(),
      steps: Type.Array(
        Type.Object({
          step: Type.String(),
          kind: Type.String(),
          rowsIn: Type.Integer(),
          rowsOut: Type.Integer(),
          columns: Type.Record(Type.String(), Counts),
          added: Type.Array(Type.String()),
          removed: Type.Array(Type.String()),
          dropped: Type.Integer({ description: 'rows this step removed' }),
          errors: Type.Integer({ description: 'values this step could not handle' }),
          skipped: Type.Optional(Type.Boolean()),
        }),
      ),
      totals: Type.Record(Type.String(), Counts),
      dropped: Type.Array(
        Type.Object({
          row: Type.Integer(),
          reason: Type.String(),
          step: Type.String(),
          keptRow: Type.Optional(Type.Integer()),
        }),
        { description: 'the first 200 dropped rows (input row numbers)' },
      ),
      droppedTotal: Type.Integer(),
      errors: Type.Array(
        Type.Object({
          row: Type.Integer(),
          column: Type.String(),
          message: Type.String(),
          step: Type.String(),
        }),
        { description: 'the first 200 value problems' },
      ),
      errorsTotal: Type.Integer(),
    });
    app.post(
      '/:name/clean',
      {
        config: { permission: 'datasets:write' },
        schema: {
          tags: ['datasets'],
          summary: 'Apply a cleaning spec (YAML/JSON text, docs/CLEANING.md): a new dataset version + report',
          params: NameParam,
          body: Type.Object({
            spec: Type.String({ minLength: 1, maxLength: 100_000 }),
            out: Type.String({ minLength: 1, maxLength: 64, description: 'name of the cleaned dataset' }),
            version: Type.Optional(Type.String({ maxLength: 64, description: 'default: the latest' })),
          }),
          response: responses({
            201: Type.Object({
              dataset: Type.String(),
              version: Type.String(),
              parent: Type.String(),
              rowsIn: Type.Integer(),
              rowsOut: Type.Integer(),
              unchanged: Type.Boolean(),
              report: CleanReport,
            }),
          }),
        },
      },
      async (req, reply) => {
        const { name } = req.params as { name: string };
        const b = req.body as { spec: string; out: string; version?: string };
        const ref = b.version ? `${name}@${b.version}` : name;
        const res = await service.withDatasets((db) => cleanDataset(db, ref, b.spec, b.out));
        audit(req, 'dataset.clean', `dataset:${res.dataset}@${res.version}`, `from ${res.parent}`);
        const r = res.report;
        return reply.code(201).send({
          ...res,
          report: {
            rowsIn: r.rowsIn,
            rowsOut: r.rowsOut,
            steps: r.steps.map((st) => ({ ...st, dropped: st.dropped.length, errors: st.errors.length })),
            totals: r.totals,
            dropped: r.dropped.slice(0, 200),
            droppedTotal: r.dropped.length,
            errors: r.errors.slice(0, 200),
            errorsTotal: r.errors.length,
          },
        });
      },
    );

    app.delete(
      '/:name',
      {
        config: { permission: 'datasets:write' },
        schema: {
          tags: ['datasets'],
          summary: 'Delete one version (?version=) or every version',
          params: NameParam,
          querystring: VersionQuery,
          response: responses({ 200: Type.Object({ deleted: Type.Array(Type.String()) }) }),
        },
      },
      async (req) => {
        const { name } = req.params as { name: string };
        const gone = await service.withDatasets((db) =>
          dropVersions(db, name, (req.query as { version?: string }).version),
        );
        audit(req, 'dataset.delete', `dataset:${name}`, gone.map((g) => g.version).join(','));
        return { deleted: gone.map((g) => `${g.name}@${g.version}`) };
      },
    );
  };
}
