/**
 * DICOM de-identification after the Basic Application Level Confidentiality Profile
 * (DICOM PS3.15 Annex E, Table E.1-1): per tag remove (X), empty (Z), replace with a dummy (D), keep
 * (K) or remap UIDs (U); every private tag (odd group) is removed; UIDs are remapped consistently under
 * the secret key to `2.25.<decimal of 128 keyed bits>` (PS3.5 §B.2), so the same study de-identified
 * twice, or two series of one study, still link. Pixel data are never touched. Sequences are walked
 * recursively. Adds PatientIdentityRemoved = YES and DeidentificationMethod.
 *
 * This implements the profile's rules for the attributes listed below plus two generic rules (all
 * person names emptied, all dates/times emptied), which cover every PN/DA/DT/TM attribute of Table
 * E.1-1; it does not implement the profile's options (retain longitudinal dates, retain device
 * identity, clean pixel data for burnt-in text, …).
 */
// dcmjs ships no type declarations of its own: the few members used are typed here.
import dcmjsModule from 'dcmjs';
import { createError } from '../core/index.js';
import './errors.js';
import type { Pseudonymizer } from './keys.js';

interface DicomElement {
  vr: string;
  Value?: unknown[];
  _rawValue?: unknown;
}
type DicomDataset = Record<string, DicomElement>;
interface DicomDict {
  meta: DicomDataset;
  dict: DicomDataset;
  write(): ArrayBuffer;
}
const dcmjs = dcmjsModule as unknown as {
  data: { DicomMessage: { readFile(buf: ArrayBuffer, opts?: Record<string, unknown>): DicomDict } };
};

export type DicomAction = 'X' | 'Z' | 'D' | 'K' | 'U';

/** Table E.1-1 actions for the attributes that commonly carry identity (tag → action). */
export const BASIC_PROFILE: Readonly<Record<string, DicomAction>> = {
  '00080014': 'U', // Instance Creator UID
  '00080018': 'U', // SOP Instance UID
  '00080050': 'Z', // Accession Number
  '00080080': 'X', // Institution Name
  '00080081': 'X', // Institution Address
  '00080090': 'Z', // Referring Physician's Name
  '00080092': 'X', // Referring Physician's Address
  '00080094': 'X', // Referring Physician's Telephone Numbers
  '00080096': 'X', // Referring Physician Identification Sequence
  '00081010': 'X', // Station Name
  '00081030': 'X', // Study Description
  '0008103E': 'X', // Series Description
  '00081040': 'X', // Institutional Department Name
  '00081048': 'X', // Physician(s) of Record
  '00081050': 'X', // Performing Physician's Name
  '00081060': 'X', // Name of Physician(s) Reading Study
  '00081070': 'X', // Operators' Name
  '00081080': 'X', // Admitting Diagnoses Description
  '00081110': 'X', // Referenced Study Sequence
  '00081111': 'X', // Referenced Performed Procedure Step Sequence
  '00081120': 'X', // Referenced Patient Sequence
  '00082111': 'X', // Derivation Description
  '00100010': 'Z', // Patient's Name
  '00100020': 'D', // Patient ID (replaced by a keyed pseudonym)
  '00100021': 'X', // Issuer of Patient ID
  '00100030': 'Z', // Patient's Birth Date
  '00100032': 'X', // Patient's Birth Time
  '00100040': 'Z', // Patient's Sex
  '00100050': 'X', // Patient's Insurance Plan Code Sequence
  '00101000': 'X', // Other Patient IDs
  '00101001': 'X', // Other Patient Names
  '00101002': 'X', // Other Patient IDs Sequence
  '00101005': 'X', // Patient's Birth Name
  '00101010': 'X', // Patient's Age
  '00101020': 'X', // Patient's Size
  '00101030': 'X', // Patient's Weight
  '00101040': 'X', // Patient's Address
  '00101060': 'X', // Patient's Mother's Birth Name
  '00101080': 'X', // Military Rank
  '00101081': 'X', // Branch of Service
  '00101090': 'X', // Medical Record Locator
  '00102150': 'X', // Country of Residence
  '00102152': 'X', // Region of Residence
  '00102154': 'X', // Patient's Telephone Numbers
  '00102160': 'X', // Ethnic Group
  '00102180': 'X', // Occupation
  '001021B0': 'X', // Additional Patient History
  '001021F0': 'X', // Patient's Religious Preference
  '00104000': 'X', // Patient Comments
  '00181000': 'X', // Device Serial Number
  '00181030': 'X', // Protocol Name
  '00184000': 'X', // Acquisition Comments
  '0020000D': 'U', // Study Instance UID
  '0020000E': 'U', // Series Instance UID
  '00200010': 'Z', // Study ID
  '00200052': 'U', // Frame of Reference UID
  '00200200': 'U', // Synchronization Frame of Reference UID
  '00204000': 'X', // Image Comments
  '00321032': 'X', // Requesting Physician
  '00321060': 'X', // Requested Procedure Description
  '00380010': 'X', // Admission ID
  '00400006': 'X', // Scheduled Performing Physician's Name
  '00400244': 'X', // Performed Procedure Step Start Date
  '00400253': 'X', // Performed Procedure Step ID
  '00400254': 'X', // Performed Procedure Step Description
  '00400275': 'X', // Request Attributes Sequence
  '00401001': 'X', // Requested Procedure ID
  '00402016': 'X', // Placer Order Number / Imaging Service Request
  '00402017': 'X', // Filler Order Number / Imaging Service Request
  '00700084': 'Z', // Content Creator's Name
  '00880140': 'U', // Storage Media File-set UID
  '30060024': 'U', // Referenced Frame of Reference UID
  '300600C2': 'U', // Related Frame of Reference UID
  '7FE00010': 'K', // Pixel Data: never touched
};

