/**
 * Estimator and transformer parameter schemas, straight from the declarations the learners and
 * transformers validate with (src/core/params.ts; STYLE.md rule 5: declare each hyperparameter once).
 * The dashboard's Train form is generated from `GET /api/v1/estimators`; nothing keeps a copy.
 */
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { describeParams, type ParamSchema } from '../../core/index.js';
import { modelKinds } from '../../learn/index.js';
import { transformerSchemas } from '../../transform/index.js';
import { responses } from '../schemas.js';

const Param = Type.Object(
  {
    name: Type.String(),
    type: Type.String({
      description:
        "'enum' (see values), 'number', 'optionalNumber' (null allowed), 'boolean', 'string', 'columns', 'scalar', 'pair', 'numbers', 'ranges', 'weights' or 'any'",
    }),
    default: Type.Unknown({ description: 'Default value (null where the default is "none" or not finite)' }),
    description: Type.String(),
    values: Type.Optional(Type.Array(Type.String(), { description: 'enum: the allowed values' })),
    min: Type.Optional(Type.Number()),
    max: Type.Optional(Type.Number()),
    integer: Type.Optional(Type.Boolean()),
    exclusiveMin: Type.Optional(Type.Boolean()),
    nullable: Type.Optional(Type.Boolean()),
  },
  { $id: 'ParamInfo' },
);
export type ParamInfo = Static<typeof Param>;

const Estimator = Type.Object({
  kind: Type.String({ description: "The name used as a train spec's model.type" }),
  description: Type.String(),
  tasks: Type.Array(Type.String()),
  params: Type.Array(Type.Ref('ParamInfo')),
});

const Transformer = Type.Object({
  kind: Type.String({ description: 'The step name used in cleaning and preprocessing specs' }),
  params: Type.Array(Type.Ref('ParamInfo')),
});

const finite = (v: unknown): unknown =>
  typeof v === 'number' && !Number.isFinite(v) ? null : Array.isArray(v) ? v.map(finite) : v;

/** One entry per parameter: `describeParams` plus the enum values and the flags it leaves out. */
export function paramInfo(schema: ParamSchema): ParamInfo[] {
  const lines = describeParams(schema);
  return lines.map((line) => {
    const d = schema[line.name];
    const out: ParamInfo = {
      name: line.name,
      type: d.type,
      default: finite(line.default),
      description: line.description,
    };
    if (d.type === 'enum') out.values = [...d.values];
    if (line.min !== undefined && Number.isFinite(line.min)) out.min = line.min;
    if (line.max !== undefined && Number.isFinite(line.max)) out.max = line.max;
    if (d.type === 'number' || d.type === 'optionalNumber' || d.type === 'numbers')
      out.integer = d.integer ?? false;
    if (d.type === 'number' && d.exclusiveMin) out.exclusiveMin = true;
    if (d.type === 'optionalNumber' || (d.type === 'string' && d.nullable)) out.nullable = true;
    return out;
  });
}

export function estimatorRoutes() {
  return async function plugin(app: FastifyInstance) {
    app.addSchema(Param);
    // the registries are filled at import time and never change while the process runs
    const estimators = modelKinds().map((k) => ({
      kind: k.kind,
      description: k.description,
      tasks: [...k.tasks],
      params: paramInfo(k.schema),
    }));
    const transformers = Object.entries(transformerSchemas()).map(([kind, schema]) => ({
      kind,
      params: paramInfo(schema),
    }));
    app.get(
      '/estimators',
      {
        config: { permission: 'docs:read' },
        schema: {
          tags: ['estimators'],
          summary: 'Every model kind with its parameter schema (name, type, default, range, allowed values)',
          response: responses({ 200: Type.Array(Estimator) }),
        },
      },
      async () => estimators,
    );
    app.get(
      '/transformers',
      {
        config: { permission: 'docs:read' },
        schema: {
          tags: ['estimators'],
          summary: 'Every cleaning / preprocessing step kind with its parameter schema',
          response: responses({ 200: Type.Array(Transformer) }),
        },
      },
      async () => transformers,
    );
  };
}
