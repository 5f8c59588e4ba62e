/**
 * Clinical tasks on the gateway: summarise a note, and extract structured data (conditions,
 * medications with dose/route/frequency, vital signs, allergies) with schema-constrained output
 * (`response_format: json_schema` — a GBNF grammar on local GGUF models), validated here, and mapped to
 * FHIR R4 resources ready to ingest: Condition, MedicationStatement, Observation (vital-signs
 * category, LOINC + UCUM), AllergyIntolerance (https://hl7.org/fhir/R4/).
 */
import { createError } from '../../../core/index.js';
import { type CodeableConcept, type FhirResource, LOINC, UCUM } from '../../../fhir/index.js';
import '../errors.js';
import type { Caller, GatewayRequest, GatewayResult, LlmGateway } from '../gateway.js';

export interface Medication {
  readonly name: string;
  readonly dose: string | null;
  readonly route: string | null;
  readonly frequency: string | null;
}

export interface VitalSign {
  /** One of VITAL_NAMES. */
  readonly name: string;
  readonly value: number;
  readonly unit: string | null;
}

export interface Extraction {
  readonly conditions: string[];
  readonly medications: Medication[];
  readonly vitals: VitalSign[];
  readonly allergies: string[];
}

/** Vital signs with their LOINC code and UCUM unit (the FHIR vital-signs profile's codes). */
export const VITALS: Readonly<Record<string, { loinc: string; display: string; unit: string }>> = {
  systolic_bp: { loinc: '8480-6', display: 'Systolic blood pressure', unit: 'mm[Hg]' },
  diastolic_bp: { loinc: '8462-4', display: 'Diastolic blood pressure', unit: 'mm[Hg]' },
  heart_rate: { loinc: '8867-4', display: 'Heart rate', unit: '/min' },
  respiratory_rate: { loinc: '9279-1', display: 'Respiratory rate', unit: '/min' },
  temperature: { loinc: '8310-5', display: 'Body temperature', unit: 'Cel' },
  spo2: { loinc: '59408-5', display: 'Oxygen saturation in Arterial blood by Pulse oximetry', unit: '%' },
  weight: { loinc: '29463-7', display: 'Body weight', unit: 'kg' },
  height: { loinc: '8302-2', display: 'Body height', unit: 'cm' },
  bmi: { loinc: '39156-5', display: 'Body mass index (BMI) [Ratio]', unit: 'kg/m2' },
};
export const VITAL_NAMES = Object.keys(VITALS);

const nullableString = { type: ['string', 'null'] } as const;

/** The JSON schema the model's output must follow (also the grammar for local models). */
export const EXTRACTION_SCHEMA = {
  type: 'object',
  properties: {
    conditions: { type: 'array', items: { type: 'string' } },
    medications: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          name: { type: 'string' },
          dose: nullableString,
          route: nullableString,
          frequency: nullableString,
        },
        required: ['name', 'dose', 'route', 'frequency'],
        additionalProperties: false,
      },
    },
    vitals: {
      type: 'array',
      items: {
        type: 'object',
        properties: { name: { enum: VITAL_NAMES }, value: { type: 'number' }, unit: nullableString },
        required: ['name', 'value', 'unit'],
        additionalProperties: false,
      },
    },
    allergies: { type: 'array', items: { type: 'string' } },
  },
  required: ['conditions', 'medications', 'vitals', 'allergies'],
  additionalProperties: false,
} as const;

const EXTRACT_PROMPT =
  'Extract from the clinical note: conditions (diagnoses), medications (name, dose, route, frequency; null when not stated), ' +
  `vital signs (name one of ${VITAL_NAMES.join(', ')}; numeric value; unit), and allergies (substances). ` +
  'Answer with JSON only, following the schema. Do not invent facts absent from the note.';

const SUMMARY_PROMPT =
  'Summarise the clinical note for a colleague in at most five sentences: reason for visit, key findings, assessment, plan. Do not invent facts.';

/** Checks a parsed model output against EXTRACTION_SCHEMA; throws AEGLE_LLM_BAD_OUTPUT naming the first problem. */
export function validateExtraction(v: unknown): Extraction {
  const bad = (reason: string): never => {
    throw createError('AEGLE_LLM_BAD_OUTPUT', { task: 'extract', reason });
  };
  if (typeof v !== 'object' || v === null || Array.isArray(v)) bad('expected a JSON object');
  const o = v as Record<string, unknown>;
  const strings = (k: string): string[] => {
    const a = o[k];
    if (!Array.isArray(a) || a.some((x) => typeof x !== 'string'))
      return bad(`'${k}' must be a list of strings`);
    return (a as string[]).map((x) => x.trim()).filter(Boolean);
  };
  const optStr = (x: unknown, where: string): string | null => {
    if (x === null || x === undefined) return null;
    if (typeof x !== 'string') return bad(`${where} must be a string or null`);
    return x.trim() || null;
  };
  if (!Array.isArray(o.medications)) bad("'medications' must be a list");
  if (!Array.isArray(o.vitals)) bad("'vitals' must be a list");
  const medications = (o.medications as unknown[]).map((m, i): Medication => {
    if (typeof m !== 'object' || m === null) return bad(`medications[${i}] must be an object`);
    const r = m as Record<string, unknown>;
    if (typeof r.name !== 'string' || !r.name.trim())
      return bad(`medications[${i}].name must be a non-empty string`);
    return {
      name: r.name.trim(),
      dose: optStr(r.dose, `medications[${i}].dose`),
      route: optStr(r.route, `medications[${i}].route`),
      frequency: optStr(r.frequency, `medications[${i}].frequency`),
    };
  });
  const vitals = (o.vitals as unknown[]).map((x, i): VitalSign => {
    if (typeof x !== 'object' || x === null) return bad(`vitals[${i}] must be an object`);
    const r = x as Record<string, unknown>;
    if (typeof r.name !== 'string' || !(r.name in VITALS))
      return bad(`vitals[${i}].name must be one of ${VITAL_NAMES.join(', ')}`);
    if (typeof r.value !== 'number' || !Number.isFinite(r.value))
      return bad(`vitals[${i}].value must be a finite number`);
    return { name: r.name, value: r.value, unit: optStr(r.unit, `vitals[${i}].unit`) };
  });
  return { conditions: strings('conditions'), medications, vitals, allergies: strings('allergies') };
}

