import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { deidentifyDicom, pixelBytes, readDicom } from './dicom.js';
import { createPseudonymizer } from './keys.js';

const p = createPseudonymizer(new Uint8Array(32).fill(4));
const load = (f: string) =>
  new Uint8Array(readFileSync(new URL(`../../../shared/data/dicom/${f}`, import.meta.url)));

describe.each(['CT_small.dcm', 'MR_small.dcm'])('DICOM Basic Profile on %s', (file) => {
  const input = load(file);
  const before = readDicom(input);
  const { bytes, report } = deidentifyDicom(input, { pseudonymizer: p }, file);
  const after = readDicom(bytes);

  it('keeps no patient name, patient id, dates or private tags; marks identity removed', () => {
    const d = after.dict;
    const empty = (v: unknown[] | undefined) => (v ?? []).every((x) => x === '' || x === null);
    expect(empty(d['00100010']?.Value)).toBe(true);
    expect(String(d['00100020'].Value?.[0])).not.toBe(String(before.dict['00100020'].Value?.[0]));
    expect(String(d['00100020'].Value?.[0])).toMatch(/^ANON/);
    for (const [tag, el] of Object.entries(d)) {
      expect((Number.parseInt(tag.slice(0, 4), 16) & 1) === 1).toBe(false);
      if (['DA', 'DT', 'TM', 'PN'].includes(el.vr)) expect(empty(el.Value)).toBe(true);
    }
    expect(d['00120062'].Value).toEqual(['YES']);
    expect(report.removed + report.emptied).toBeGreaterThan(10);
  });
  it('leaves pixel data byte-identical and remaps UIDs consistently to 2.25.x', () => {
    expect(Buffer.compare(Buffer.from(pixelBytes(before)!), Buffer.from(pixelBytes(after)!))).toBe(0);
    const study = String(after.dict['0020000D'].Value?.[0]);
    expect(study).toMatch(/^2\.25\.\d+$/);
    expect(study.length).toBeLessThanOrEqual(64);
    expect(String(after.dict['00080016'].Value?.[0])).toBe(String(before.dict['00080016'].Value?.[0])); // SOP Class kept
    expect(after.meta['00020003'].Value?.[0]).toBe(after.dict['00080018'].Value?.[0]);
    const again = readDicom(deidentifyDicom(input, { pseudonymizer: p }).bytes);
    expect(again.dict['0020000D'].Value?.[0]).toBe(study);
    const otherKey = readDicom(
      deidentifyDicom(input, { pseudonymizer: createPseudonymizer(new Uint8Array(32).fill(5)) }).bytes,
    );
    expect(otherKey.dict['0020000D'].Value?.[0]).not.toBe(study);
  });
});

describe('DICOM input errors', () => {
  it('refuses non-DICOM bytes with a coded error', () => {
    expect(() => deidentifyDicom(new Uint8Array(10), { pseudonymizer: p })).toThrowError(
      expect.objectContaining({ code: 'AEGLE_PRIVACY_DICOM' }),
    );
    const fake = new Uint8Array(200);
    fake.set(Buffer.from('DICM'), 128);
    expect(() => deidentifyDicom(fake, { pseudonymizer: p })).toThrowError(
      expect.objectContaining({ code: 'AEGLE_PRIVACY_DICOM' }),
    );
  });
});
