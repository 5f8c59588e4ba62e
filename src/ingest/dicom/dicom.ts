/**
 * DICOM instances in (dcmjs): the metadata a model registry and a cohort need (modality, UIDs, pixel
 * spacing, dates) and the pixel data as a float image in modality units (RescaleSlope/Intercept applied,
 * PS3.3 C.7.6.3.1 / C.11.1). Uncompressed transfer syntaxes (implicit/explicit VR little endian,
 * explicit big endian) and JPEG baseline (1.2.840.10008.1.2.4.50, decoded with sharp/libjpeg) are
 * supported; other compressed syntaxes (JPEG-LS, JPEG 2000, RLE) are refused with a clear error.
 *
 * Dates (StudyDate, …) and patient attributes are PHI: `DicomMetadata` keeps dates for the table but
 * never patient name/ID, and `loggableMetadata` drops the dates too — log only that.
 */
// dcmjs ships no type declarations: the few members used are typed here.
// Loaded through require so this file compiles whether or not a `declare module 'dcmjs'` exists.
import { createRequire } from 'node:module';
const dcmjsModule: unknown = createRequire(import.meta.url)('dcmjs');
import sharp from 'sharp';
import { createError } from '../../core/index.js';
import '../errors.js';
import type { FloatImage } from './preprocess.js';

const dcmjs = dcmjsModule as {
  data: {
    DicomMessage: {
      readFile(
        buffer: ArrayBuffer,
        options?: Record<string, unknown>,
      ): { meta: Record<string, unknown>; dict: Record<string, unknown> };
    };
    DicomMetaDictionary: { naturalizeDataset(dict: Record<string, unknown>): Record<string, any> };
  };
};

export interface DicomMetadata {
  readonly sopInstanceUid: string | null;
  readonly sopClassUid: string | null;
  readonly studyInstanceUid: string | null;
  readonly seriesInstanceUid: string | null;
  readonly modality: string | null;
  readonly transferSyntaxUid: string | null;
  readonly rows: number;
  readonly columns: number;
  readonly frames: number;
  readonly samplesPerPixel: number;
  readonly photometricInterpretation: string | null;
  readonly bitsAllocated: number;
  readonly bitsStored: number;
  readonly pixelRepresentation: number;
  /** Row spacing, column spacing in mm. */
  readonly pixelSpacing: readonly [number, number] | null;
  readonly sliceThickness: number | null;
  readonly rescaleSlope: number;
  readonly rescaleIntercept: number;
  readonly windowCenter: number | null;
  readonly windowWidth: number | null;
  readonly instanceNumber: number | null;
  readonly manufacturer: string | null;
  readonly bodyPartExamined: string | null;
  /** PHI: ISO dates (YYYY-MM-DD). Never log. */
  readonly studyDate: string | null;
  readonly seriesDate: string | null;
  readonly acquisitionDate: string | null;
}

export interface DicomInstance {
  readonly metadata: DicomMetadata;
  /** Each frame in modality units (HU for CT), HWC float. */
  readonly frames: readonly FloatImage[];
}

const UNCOMPRESSED = new Set([
  '1.2.840.10008.1.2',
  '1.2.840.10008.1.2.1',
  '1.2.840.10008.1.2.2',
  '1.2.840.10008.1.2.1.99',
]);
const JPEG_BASELINE = '1.2.840.10008.1.2.4.50';

function first(v: unknown): unknown {
  return Array.isArray(v) ? v[0] : v;
}
function num(v: unknown): number | null {
  const x = first(v);
  if (x === undefined || x === null || x === '') return null;
  const n = Number(x);
  return Number.isFinite(n) ? n : null;
}
function str(v: unknown): string | null {
  const x = first(v);
  return x === undefined || x === null || x === '' ? null : String(x);
}
function isoDate(v: unknown): string | null {
  const s = str(v);
  if (!s || !/^\d{8}$/.test(s)) return null;
  return `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}`;
}

/** Metadata without PHI (no dates, no patient attributes): safe for logs. */
export function loggableMetadata(m: DicomMetadata): Record<string, unknown> {
  const { studyDate: _a, seriesDate: _b, acquisitionDate: _c, ...rest } = m;
  return rest;
}

