import { describe, expect, it } from 'vitest';
import { generateCohort } from '../../synth/index.js';
import { createPseudonymizer } from '../keys.js';
import { PhiGate } from './phi-gate.js';

const gate = new PhiGate({ pseudonymizer: createPseudonymizer(new Uint8Array(32).fill(7)) });
const NOTE =
  'Patient Carol Lawrence, DOB 08/21/1963, MRN 44600437, presented on 03/21/2018 to Dr. Watson. ' +
  'BP 138/89. Lives at 12 Oak Street, Springfield, IL 62704; phone (217) 555-1234. Carol agrees.';

function phiOfNote(): string[] {
  return [
    'Carol Lawrence',
    'Lawrence',
    '08/21/1963',
    '44600437',
    '03/21/2018',
    'Watson',
    '62704',
    '(217) 555-1234',
  ];
}

describe('PhiGate', () => {
  it('replaces every PHI value and restores them all', () => {
    const s = gate.session('conv-1');
    const out = s.protect(NOTE);
    for (const v of phiOfNote()) expect(out).not.toContain(v);
    expect(out).toContain('BP 138/89'); // clinical content untouched
    expect(s.restore(out)).toBe(NOTE);
    expect(s.replaced.NAME).toBeGreaterThanOrEqual(2);
  });

  it('is consistent within a conversation and differs between conversations', () => {
    const a = gate.session('conv-a');
    const first = a.protect('Seen: Carol Lawrence on 03/21/2018.');
    const again = a.protect('Carol Lawrence called back about 03/21/2018.');
    const surName = first.slice(6, first.indexOf(' on '));
    expect(again.startsWith(surName)).toBe(true);
    // same scope, new session (the history resent in a later request) ⇒ same surrogates
    expect(gate.session('conv-a').protect('Seen: Carol Lawrence on 03/21/2018.')).toBe(first);
    expect(gate.session('conv-b').protect('Seen: Carol Lawrence on 03/21/2018.')).not.toBe(first);
  });

  it('replaces a known value where it recurs without a cue, and restores name parts', () => {
    const s = gate.session('conv-parts');
    const p = s.protect('Patient: Carol Lawrence. Later lawrence said hello.');
    expect(p.toLowerCase()).not.toContain('lawrence');
    const fam = s.protect('Dr. Lawrence').replace('Dr. ', '');
    expect(s.restore(`Ms. ${fam} is stable`)).toBe('Ms. Lawrence is stable');
  });

  it('two different values never share a surrogate', () => {
    const s = gate.session('many');
    const names = Array.from(
      { length: 60 },
      (_, i) =>
        `Dr. Zorbul${String.fromCharCode(97 + (i % 26))}${String.fromCharCode(97 + Math.floor(i / 26))}`,
    );
    const out = s.protect(names.join(', '));
    const surs = out.split(', ').map((x) => x.replace('Dr. ', ''));
    expect(new Set(surs.map((x) => x.toLowerCase())).size).toBe(60);
    expect(s.restore(out)).toBe(names.join(', '));
  });

  it('restores a stream whatever the chunk boundaries', () => {
    const s = gate.session('stream');
    const prot = s.protect(NOTE);
    const answer = `Summary: ${prot} End.`;
    const expected = `Summary: ${NOTE} End.`;
    for (const size of [1, 2, 3, 5, 7, 13]) {
      const r = s.restorer();
      let got = '';
      for (let i = 0; i < answer.length; i += size) got += r.push(answer.slice(i, i + size));
      got += r.flush();
      expect(got).toBe(expected);
    }
  });

  it('streams release text promptly when no surrogate can be pending', () => {
    const s = gate.session('prompt');
    s.protect('Carol Lawrence');
    const r = s.restorer();
    expect(r.push('The patient is ')).toBe('The patient is ');
  });

  it('lets no generator PHI through on synthetic cohort notes', () => {
    const c = generateCohort({ patients: 150, seed: 11 });
    const notes = c.tables.notes;
    const text = notes.columns.find((x) => x.name === 'text') as unknown as {
      codes: Int32Array;
      dictionary: string[];
    };
    const pid = notes.columns.find((x) => x.name === 'patient_id') as unknown as {
      codes: Int32Array;
      dictionary: string[];
    };
    let checked = 0;
    for (let r = 0; r < notes.nRows; r++) {
      const note = text.dictionary[text.codes[r]];
      const patient = pid.dictionary[pid.codes[r]];
      const s = gate.session(`note-${r}`);
      const out = s.protect(note);
      for (const p of c.truth.phi) {
        if (p.patientId !== patient || !note.includes(p.value)) continue;
        expect(out, `${p.type} leaked`).not.toContain(p.value);
        checked++;
      }
      expect(s.restore(out)).toBe(note);
    }
    expect(checked).toBeGreaterThan(500);
  });
});
