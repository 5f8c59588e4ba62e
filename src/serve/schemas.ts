/** Shared TypeBox schemas of the REST API (they feed validation, serialisation and OpenAPI). */
import { type TSchema, Type } from '@sinclair/typebox';

export const ProblemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    code: Type.String({ description: 'Stable error code, see docs/ERRORS.md' }),
    instance: Type.String(),
    requestId: Type.String(),
    errors: Type.Optional(Type.Array(Type.Unknown())),
  },
  { $id: 'Problem', description: 'RFC 9457 problem details' },
);

const problemRef = Type.Ref('Problem');

/** Response map: the success schema plus problem documents for every error status. */
export function responses(ok: Record<number, TSchema>): Record<string, TSchema> {
  return { ...ok, '4xx': problemRef, '5xx': problemRef };
}

export const Json = Type.Unknown();
export const JsonObject = Type.Record(Type.String(), Type.Unknown());

export const NameParam = Type.Object({ name: Type.String({ minLength: 1, maxLength: 64 }) });
export const IdParam = Type.Object({ id: Type.String({ minLength: 1, maxLength: 80 }) });
