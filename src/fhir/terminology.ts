/**
 * Code systems and code sets: which coding of a concept to prefer, and whether a coding falls in a
 * set given as ICD-10 / SNOMED CT / LOINC prefixes or lists. System URIs from
 * https://hl7.org/fhir/R4/terminologies-systems.html
 */
import type { CodeableConcept, Coding } from './types.js';

export const LOINC = 'http://loinc.org';
export const SNOMED = 'http://snomed.info/sct';
export const UCUM = 'http://unitsofmeasure.org';
export const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
export const CVX = 'http://hl7.org/fhir/sid/cvx';
export const ICD10 = 'http://hl7.org/fhir/sid/icd-10';
export const ICD10CM = 'http://hl7.org/fhir/sid/icd-10-cm';

/** Short names a code set may use for a system, and every URI each stands for. */
export const SYSTEM_ALIASES: Readonly<Record<string, readonly string[]>> = {
  loinc: [LOINC, 'urn:oid:2.16.840.1.113883.6.1'],
  snomed: [SNOMED, 'urn:oid:2.16.840.1.113883.6.96'],
  icd10: [ICD10CM, ICD10, 'urn:oid:2.16.840.1.113883.6.90', 'urn:oid:2.16.840.1.113883.6.3'],
  rxnorm: [RXNORM, 'urn:oid:2.16.840.1.113883.6.88'],
  cvx: [CVX, 'urn:oid:2.16.840.1.113883.12.292'],
};

/** The URIs a code-set system name (alias or URI) stands for. */
export function systemUris(system: string): readonly string[] {
  return SYSTEM_ALIASES[system.toLowerCase()] ?? [system];
}

/** True for the ICD-10 family, whose codes are compared without the dot (`E11.9` ≡ `E119`). */
export function isIcd10(system: string | undefined): boolean {
  return system !== undefined && SYSTEM_ALIASES.icd10.includes(system);
}

/** A code normalised for comparison: ICD-10 codes lose their dot and are upper-cased. */
export function normaliseCode(system: string | undefined, code: string): string {
  return isIcd10(system) ? code.replace(/\./g, '').toUpperCase() : code;
}

/**
 * A set of codes in one system: `codes` match exactly, `prefixes` match the start of the code (ICD-10
 * hierarchies: `E11` covers `E11.9`). System is an alias (`icd10`, `snomed`, `loinc`, `rxnorm`, `cvx`)
 * or a URI.
 */
export interface CodeSet {
  readonly system: string;
  readonly codes?: readonly string[];
  readonly prefixes?: readonly string[];
}

/** True when the coding falls in any of the sets. */
export function codingInSets(coding: Coding, sets: readonly CodeSet[]): boolean {
  if (!coding.system || !coding.code) return false;
  for (const set of sets) {
    if (!systemUris(set.system).includes(coding.system)) continue;
    const code = normaliseCode(coding.system, coding.code);
    if (set.codes?.some((c) => normaliseCode(coding.system, c) === code)) return true;
    if (set.prefixes?.some((p) => code.startsWith(normaliseCode(coding.system, p)))) return true;
  }
  return false;
}

/** True when any coding of the concept falls in any of the sets. */
export function conceptInSets(concept: CodeableConcept | undefined, sets: readonly CodeSet[]): boolean {
  return (concept?.coding ?? []).some((c) => codingInSets(c, sets));
}

/**
 * The coding to keep as a concept's primary code: the first coding from the preferred systems (in
 * order), else the first coding with a code.
 */
export function preferredCoding(
  concept: CodeableConcept | undefined,
  prefer: readonly string[],
): Coding | undefined {
  // loops, not filter/find: this runs for every coded element of every resource imported
  const codings = concept?.coding;
  if (!Array.isArray(codings)) return undefined;
  for (const p of prefer) {
    const uris = systemUris(p);
    for (const c of codings)
      if (typeof c?.code === 'string' && c.system !== undefined && uris.includes(c.system)) return c;
  }
  for (const c of codings) if (typeof c?.code === 'string') return c;
  return undefined;
}

/**
 * Canonical UCUM unit per LOINC code, and the analyte's molar mass (g/mol) where mass ↔ substance
 * conversion makes sense. Codes not listed take the first valid UCUM unit seen in an import.
 * Molar masses: glucose C6H12O6 180.156; creatinine C4H7N3O 113.12; cholesterol C27H46O 386.65;
 * triolein (the triglyceride convention) 885.4; urea nitrogen as N2 28.014.
 */
export const LOINC_CANONICAL: Readonly<Record<string, { unit: string; molarMass?: number }>> = {
  '29463-7': { unit: 'kg' }, // body weight
  '3141-9': { unit: 'kg' },
  '8302-2': { unit: 'cm' }, // body height
  '39156-5': { unit: 'kg/m2' }, // BMI
  '8480-6': { unit: 'mm[Hg]' }, // systolic
  '8462-4': { unit: 'mm[Hg]' }, // diastolic
  '8867-4': { unit: '/min' }, // heart rate
  '9279-1': { unit: '/min' }, // respiratory rate
  '8310-5': { unit: 'Cel' }, // body temperature
  '59408-5': { unit: '%' }, // SpO2
  '2708-6': { unit: '%' },
  '4548-4': { unit: '%' }, // HbA1c
  '2345-7': { unit: 'mg/dL', molarMass: 180.156 }, // glucose mass, serum/plasma
  '2339-0': { unit: 'mg/dL', molarMass: 180.156 }, // glucose mass, blood
  '14749-6': { unit: 'mmol/L', molarMass: 180.156 }, // glucose substance, serum/plasma
  '15074-8': { unit: 'mmol/L', molarMass: 180.156 }, // glucose substance, blood
  '2160-0': { unit: 'mg/dL', molarMass: 113.12 }, // creatinine
  '38483-4': { unit: 'mg/dL', molarMass: 113.12 },
  '2093-3': { unit: 'mg/dL', molarMass: 386.65 }, // total cholesterol
  '2085-9': { unit: 'mg/dL', molarMass: 386.65 }, // HDL
  '13457-7': { unit: 'mg/dL', molarMass: 386.65 }, // LDL calc
  '18262-6': { unit: 'mg/dL', molarMass: 386.65 }, // LDL direct
  '2571-8': { unit: 'mg/dL', molarMass: 885.4 }, // triglycerides
  '6299-2': { unit: 'mg/dL', molarMass: 28.014 }, // urea nitrogen, blood
  '3094-0': { unit: 'mg/dL', molarMass: 28.014 }, // urea nitrogen, serum/plasma
  '33914-3': { unit: 'mL/min/{1.73_m2}' }, // eGFR
  '2947-0': { unit: 'mmol/L' }, // sodium
  '2951-2': { unit: 'mmol/L' },
  '6298-4': { unit: 'mmol/L' }, // potassium
  '2823-3': { unit: 'mmol/L' },
};
