/** Public types of the synthetic cohort generator. */
import type { Frame } from '../core/index.js';

/** Rates of the data-quality defects injected into the patients table (each a fraction in [0, 1]). */
export interface DefectRates {
  /** Extra rows that exactly copy a patient's row, as a fraction of patients (exact count: round(rate·N)). */
  readonly exactDuplicates: number;
  /** Extra rows with the same patient_id and mrn but one demographic field changed (exact count). */
  readonly nearDuplicates: number;
  /** Probability that a lab cell is missing completely at random (per lab column, per patient). */
  readonly mcar: number;
  /**
   * Probability that HbA1c is missing for a young, healthy patient (age < 40, BMI < 27, true HbA1c
   * < 5.7 %); other patients miss it with a tenth of this probability. Missing NOT at random.
   */
  readonly hba1cMnar: number;
  /** Patients given one physiologically impossible value, as a fraction of patients (exact count). */
  readonly impossibleValues: number;
  /** Probability that a patient's glucose is reported in mmol/L instead of mg/dL. */
  readonly glucoseMmol: number;
}

export type TableName = 'patients' | 'observations' | 'conditions' | 'vitals' | 'notes';
export const TABLE_NAMES: readonly TableName[] = [
  'patients',
  'observations',
  'conditions',
  'vitals',
  'notes',
];

/** How a column is written to CSV and typed in DuckDB/Parquet. */
export type SqlType = 'VARCHAR' | 'DOUBLE' | 'INTEGER' | 'DATE' | 'TIMESTAMP';

export interface CohortTables {
  readonly patients: Frame;
  readonly observations: Frame;
  readonly conditions: Frame;
  readonly vitals: Frame;
  readonly notes: Frame;
}

/** A cell-level defect: the rows of the final patients table where it appears (copies included). */
export interface CellDefect {
  readonly column: string;
  readonly rows: number[];
}

export interface DefectReport {
  readonly rates: DefectRates;
  /** Extra exact-copy rows: `rows[k]` is an exact copy of `sourceRows[k]` (final row indices). */
  readonly exactDuplicates: { count: number; rows: number[]; sourceRows: number[] };
  /** Extra near-copy rows: `rows[k]` equals `sourceRows[k]` except in `fields[k]`. */
  readonly nearDuplicates: { count: number; rows: number[]; sourceRows: number[]; fields: string[] };
  /** Lab cells blanked completely at random, by column. `count` = all such cells. */
  readonly mcar: { count: number; byColumn: Record<string, number[]> };
  /** HbA1c cells blanked not at random (disjoint from the MCAR cells). */
  readonly mnar: { count: number; column: 'hba1c'; rule: string; rows: number[] };
  /** Impossible values written over true ones. */
  readonly impossibleValues: {
    count: number;
    cells: Array<{ row: number; patientId: string; column: string; value: number; trueValue: number }>;
  };
  /** Glucose reported in mmol/L (value = mg/dL ÷ 18.016, one decimal) in the patients table. */
  readonly mixedUnits: {
    count: number;
    column: 'glucose';
    unit: 'mmol/L';
    factor: number;
    rows: number[];
    /** Glucose rows of the observations table reported in mmol/L (LOINC 14749-6). */
    observationRows: number;
  };
}

/** One value of protected health information written into a table, so privacy tests can look for it. */
export interface PhiRecord {
  readonly patientId: string;
  readonly type:
    | 'patient_name'
    | 'provider_name'
    | 'date'
    | 'birth_date'
    | 'mrn'
    | 'address'
    | 'city'
    | 'zip'
    | 'phone'
    | 'email'
    | 'ssn';
  readonly value: string;
  readonly table: 'notes';
}

export interface GroundTruth {
  readonly seed: number;
  readonly patients: number;
  /** The true risk model as text, and its coefficients. */
  readonly formula: string;
  readonly coefficients: Readonly<Record<string, number>>;
  /** Per patient, in patient order (index i ↔ patient_id of row i of `clean`): true logit and probability. */
  readonly logit: Float64Array;
  readonly probability: Float64Array;
  /** The drawn outcome (diabetes within 5 years), 0/1, in patient order. */
  readonly outcome: Uint8Array;
  /** Share of patients with the outcome. */
  readonly prevalence: number;
  readonly meanProbability: number;
  /** AUROC of the true probabilities against the drawn outcomes: no model can expect to do better. */
  readonly bestAuroc: number;
  /** The patients table before any defect: one row per patient, glucose in mg/dL, no missing values. */
  readonly clean: Frame;
  readonly defects: DefectReport;
  /** Every PHI value injected into free text. */
  readonly phi: PhiRecord[];
  /** Structured PHI columns per table (HIPAA Safe Harbor identifiers). */
  readonly phiColumns: Readonly<Record<TableName, readonly string[]>>;
}

export interface Cohort {
  readonly tables: CohortTables;
  readonly truth: GroundTruth;
}

export interface GenerateOptions {
  /** Number of distinct patients (1 … 10,000,000). */
  readonly patients: number;
  /** Seed of every random draw (an integer in [0, 2^32 − 1]). */
  readonly seed: number;
  /** Defect rates; missing keys take DEFAULT_DEFECT_RATES. Pass NO_DEFECTS for a clean cohort. */
  readonly defects?: Partial<DefectRates>;
}
