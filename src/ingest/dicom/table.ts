/** DICOM instance metadata as a dataset: one row per instance (UIDs, modality, geometry, dates). */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { DuckStore } from '../../store/index.js';
import { type ColumnTypes, hashParts, writeRecordTable } from '../genomics/table-writer.js';
import { type DicomMetadata, readDicom } from './dicom.js';

export const DICOM_COLUMNS: ColumnTypes = [
  ['file', 'VARCHAR'],
  ['sop_instance_uid', 'VARCHAR'],
  ['sop_class_uid', 'VARCHAR'],
  ['study_instance_uid', 'VARCHAR'],
  ['series_instance_uid', 'VARCHAR'],
  ['modality', 'VARCHAR'],
  ['transfer_syntax_uid', 'VARCHAR'],
  ['rows', 'INTEGER'],
  ['columns', 'INTEGER'],
  ['frames', 'INTEGER'],
  ['photometric', 'VARCHAR'],
  ['bits_allocated', 'INTEGER'],
  ['pixel_spacing_row_mm', 'DOUBLE'],
  ['pixel_spacing_col_mm', 'DOUBLE'],
  ['slice_thickness_mm', 'DOUBLE'],
  ['rescale_slope', 'DOUBLE'],
  ['rescale_intercept', 'DOUBLE'],
  ['window_center', 'DOUBLE'],
  ['window_width', 'DOUBLE'],
  ['instance_number', 'INTEGER'],
  ['manufacturer', 'VARCHAR'],
  ['body_part', 'VARCHAR'],
  ['study_date', 'DATE'],
  ['series_date', 'DATE'],
];

export function dicomRow(file: string, m: DicomMetadata): Record<string, unknown> {
  return {
    file,
    sop_instance_uid: m.sopInstanceUid,
    sop_class_uid: m.sopClassUid,
    study_instance_uid: m.studyInstanceUid,
    series_instance_uid: m.seriesInstanceUid,
    modality: m.modality,
    transfer_syntax_uid: m.transferSyntaxUid,
    rows: m.rows,
    columns: m.columns,
    frames: m.frames,
    photometric: m.photometricInterpretation,
    bits_allocated: m.bitsAllocated,
    pixel_spacing_row_mm: m.pixelSpacing?.[0] ?? null,
    pixel_spacing_col_mm: m.pixelSpacing?.[1] ?? null,
    slice_thickness_mm: m.sliceThickness,
    rescale_slope: m.rescaleSlope,
    rescale_intercept: m.rescaleIntercept,
    window_center: m.windowCenter,
    window_width: m.windowWidth,
    instance_number: m.instanceNumber,
    manufacturer: m.manufacturer,
    body_part: m.bodyPartExamined,
    study_date: m.studyDate,
    series_date: m.seriesDate,
  };
}

/** Ingests the metadata of DICOM files as dataset `name` (atomic; unchanged if the same files were ingested). */
export async function ingestDicomMetadata(db: DuckStore, files: readonly string[], name: string) {
  const bytes = files.map((f) => new Uint8Array(readFileSync(f)));
  const hash = hashParts('dicom-metadata-v1', ...bytes);
  async function* rows() {
    for (let i = 0; i < files.length; i++)
      yield dicomRow(path.basename(files[i]), (await readDicom(bytes[i], path.basename(files[i]))).metadata);
  }
  return writeRecordTable(db, rows(), {
    name,
    columns: DICOM_COLUMNS,
    contentHash: hash,
    source: `files:${files.length} DICOM`,
    format: 'dicom',
  });
}
