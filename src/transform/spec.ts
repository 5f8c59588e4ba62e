/**
 * Declarative pipeline specs (YAML or JSON), e.g.
 *
 * ```yaml
 * steps:
 *   - dedupe: { keys: [mrn], keep: most_complete }
 *   - impute: { strategy: median, indicators: true }
 *   - scale: { method: standard, columns: [age, bmi] }
 * ```
 *
 * Each step is a map with one kind key (see `TRANSFORMER_KINDS`) holding its parameters, and an
 * optional `name` (default: the kind, then `<kind>_2`, … for repeats). Errors name the place:
 * "steps[2].outliers.action must be one of clip|set_missing|drop_row. Got 'remove'.".
 * See docs/CLEANING.md.
 */
import { parse as parseYaml } from 'yaml';
import { type Frame, createError } from '../core/index.js';
import { type ColumnInfo, schemaOf } from './base.js';
import { TRANSFORMER_KINDS, createTransformer } from './catalog.js';
import { showValue } from '../core/params.js';
import { type NamedStep, Pipeline } from './pipeline.js';

export interface PipelineSpec {
  steps: Array<Record<string, unknown>>;
}

function invalid(path: string, expected: string, got: unknown): Error {
  return createError('AEGLE_TRANSFORM_INVALID_SPEC', { path, expected, got: showValue(got) });
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Parses YAML/JSON text (JSON is YAML) into a spec object, without validating it. */
export function parseSpecText(text: string): unknown {
  try {
    return parseYaml(text);
  } catch (e) {
    throw createError(
      'AEGLE_TRANSFORM_INVALID_SPEC',
      { path: 'spec', expected: 'valid YAML or JSON', got: (e as Error).message.split('\n')[0] },
      { cause: e },
    );
  }
}

/** Builds a Pipeline from a spec (text or parsed object), validating every step's parameters. */
export function pipelineFromSpec(spec: string | unknown): Pipeline {
  const obj = typeof spec === 'string' ? parseSpecText(spec) : spec;
  if (!isPlainObject(obj)) throw invalid('spec', 'a map with a steps list', obj);
  for (const k of Object.keys(obj))
    if (k !== 'steps') throw invalid(`spec key '${k}'`, 'one of steps', 'an unknown key');
  const steps = obj.steps;
  if (!Array.isArray(steps) || steps.length === 0) throw invalid('steps', 'a non-empty list of steps', steps);
  const named: NamedStep[] = [];
  const used = new Map<string, number>();
  steps.forEach((raw, i) => {
    const at = `steps[${i}]`;
    if (!isPlainObject(raw)) throw invalid(at, `a map like { impute: { … } }`, raw);
    const { name, ...rest } = raw;
    const kinds = Object.keys(rest);
    if (kinds.length !== 1) {
      throw invalid(
        at,
        `a map with exactly one transformer kind (${Object.keys(TRANSFORMER_KINDS).join('|')})`,
        kinds.length ? kinds.join(', ') : 'none',
      );
    }
    const kind = kinds[0];
    if (!(kind in TRANSFORMER_KINDS))
      throw invalid(`${at} kind`, `one of ${Object.keys(TRANSFORMER_KINDS).join('|')}`, kind);
    const params = rest[kind] ?? {};
    if (!isPlainObject(params)) throw invalid(`${at}.${kind}`, 'a map of parameters', params);
    if (name !== undefined && (typeof name !== 'string' || !/^[A-Za-z_][\w-]*$/.test(name))) {
      throw invalid(`${at}.name`, 'a step name (letters, digits, _ or -)', name);
    }
    const n = used.get(kind) ?? 0;
    used.set(kind, n + 1);
    const stepName = (name as string | undefined) ?? (n === 0 ? kind : `${kind}_${n + 1}`);
    if (named.some(([s]) => s === stepName))
      throw invalid(`${at}.name`, 'a name not used by an earlier step', stepName);
    named.push([stepName, createTransformer(kind, params, at)]);
  });
  return new Pipeline(named);
}

/**
 * Checks a pipeline against a frame's columns (and through every step's output) without doing any
 * work; returns the column schema the pipeline will produce (data-dependent names such as one-hot
 * columns are left out).
 */
export function validatePipeline(pipeline: Pipeline, frame: Frame): ColumnInfo[] {
  return pipeline.plan(schemaOf(frame));
}