/** Parses a DICOM Part 10 file. Throws AEGLE_INGEST_FORMAT (never echoing header values). */
export async function readDicom(bytes: Uint8Array, file = 'dicom'): Promise<DicomInstance> {
  let nat: Record<string, unknown>;
  let transferSyntaxUid: string | null;
  try {
    const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    const dict = dcmjs.data.DicomMessage.readFile(ab, {
      ignoreErrors: false,
      untilTag: undefined,
      includeUntilTagValue: false,
      noCopy: false,
    });
    nat = dcmjs.data.DicomMetaDictionary.naturalizeDataset(dict.dict);
    transferSyntaxUid = str(dcmjs.data.DicomMetaDictionary.naturalizeDataset(dict.meta).TransferSyntaxUID);
  } catch (e) {
    throw createError(
      'AEGLE_INGEST_FORMAT',
      { file, format: 'DICOM', reason: (e as Error).message.split('\n')[0] },
      { cause: e },
    );
  }
  const spacing =
    Array.isArray(nat.PixelSpacing) && nat.PixelSpacing.length >= 2
      ? ([Number(nat.PixelSpacing[0]), Number(nat.PixelSpacing[1])] as const)
      : null;
  const metadata: DicomMetadata = {
    sopInstanceUid: str(nat.SOPInstanceUID),
    sopClassUid: str(nat.SOPClassUID),
    studyInstanceUid: str(nat.StudyInstanceUID),
    seriesInstanceUid: str(nat.SeriesInstanceUID),
    modality: str(nat.Modality),
    transferSyntaxUid,
    rows: num(nat.Rows) ?? 0,
    columns: num(nat.Columns) ?? 0,
    frames: num(nat.NumberOfFrames) ?? 1,
    samplesPerPixel: num(nat.SamplesPerPixel) ?? 1,
    photometricInterpretation: str(nat.PhotometricInterpretation),
    bitsAllocated: num(nat.BitsAllocated) ?? 16,
    bitsStored: num(nat.BitsStored) ?? num(nat.BitsAllocated) ?? 16,
    pixelRepresentation: num(nat.PixelRepresentation) ?? 0,
    pixelSpacing: spacing,
    sliceThickness: num(nat.SliceThickness),
    rescaleSlope: num(nat.RescaleSlope) ?? 1,
    rescaleIntercept: num(nat.RescaleIntercept) ?? 0,
    windowCenter: num(nat.WindowCenter),
    windowWidth: num(nat.WindowWidth),
    instanceNumber: num(nat.InstanceNumber),
    manufacturer: str(nat.Manufacturer),
    bodyPartExamined: str(nat.BodyPartExamined),
    studyDate: isoDate(nat.StudyDate),
    seriesDate: isoDate(nat.SeriesDate),
    acquisitionDate: isoDate(nat.AcquisitionDate),
  };
  const pixelData = nat.PixelData as ArrayBuffer[] | undefined;
  if (!pixelData || pixelData.length === 0) return { metadata, frames: [] };
  const frames: FloatImage[] = [];
  const window =
    metadata.windowCenter !== null && metadata.windowWidth !== null && metadata.windowWidth > 0
      ? { center: metadata.windowCenter, width: metadata.windowWidth }
      : undefined;
  if (transferSyntaxUid === null || UNCOMPRESSED.has(transferSyntaxUid)) {
    const buf = pixelData[0];
    const perFrame = metadata.rows * metadata.columns * metadata.samplesPerPixel;
    const bigEndian = transferSyntaxUid === '1.2.840.10008.1.2.2';
    for (let f = 0; f < metadata.frames; f++)
      frames.push(decodeRaw(buf, f * perFrame, metadata, bigEndian, window, file));
  } else if (transferSyntaxUid === JPEG_BASELINE) {
    for (const frame of pixelData)
      frames.push(await decodeJpegFrame(new Uint8Array(frame), metadata, window));
  } else {
    throw createError('AEGLE_INGEST_FORMAT', {
      file,
      format: 'DICOM',
      reason: `transfer syntax ${transferSyntaxUid} (compressed) is not supported; use uncompressed or JPEG baseline`,
    });
  }
  return { metadata, frames };
}

function decodeRaw(
  buf: ArrayBuffer,
  offset: number,
  m: DicomMetadata,
  bigEndian: boolean,
  window: FloatImage['window'],
  file: string,
): FloatImage {
  const n = m.rows * m.columns * m.samplesPerPixel;
  const bytesPer = m.bitsAllocated / 8;
  if (buf.byteLength < (offset + n) * bytesPer) {
    throw createError('AEGLE_INGEST_FORMAT', {
      file,
      format: 'DICOM',
      reason: `pixel data holds ${buf.byteLength} bytes, fewer than ${m.rows}×${m.columns} pixels need`,
    });
  }
  const view = new DataView(buf);
  const out = new Float32Array(n);
  const signed = m.pixelRepresentation === 1;
  const shift = 32 - m.bitsStored;
  for (let i = 0; i < n; i++) {
    const at = (offset + i) * bytesPer;
    let v: number;
    if (m.bitsAllocated === 8) v = view.getUint8(at);
    else if (m.bitsAllocated === 16) v = view.getUint16(at, !bigEndian);
    else if (m.bitsAllocated === 32) v = view.getUint32(at, !bigEndian);
    else
      throw createError('AEGLE_INGEST_FORMAT', {
        file,
        format: 'DICOM',
        reason: `BitsAllocated ${m.bitsAllocated} is not supported`,
      });
    // keep BitsStored bits, sign-extend when signed
    v = signed ? (v << shift) >> shift : m.bitsStored < 32 ? v & ((1 << m.bitsStored) - 1) : v >>> 0;
    out[i] = v * m.rescaleSlope + m.rescaleIntercept;
  }
  // interleaved (PlanarConfiguration 0) is already HWC; MONOCHROME1 is inverted by a preprocessing step
  return { width: m.columns, height: m.rows, channels: m.samplesPerPixel, data: out, window };
}

async function decodeJpegFrame(
  bytes: Uint8Array,
  m: DicomMetadata,
  window: FloatImage['window'],
): Promise<FloatImage> {
  const { data, info } = await sharp(bytes).raw().toBuffer({ resolveWithObject: true });
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i] * m.rescaleSlope + m.rescaleIntercept;
  return { width: info.width, height: info.height, channels: info.channels, data: out, window };
}