const DICOM_ROOT = '1.2.840.10008.';
const DATE_VRS = new Set(['DA', 'DT', 'TM']);

export interface DicomDeidOptions {
  readonly pseudonymizer: Pseudonymizer;
}

export interface DicomDeidReport {
  readonly removed: number;
  readonly emptied: number;
  readonly replaced: number;
  readonly uidsRemapped: number;
  readonly privateRemoved: number;
}

/** Remaps a UID to `2.25.<decimal>` from 128 keyed bits (deterministic under the key). */
export function remapUid(uid: string, p: Pseudonymizer): string {
  const h = p.hmac(uid.trim(), 'dicom-uid').subarray(0, 16);
  return `2.25.${BigInt(`0x${h.toString('hex')}`).toString(10)}`;
}

function isPrivate(tag: string): boolean {
  return (Number.parseInt(tag.slice(0, 4), 16) & 1) === 1;
}

function walk(
  ds: DicomDataset,
  p: Pseudonymizer,
  r: { -readonly [K in keyof DicomDeidReport]: number },
): void {
  for (const tag of Object.keys(ds)) {
    const el = ds[tag];
    const up = tag.toUpperCase();
    if (isPrivate(up)) {
      delete ds[tag];
      r.privateRemoved++;
      continue;
    }
    let action = BASIC_PROFILE[up];
    if (!action) {
      if (el.vr === 'PN') action = 'Z';
      else if (DATE_VRS.has(el.vr)) action = 'Z';
      else if (el.vr === 'UI') action = 'U';
      else action = 'K';
    }
    switch (action) {
      case 'X':
        delete ds[tag];
        r.removed++;
        break;
      case 'Z':
        el.Value = [];
        delete el._rawValue;
        r.emptied++;
        break;
      case 'D': {
        const v = Array.isArray(el.Value) && el.Value.length ? String(el.Value[0]) : '';
        el.Value = [v ? p.pseudonym(v, 'dicom-patient', 'ANON') : 'ANON'];
        delete el._rawValue;
        r.replaced++;
        break;
      }
      case 'U': {
        if (Array.isArray(el.Value)) {
          el.Value = el.Value.map((u) => {
            const s = String(u ?? '');
            if (!s || s.startsWith(DICOM_ROOT)) return s;
            r.uidsRemapped++;
            return remapUid(s, p);
          });
          delete el._rawValue;
        }
        break;
      }
      case 'K':
        if (el.vr === 'SQ' && Array.isArray(el.Value))
          for (const item of el.Value) walk(item as DicomDataset, p, r);
        break;
    }
  }
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

/** Parses DICOM Part 10 bytes; throws AEGLE_PRIVACY_DICOM when they are not. */
export function readDicom(bytes: Uint8Array, file = '(bytes)'): DicomDict {
  if (bytes.length < 132 || Buffer.from(bytes.subarray(128, 132)).toString('latin1') !== 'DICM') {
    throw createError('AEGLE_PRIVACY_DICOM', { file, reason: "no 'DICM' marker at byte 128" });
  }
  try {
    return dcmjs.data.DicomMessage.readFile(toArrayBuffer(bytes));
  } catch (e) {
    throw createError(
      'AEGLE_PRIVACY_DICOM',
      { file, reason: (e as Error).message.split('\n')[0] },
      { cause: e },
    );
  }
}

/** The bytes of the Pixel Data element, or null. */
export function pixelBytes(d: DicomDict): Uint8Array | null {
  const el = d.dict['7FE00010'];
  const v = el?.Value?.[0];
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  return null;
}

/** De-identifies DICOM Part 10 bytes; returns the new file's bytes and what was done. */
export function deidentifyDicom(
  bytes: Uint8Array,
  o: DicomDeidOptions,
  file = '(bytes)',
): { bytes: Uint8Array; report: DicomDeidReport } {
  const d = readDicom(bytes, file);
  const r = { removed: 0, emptied: 0, replaced: 0, uidsRemapped: 0, privateRemoved: 0 };
  walk(d.dict, o.pseudonymizer, r);
  d.dict['00120062'] = { vr: 'CS', Value: ['YES'] };
  d.dict['00120063'] = { vr: 'LO', Value: ['DICOM PS3.15 E.1 Basic Profile (Aegle)'] };
  const sop = d.dict['00080018']?.Value?.[0];
  if (sop && d.meta['00020003']) d.meta['00020003'].Value = [String(sop)];
  for (const k of Object.keys(d.meta)) delete d.meta[k]._rawValue;
  let out: ArrayBuffer;
  try {
    out = d.write();
  } catch (e) {
    throw createError(
      'AEGLE_PRIVACY_DICOM',
      { file, reason: `cannot write: ${(e as Error).message.split('\n')[0]}` },
      { cause: e },
    );
  }
  return { bytes: new Uint8Array(out), report: r };
}
