/**
 * FHIR out for an imaging classification: a DiagnosticReport whose `result` is one Observation holding
 * the predicted class (valueCodeableConcept), its probability and the per-class probabilities as
 * components, returned together in a `collection` Bundle. Pure: ids come from the caller.
 *
 * Specs: https://hl7.org/fhir/R4/diagnosticreport.html, https://hl7.org/fhir/R4/observation.html,
 * https://hl7.org/fhir/R4/bundle.html. The device that produced the result is the model (method);
 * DICOM identifiers (study/series/SOP instance UIDs, modality) are carried, patient attributes never are.
 */
import type { CodeableConcept, Coding, Reference } from './types.js';

/** https://hl7.org/fhir/R4/observation.html#resource (the elements written here). */
export interface ImagingObservation {
  resourceType: 'Observation';
  id: string;
  status: 'final' | 'preliminary';
  category: CodeableConcept[];
  code: CodeableConcept;
  subject?: Reference;
  effectiveDateTime: string;
  issued: string;
  method: CodeableConcept;
  valueCodeableConcept: CodeableConcept;
  component: Array<{
    code: CodeableConcept;
    valueQuantity: { value: number; unit: string; system: string; code: string };
  }>;
  derivedFrom?: Reference[];
  note?: Array<{ text: string }>;
}

/** https://hl7.org/fhir/R4/diagnosticreport.html#resource (the elements written here). */
export interface DiagnosticReport {
  resourceType: 'DiagnosticReport';
  id: string;
  identifier?: Array<{ system: string; value: string }>;
  status: 'final' | 'preliminary';
  category: CodeableConcept[];
  code: CodeableConcept;
  subject?: Reference;
  effectiveDateTime: string;
  issued: string;
  result: Reference[];
  conclusion: string;
  conclusionCode: CodeableConcept[];
}

export interface ImagingBundle {
  resourceType: 'Bundle';
  type: 'collection';
  timestamp: string;
  entry: Array<{ fullUrl: string; resource: DiagnosticReport | ImagingObservation }>;
}

export interface ImagingReportInput {
  /** Ids for the two resources (uuids). */
  readonly reportId: string;
  readonly observationId: string;
  readonly model: { readonly name: string; readonly version: string | number };
  /** The predicted class. */
  readonly label: string;
  readonly classIndex: number;
  /** Per-class probabilities (null when the model returns labels only). */
  readonly probabilities: readonly number[] | null;
  readonly classLabels?: readonly string[];
  /** What was classified, in words (e.g. "breast ultrasound"); default "image". */
  readonly what?: string;
  readonly occurrence: string;
  /** DICOM identifiers when the input was a DICOM instance (no patient attributes). */
  readonly dicom?: {
    readonly modality?: string | null;
    readonly studyInstanceUid?: string | null;
    readonly seriesInstanceUid?: string | null;
    readonly sopInstanceUid?: string | null;
  } | null;
  /** A Patient reference when the caller knows one (never taken from DICOM headers). */
  readonly subject?: string;
}

const OBS_CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';
const DR_CATEGORY = 'http://terminology.hl7.org/CodeSystem/v2-0074';
const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
const LABEL_SYSTEM = 'urn:aegle:model-class';

/** Builds the Bundle (DiagnosticReport + Observation) for one classified image. */
export function buildImagingReport(input: ImagingReportInput): ImagingBundle {
  const modelCode = `${input.model.name}@${input.model.version}`;
  const method: CodeableConcept = {
    coding: [
      {
        system: 'urn:aegle:model',
        code: modelCode,
        display: `${input.model.name} version ${input.model.version}`,
      },
    ],
    text: `${input.model.name} ${input.model.version}`,
  };
  const what = input.what ?? 'image';
  const code: CodeableConcept = {
    coding: [{ system: 'urn:aegle:model', code: `${input.model.name}:classification` }],
    text: `${input.model.name} ${what} classification`,
  };
  const p = input.probabilities;
  const top = p ? p[input.classIndex] : undefined;
  const labelCoding: Coding = {
    system: `${LABEL_SYSTEM}/${input.model.name}`,
    code: input.label,
    display: input.label,
  };
  const subject = input.subject ? { subject: { reference: input.subject } } : {};
  const modality = input.dicom?.modality;
  const category: CodeableConcept[] = [
    { coding: [{ system: OBS_CATEGORY, code: 'imaging', display: 'Imaging' }] },
  ];
  const observation: ImagingObservation = {
    resourceType: 'Observation',
    id: input.observationId,
    status: 'final',
    category,
    code,
    ...subject,
    effectiveDateTime: input.occurrence,
    issued: input.occurrence,
    method,
    valueCodeableConcept: { coding: [labelCoding], text: input.label },
    component: (p ?? []).map((v, k) => ({
      code: { text: `probability of ${input.classLabels?.[k] ?? String(k)}` },
      valueQuantity: { value: v, unit: '1', system: 'http://unitsofmeasure.org', code: '1' },
    })),
    ...(input.dicom?.sopInstanceUid
      ? { note: [{ text: `Derived from DICOM SOP instance ${input.dicom.sopInstanceUid}` }] }
      : {}),
  };
  const conclusion =
    top === undefined
      ? `${input.model.name} classifies the ${what} as ${input.label}.`
      : `${input.model.name} classifies the ${what} as ${input.label} (probability ${top.toFixed(3)}).`;
  const identifier = [
    ...(input.dicom?.studyInstanceUid
      ? [{ system: 'urn:dicom:uid', value: `urn:oid:${input.dicom.studyInstanceUid}` }]
      : []),
  ];
  const report: DiagnosticReport = {
    resourceType: 'DiagnosticReport',
    id: input.reportId,
    ...(identifier.length ? { identifier } : {}),
    status: 'final',
    category: [
      {
        coding: [
          { system: DR_CATEGORY, code: 'RAD', display: 'Radiology' },
          ...(modality ? [{ system: DCM, code: modality }] : []),
        ],
      },
    ],
    code,
    ...subject,
    effectiveDateTime: input.occurrence,
    issued: input.occurrence,
    result: [{ reference: `urn:uuid:${input.observationId}`, type: 'Observation' }],
    conclusion,
    conclusionCode: [{ coding: [labelCoding], text: input.label }],
  };
  return {
    resourceType: 'Bundle',
    type: 'collection',
    timestamp: input.occurrence,
    entry: [
      { fullUrl: `urn:uuid:${input.reportId}`, resource: report },
      { fullUrl: `urn:uuid:${input.observationId}`, resource: observation },
    ],
  };
}
