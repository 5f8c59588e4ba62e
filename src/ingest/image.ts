/**
 * PNG / JPEG / WebP / TIFF images in, via sharp (libvips): decoded to a float image in 0–255, HWC.
 * Alpha is dropped. Detects DICOM by its `DICM` magic at byte 128 so one entry point takes either.
 */
import sharp from 'sharp';
import { createError } from '../core/index.js';
import { readDicom } from './dicom/dicom.js';
import type { FloatImage } from './dicom/preprocess.js';
import './errors.js';

export async function readImage(bytes: Uint8Array, file = 'image'): Promise<FloatImage> {
  try {
    const { data, info } = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    return { width: info.width, height: info.height, channels: info.channels, data: Float32Array.from(data) };
  } catch (e) {
    throw createError(
      'AEGLE_INGEST_FORMAT',
      { file, format: 'image (PNG/JPEG)', reason: (e as Error).message.split('\n')[0] },
      { cause: e },
    );
  }
}

export function isDicom(bytes: Uint8Array): boolean {
  return (
    bytes.length > 132 &&
    bytes[128] === 0x44 &&
    bytes[129] === 0x49 &&
    bytes[130] === 0x43 &&
    bytes[131] === 0x4d
  );
}

/** Reads a DICOM (first frame) or a common image format. */
export async function readImageOrDicom(
  bytes: Uint8Array,
  file = 'image',
): Promise<{ image: FloatImage; source: 'dicom' | 'image' }> {
  if (isDicom(bytes)) {
    const inst = await readDicom(bytes, file);
    if (!inst.frames.length)
      throw createError('AEGLE_INGEST_FORMAT', { file, format: 'DICOM', reason: 'it holds no pixel data' });
    return { image: inst.frames[0], source: 'dicom' };
  }
  return { image: await readImage(bytes, file), source: 'image' };
}