function text(t: string): CodeableConcept {
  return { text: t };
}

/**
 * FHIR R4 resources for an extraction, referring to `subject` (e.g. `Patient/123`). Codes are text
 * only for conditions, medications and allergies (coding them is terminology work for a later step);
 * vital signs carry LOINC codes and UCUM units.
 */
export function extractionToFhir(x: Extraction, subject: string, effective?: string): FhirResource[] {
  const ref = { reference: subject };
  const out: FhirResource[] = [];
  for (const c of x.conditions) {
    out.push({
      resourceType: 'Condition',
      clinicalStatus: {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }],
      },
      verificationStatus: {
        coding: [
          { system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'unconfirmed' },
        ],
      },
      code: text(c),
      subject: ref,
    });
  }
  for (const m of x.medications) {
    const dosage: Record<string, unknown> = {
      text: [m.dose, m.route, m.frequency].filter(Boolean).join(' ') || undefined,
    };
    if (m.route) dosage.route = text(m.route);
    if (m.frequency) dosage.timing = { code: text(m.frequency) };
    if (m.dose) dosage.doseAndRate = [{ doseQuantity: doseQuantity(m.dose) }];
    out.push({
      resourceType: 'MedicationStatement',
      status: 'active',
      medicationCodeableConcept: text(m.name),
      subject: ref,
      dosage: [dosage],
    });
  }
  for (const v of x.vitals) {
    const def = VITALS[v.name];
    out.push({
      resourceType: 'Observation',
      status: 'final',
      category: [
        {
          coding: [
            {
              system: 'http://terminology.hl7.org/CodeSystem/observation-category',
              code: 'vital-signs',
              display: 'Vital Signs',
            },
          ],
        },
      ],
      code: { coding: [{ system: LOINC, code: def.loinc, display: def.display }], text: def.display },
      subject: ref,
      ...(effective ? { effectiveDateTime: effective } : {}),
      valueQuantity: { value: v.value, unit: def.unit, system: UCUM, code: def.unit },
    });
  }
  for (const a of x.allergies) {
    out.push({
      resourceType: 'AllergyIntolerance',
      clinicalStatus: {
        coding: [
          { system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', code: 'active' },
        ],
      },
      code: text(a),
      patient: ref,
    });
  }
  return out;
}

function doseQuantity(dose: string): Record<string, unknown> {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Zµ]+)?\s*$/.exec(dose);
  if (!m) return { unit: dose };
  const unit = m[2] ?? '';
  return unit
    ? { value: Number(m[1]), unit, system: UCUM, code: unit === 'mcg' || unit === 'µg' ? 'ug' : unit }
    : { value: Number(m[1]) };
}

export interface TaskOptions {
  readonly model: string;
  readonly maxTokens?: number;
  readonly dataset?: string;
}

/** Summarises a note through the gateway (policy, PHI gate and audit apply). */
export async function summariseNote(
  gateway: LlmGateway,
  caller: Caller,
  note: string,
  o: TaskOptions,
): Promise<GatewayResult> {
  return gateway.chat(caller, {
    model: o.model,
    dataset: o.dataset,
    temperature: 0,
    maxTokens: o.maxTokens ?? 256,
    messages: [
      { role: 'system', content: SUMMARY_PROMPT },
      { role: 'user', content: note },
    ],
  });
}

/** Extracts structured data from a note, validates it, and returns it with its FHIR resources. */
export async function extractFromNote(
  gateway: LlmGateway,
  caller: Caller,
  note: string,
  o: TaskOptions & { subject?: string },
): Promise<{ extraction: Extraction; resources: FhirResource[]; result: GatewayResult }> {
  const req: GatewayRequest = {
    model: o.model,
    dataset: o.dataset,
    temperature: 0,
    maxTokens: o.maxTokens ?? 512,
    responseFormat: {
      type: 'json_schema',
      name: 'clinical_extraction',
      schema: EXTRACTION_SCHEMA as unknown as Record<string, unknown>,
      strict: true,
    },
    messages: [
      { role: 'system', content: EXTRACT_PROMPT },
      { role: 'user', content: note },
    ],
  };
  const result = await gateway.chat(caller, req);
  let parsed: unknown;
  try {
    parsed = JSON.parse(result.text.trim().replace(/^```(?:json)?\s*|\s*```$/g, ''));
  } catch {
    throw createError('AEGLE_LLM_BAD_OUTPUT', { task: 'extract', reason: 'the answer is not JSON' });
  }
  const extraction = validateExtraction(parsed);
  return { extraction, resources: extractionToFhir(extraction, o.subject ?? 'Patient/unknown'), result };
}
