/**
 * The few FHIR R4 data types Aegle reads and writes, typed loosely on input (a resource read from a file
 * is `unknown` until checked) and exactly on output. Spec: https://hl7.org/fhir/R4/datatypes.html
 */

/** Any FHIR resource as read from JSON: only `resourceType` is known. */
export interface FhirResource {
  readonly resourceType: string;
  readonly id?: string;
  readonly [key: string]: unknown;
}

/** https://hl7.org/fhir/R4/datatypes.html#Coding */
export interface Coding {
  system?: string;
  version?: string;
  code?: string;
  display?: string;
}

/** https://hl7.org/fhir/R4/datatypes.html#CodeableConcept */
export interface CodeableConcept {
  coding?: Coding[];
  text?: string;
}

/** https://hl7.org/fhir/R4/references.html#Reference */
export interface Reference {
  reference?: string;
  type?: string;
  display?: string;
}

/** https://hl7.org/fhir/R4/datatypes.html#Quantity */
export interface Quantity {
  value?: number;
  comparator?: '<' | '<=' | '>=' | '>';
  unit?: string;
  system?: string;
  code?: string;
}

/** https://hl7.org/fhir/R4/datatypes.html#Period */
export interface Period {
  start?: string;
  end?: string;
}

/** https://hl7.org/fhir/R4/datatypes.html#Range */
export interface Range {
  low?: Quantity;
  high?: Quantity;
}

/** https://hl7.org/fhir/R4/datatypes.html#Annotation */
export interface Annotation {
  text: string;
  time?: string;
  authorString?: string;
}

/** A problem found in one resource: `Observation/abc: valueQuantity.value must be a number`. */
export interface FhirIssue {
  readonly resourceType: string;
  readonly id: string | null;
  /** FHIRPath-like element path inside the resource, e.g. `component[1].valueQuantity.value`. */
  readonly path: string;
  readonly message: string;
}

/** Renders an issue as one line, `Type/id: path message`. */
export function formatIssue(i: FhirIssue): string {
  return `${i.resourceType}/${i.id ?? '(no id)'}: ${i.path ? `${i.path} ` : ''}${i.message}`;
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
