import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { DuckStore } from '../../store/index.js';
import {
  CT_WINDOWS,
  applySteps,
  imageToTensor,
  ingestDicomMetadata,
  loggableMetadata,
  readDicom,
  readImageOrDicom,
  resizeImage,
} from './index.js';

const DIR = new URL('../../../../shared/data/dicom/', import.meta.url).pathname;
const ct = () => new Uint8Array(readFileSync(`${DIR}CT_small.dcm`));
const mr = () => new Uint8Array(readFileSync(`${DIR}MR_small.dcm`));

describe('DICOM in', () => {
  it('reads CT metadata and pixels in Hounsfield units', async () => {
    const { metadata: m, frames } = await readDicom(ct());
    expect(m).toMatchObject({
      modality: 'CT',
      rows: 128,
      columns: 128,
      rescaleSlope: 1,
      rescaleIntercept: -1024,
      transferSyntaxUid: '1.2.840.10008.1.2.1',
    });
    expect(m.pixelSpacing).toEqual([0.661468, 0.661468]);
    expect(m.studyDate).toBe('2004-01-19');
    expect(m.studyInstanceUid).toMatch(/^[\d.]+$/);
    expect(frames).toHaveLength(1);
    const hu = frames[0].data;
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of hu) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    // a CT slice: air/background near −1024 HU at the low end, tissue well above it
    expect(lo).toBeGreaterThanOrEqual(-1024);
    expect(hi).toBeGreaterThan(0);
    // loggable metadata has no dates
    const safe = loggableMetadata(m);
    expect(Object.keys(safe).filter((k) => /date/i.test(k))).toEqual([]);
    expect(JSON.stringify(safe)).not.toContain('2004-01-19');
  });

  it('MR pixels are 12-bit values and the file window (600/1600) is applied', async () => {
    const bytes = mr();
    const { metadata: m, frames } = await readDicom(bytes);
    expect(m).toMatchObject({ modality: 'MR', rows: 64, columns: 64, windowCenter: 600, windowWidth: 1600 });
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of frames[0].data) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThanOrEqual(4095);
    const w = applySteps(frames[0], [{ op: 'window', preset: 'file' }]);
    for (let i = 0; i < w.data.length; i += 97)
      expect(w.data[i]).toBeCloseTo(Math.min(1, Math.max(0, (frames[0].data[i] - (600 - 800)) / 1600)), 6);
  });

  it('windows with CT presets and lays out the tensor a model expects', async () => {
    const { frames } = await readDicom(ct());
    const lung = applySteps(frames[0], [{ op: 'window', preset: 'lung' }]).data;
    const { center, width } = CT_WINDOWS.lung;
    const i = 64 * 128 + 64;
    expect(lung[i]).toBeCloseTo(
      Math.min(1, Math.max(0, (frames[0].data[i] - (center - width / 2)) / width)),
      6,
    );
    const t = imageToTensor(frames[0], {
      steps: [
        { op: 'window', preset: 'brain' },
        { op: 'resize', width: 28, height: 28 },
        { op: 'rgb' },
        { op: 'normalize', mean: [0.5], std: [0.5] },
      ],
    });
    expect(t.shape).toEqual([1, 3, 28, 28]);
    expect(Math.min(...t.data)).toBeGreaterThanOrEqual(-1);
    expect(Math.max(...t.data)).toBeLessThanOrEqual(1);
  });

  it('bilinear resize keeps a constant image constant and a ramp monotone', () => {
    const img = { width: 4, height: 2, channels: 1, data: Float32Array.of(0, 1, 2, 3, 0, 1, 2, 3) };
    const r = resizeImage(img, 8, 2);
    for (let x = 1; x < 8; x++) expect(r.data[x]).toBeGreaterThanOrEqual(r.data[x - 1]);
    expect(r.data[0]).toBe(0);
    expect(r.data[7]).toBe(3);
  });

  it('reads PNG and JPEG through one entry point, and DICOM by its magic', async () => {
    const raw = Buffer.alloc(10 * 6 * 3, 0);
    for (let i = 0; i < 60; i++) raw[i * 3] = 200;
    const png = new Uint8Array(
      await sharp(raw, { raw: { width: 10, height: 6, channels: 3 } })
        .png()
        .toBuffer(),
    );
    const { image, source } = await readImageOrDicom(png);
    expect(source).toBe('image');
    expect([image.width, image.height, image.channels]).toEqual([10, 6, 3]);
    expect(image.data[0]).toBe(200);
    const jpg = new Uint8Array(
      await sharp(raw, { raw: { width: 10, height: 6, channels: 3 } })
        .jpeg({ quality: 95 })
        .toBuffer(),
    );
    const j = await readImageOrDicom(jpg);
    expect(Math.abs(j.image.data[0] - 200)).toBeLessThan(8);
    expect((await readImageOrDicom(ct())).source).toBe('dicom');
    await expect(readImageOrDicom(new Uint8Array([1, 2, 3]))).rejects.toMatchObject({
      code: 'AEGLE_INGEST_FORMAT',
    });
  });

  it('writes a metadata table per instance into DuckDB', async () => {
    const db = await DuckStore.create({ path: ':memory:' });
    const r = await ingestDicomMetadata(db, [`${DIR}CT_small.dcm`, `${DIR}MR_small.dcm`], 'dicom_meta');
    expect(r.dataset.rows).toBe(2);
    const rows = await db.all<{ modality: string; study_date: unknown }>(
      `SELECT modality, study_date FROM "${r.dataset.table}" ORDER BY modality`,
    );
    expect(rows.map((x) => x.modality)).toEqual(['CT', 'MR']);
    const again = await ingestDicomMetadata(db, [`${DIR}CT_small.dcm`, `${DIR}MR_small.dcm`], 'dicom_meta');
    expect(again.unchanged).toBe(true);
    await db.close();
  });
});
