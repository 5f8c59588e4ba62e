/**
 * Free-text visit notes that deliberately CONTAIN protected health information — the patient's name,
 * "Dr. <name>", dates, MRN, phone numbers, street address, city and ZIP, sometimes an e-mail address or a
 * Social Security number — so that de-identification can be tested. Every PHI value written is recorded
 * in a PhiRecord. One note per patient at the baseline visit, plus a follow-up note for 25 %.
 * Sentences contain commas and double quotes on purpose (CSV quoting must cope).
 */
import type { Frame, Rng } from '../core/index.js';
import { categoricalColumn, makeFrame } from '../core/index.js';
import { DAY_MS, F64Builder, I32Builder, usDate } from './builders.js';
import {
  AREA_CODES,
  LAST_NAMES,
  MAIL_DOMAINS,
  STREET_NAMES,
  STREET_SUFFIXES,
  ZIP_PREFIXES,
} from './names.js';
import { FIRST_NAMES, type Baseline } from './patients.js';
import type { PhiRecord } from './types.js';

const QUOTES = [
  'I feel fine, mostly',
  "I've been trying to walk more, at least on weekends",
  'my feet tingle at night',
  'I am always thirsty lately',
  'work has been stressful, sleep is poor',
];
const PLANS = [
  'Continue current medications.',
  'Counseled on diet and exercise; recheck labs in 3 months.',
  'Discussed weight loss goals, referred to nutrition.',
  'Repeat HbA1c and fasting glucose at next visit.',
  'Return sooner if symptoms worsen.',
];

/** Builds the notes table and the PHI it contains. */
export function buildNotes(
  b: Baseline,
  ids: readonly string[],
  idDict: readonly string[],
  rng: Rng,
): { frame: Frame; phi: PhiRecord[] } {
  const pid = new I32Builder(b.n * 1.3);
  const date = new F64Builder(b.n * 1.3);
  const texts: string[] = [];
  const phi: PhiRecord[] = [];
  const smokingText = ['Current smoker, counseled on cessation.', 'Former smoker.', 'Never smoker.'];
  for (let i = 0; i < b.n; i++) {
    const id = ids[i];
    const rec = (type: PhiRecord['type'], value: string) =>
      phi.push({ patientId: id, type, value, table: 'notes' });
    const first = FIRST_NAMES[b.firstName[i]];
    const last = LAST_NAMES[b.lastName[i]];
    const name = `${first} ${last}`;
    const mrn = String(b.mrn[i]);
    const zipInfo = ZIP_PREFIXES[b.zipPrefix[i]];
    const zip = zipInfo.prefix + String(b.zipSuffix[i]).padStart(2, '0');
    const phone = `(${AREA_CODES[rng.int(AREA_CODES.length)]}) ${200 + rng.int(800)}-${String(rng.int(10000)).padStart(4, '0')}`;
    const nNotes = rng.uniform() < 0.25 ? 2 : 1;
    for (let k = 0; k < nNotes; k++) {
      const when = k === 0 ? b.visitDate[i] : b.visitDate[i] + (180 + rng.int(540)) * DAY_MS;
      const dateText = usDate(when);
      const provider = LAST_NAMES[rng.int(LAST_NAMES.length)];
      const parts: string[] = [];
      rec('patient_name', name);
      rec('date', dateText);
      rec('provider_name', provider);
      const opener = rng.int(3);
      if (opener === 0) {
        parts.push(
          `${name} (MRN ${mrn}) was seen on ${dateText} by Dr. ${provider} for ${k === 0 ? 'an annual physical' : 'follow-up'}.`,
        );
        rec('mrn', mrn);
      } else if (opener === 1) {
        const dob = usDate(b.birthDate[i]);
        parts.push(`Patient ${name}, DOB ${dob}, MRN ${mrn}, presented on ${dateText} to Dr. ${provider}.`);
        rec('birth_date', dob);
        rec('mrn', mrn);
      } else {
        parts.push(
          `Visit ${dateText}: ${name}, ${b.age[i]}-year-old ${b.sex[i] === 0 ? 'woman' : 'man'}, seen by Dr. ${provider}.`,
        );
      }
      let clinical = `BP ${b.sbp[i]}/${b.dbp[i]}, BMI ${b.bmi[i]}, A1c ${b.hba1c[i]}%. ${smokingText[b.smoking[i]]}`;
      if (rng.uniform() < 0.4) clinical += ` States "${QUOTES[rng.int(QUOTES.length)]}".`;
      parts.push(clinical);
      const contact = rng.int(4);
      if (contact === 0) {
        const street = `${1 + rng.int(9899)} ${STREET_NAMES[rng.int(STREET_NAMES.length)]} ${STREET_SUFFIXES[rng.int(STREET_SUFFIXES.length)]}`;
        parts.push(`Lives at ${street}, ${zipInfo.city}, ${zipInfo.state} ${zip}; phone ${phone}.`);
        rec('address', street);
        rec('city', zipInfo.city);
        rec('zip', zip);
        rec('phone', phone);
      } else if (contact === 1) {
        parts.push(`Best contact number ${phone}.`);
        rec('phone', phone);
      } else if (contact === 2) {
        const email =
          `${first}.${last}${rng.int(100)}@${MAIL_DOMAINS[rng.int(MAIL_DOMAINS.length)]}`.toLowerCase();
        parts.push(`E-mail on file: ${email}, prefers portal messages.`);
        rec('email', email);
      }
      if (rng.uniform() < 0.1) {
        let area = 1 + rng.int(899);
        if (area === 666) area = 667;
        const ssn = `${String(area).padStart(3, '0')}-${String(1 + rng.int(99)).padStart(2, '0')}-${String(1 + rng.int(9999)).padStart(4, '0')}`;
        parts.push(`SSN ${ssn} verified for insurance.`);
        rec('ssn', ssn);
      } else if (parts.length < 4 && rng.uniform() < 0.6) {
        parts.push(PLANS[rng.int(PLANS.length)]);
      }
      pid.push(i);
      date.push(when);
      texts.push(parts.join(' '));
    }
  }
  const nNotes = texts.length;
  const noteIds = new Array<string>(nNotes);
  const width = Math.max(7, String(nNotes).length);
  for (let k = 0; k < nNotes; k++) noteIds[k] = `N${String(k + 1).padStart(width, '0')}`;
  const frame = makeFrame(
    [
      {
        kind: 'categorical',
        name: 'note_id',
        codes: Int32Array.from({ length: nNotes }, (_, k) => k),
        dictionary: noteIds,
      },
      { kind: 'categorical', name: 'patient_id', codes: pid.finish(), dictionary: idDict },
      { kind: 'datetime', name: 'date', values: date.finish() },
      categoricalColumn('text', texts),
    ],
    { note_id: 'id', date: 'time' },
  );
  return { frame, phi };
}
