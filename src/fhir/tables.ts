/**
 * The normalised tables FHIR resources map to: one schema per table, columns in order. Mappers emit
 * rows as arrays in this order; the ingest layer turns `timestamp` columns (epoch ms) into TIMESTAMP
 * (UTC), `date` into DATE and `list` (tab-joined text) into VARCHAR[].
 */

export type FhirColumnType = 'text' | 'number' | 'bool' | 'timestamp' | 'date' | 'list';

export interface FhirColumn {
  readonly name: string;
  readonly type: FhirColumnType;
}

export type FhirTableName =
  | 'patients'
  | 'encounters'
  | 'observations'
  | 'conditions'
  | 'medications'
  | 'procedures'
  | 'allergies'
  | 'immunizations'
  | 'diagnostic_reports';

/** A row: one value per column (null = missing; timestamps/dates as epoch ms; lists as string[]). */
export type FhirRow = Array<string | number | boolean | null | readonly string[]>;

const t = (name: string): FhirColumn => ({ name, type: 'text' });
const n = (name: string): FhirColumn => ({ name, type: 'number' });
const ts = (name: string): FhirColumn => ({ name, type: 'timestamp' });
const list = (name: string): FhirColumn => ({ name, type: 'list' });
const code = [t('code_system'), t('code'), t('display'), list('codes')];

export const FHIR_TABLES: Readonly<Record<FhirTableName, readonly FhirColumn[]>> = {
  patients: [
    t('patient_id'),
    t('gender'),
    { name: 'birth_date', type: 'date' },
    { name: 'deceased', type: 'bool' },
    ts('deceased_at'),
    t('marital_status'),
    t('language'),
  ],
  encounters: [
    t('encounter_id'),
    t('patient_id'),
    t('status'),
    t('class_code'),
    ...code,
    ts('start'),
    ts('end'),
    t('reason_code'),
  ],
  observations: [
    t('observation_id'),
    t('patient_id'),
    t('encounter_id'),
    t('status'),
    t('category'),
    t('code_system'),
    t('code'),
    t('display'),
    { name: 'component', type: 'number' },
    n('value'),
    t('unit'),
    n('value_original'),
    t('unit_original'),
    t('unit_system'),
    t('unit_status'),
    t('value_text'),
    ts('effective'),
    ts('issued'),
  ],
  conditions: [
    t('condition_id'),
    t('patient_id'),
    t('encounter_id'),
    ...code,
    t('clinical_status'),
    t('verification_status'),
    t('category'),
    ts('onset'),
    ts('abatement'),
    ts('recorded'),
  ],
  medications: [
    t('medication_id'),
    t('resource_type'),
    t('patient_id'),
    t('encounter_id'),
    t('status'),
    t('intent'),
    ...code,
    ts('start'),
    ts('end'),
  ],
  procedures: [
    t('procedure_id'),
    t('patient_id'),
    t('encounter_id'),
    t('status'),
    ...code,
    ts('start'),
    ts('end'),
  ],
  allergies: [
    t('allergy_id'),
    t('patient_id'),
    t('clinical_status'),
    t('verification_status'),
    t('type'),
    t('category'),
    t('criticality'),
    ...code,
    ts('onset'),
    ts('recorded'),
  ],
  immunizations: [
    t('immunization_id'),
    t('patient_id'),
    t('encounter_id'),
    t('status'),
    ...code,
    ts('occurrence'),
  ],
  diagnostic_reports: [
    t('report_id'),
    t('patient_id'),
    t('encounter_id'),
    t('status'),
    t('category'),
    ...code,
    ts('effective'),
    ts('issued'),
    list('result_ids'),
  ],
};

export const FHIR_TABLE_NAMES = Object.keys(FHIR_TABLES) as FhirTableName[];

/** Which table each mapped resource type lands in. */
export const TABLE_OF_TYPE: Readonly<Record<string, FhirTableName>> = {
  Patient: 'patients',
  Encounter: 'encounters',
  Observation: 'observations',
  Condition: 'conditions',
  MedicationRequest: 'medications',
  MedicationStatement: 'medications',
  Procedure: 'procedures',
  AllergyIntolerance: 'allergies',
  Immunization: 'immunizations',
  DiagnosticReport: 'diagnostic_reports',
};
