/**
 * De-identification commands: `aegle deid text|dicom|fhir|table`, and `aegle deid NAME` (= table).
 * Thin over src/privacy. Output files are written atomically; bad input is a coded AEGLE_PRIVACY_*
 * error (exit 1). Nothing from the data is ever printed except the de-identified output and counts.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { Option } from 'commander';
import { createError, sha256Hex } from '../../core/index.js';
import { readFrame, saveFrameAsVersion } from '../../dataset/index.js';
import {
  type ColumnAction,
  COLUMN_ACTIONS,
  type Pseudonymizer,
  anonymize,
  createPseudonymizer,
  deidentifyDicom,
  deidentifyFrame,
  kAnonymity,
  parseKey,
  prosecutorRisk,
  redactText,
  writeFileAtomicSync,
} from '../../privacy/index.js';
import { createFhirAnonymizer, deidentifyFhirNdjson } from '../../privacy/fhir/index.js';
import { getVersion, parseDatasetRef } from '../../store/index.js';
import { type CliContext, formatTable } from '../context.js';
import { withStore } from '../store.js';

const collect = (v: string, prev: string[] = []) => [...prev, v];

function secret(ctx: CliContext): { p: Pseudonymizer; keyHash: string; ephemeral: boolean } {
  if (ctx.config.secretKey) {
    const k = parseKey(ctx.config.secretKey, 'AEGLE_SECRET_KEY');
    return { p: createPseudonymizer(k), keyHash: sha256Hex(k).slice(0, 16), ephemeral: false };
  }
  ctx.err(
    'notice: no AEGLE_SECRET_KEY set; using a one-off random key, so pseudonyms and date shifts will differ from other runs.',
  );
  const k = new Uint8Array(randomBytes(32));
  return { p: createPseudonymizer(k), keyHash: sha256Hex(k).slice(0, 16), ephemeral: true };
}

function requireOut(out: string | undefined): asserts out is string {
  if (!out) throw createError('AEGLE_PRIVACY_BAD_INPUT', { what: '--out', reason: 'name the output file' });
}

function readInput(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    throw createError('AEGLE_PRIVACY_BAD_INPUT', {
      what: `Input file '${file}'`,
      reason: `cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'})`,
    });
  }
}

function parsePolicy(items: string[] | undefined): Record<string, ColumnAction> {
  const out: Record<string, ColumnAction> = {};
  for (const item of (items ?? []).flatMap((s) => s.split(','))) {
    const eq = item.lastIndexOf('=');
    const col = item.slice(0, eq);
    const action = item.slice(eq + 1) as ColumnAction;
    if (eq <= 0 || !COLUMN_ACTIONS.includes(action)) {
      throw createError('AEGLE_PRIVACY_BAD_POLICY', {
        column: eq > 0 ? col : item,
        reason: `expected COLUMN=ACTION with ACTION one of ${COLUMN_ACTIONS.join(', ')}`,
      });
    }
    out[col] = action;
  }
  return out;
}

/** `aegle deid text`: JSONL of {"text"} → JSONL of {"text": redacted, "entities": [{start,end,type}]}. */
export function deidTextFile(
  input: string,
  out: string,
  o: { mode?: 'tag' | 'surrogate'; pseudonymizer?: Pseudonymizer },
): { lines: number; entities: number } {
  const raw = readInput(input).toString('utf8');
  const lines = raw.split(/\r?\n/);
  const outLines: string[] = [];
  let entities = 0;
  lines.forEach((line, k) => {
    if (!line.trim()) return;
    let obj: unknown;
    try {
      obj = JSON.parse(line);
    } catch {
      throw createError('AEGLE_PRIVACY_BAD_INPUT', {
        what: `${input} line ${k + 1}`,
        reason: 'not valid JSON',
      });
    }
    if (
      !obj ||
      typeof obj !== 'object' ||
      Array.isArray(obj) ||
      typeof (obj as { text?: unknown }).text !== 'string'
    ) {
      throw createError('AEGLE_PRIVACY_BAD_INPUT', {
        what: `${input} line ${k + 1}`,
        reason: 'expected an object with a string "text"',
      });
    }
    const r = redactText((obj as { text: string }).text, { mode: o.mode, pseudonymizer: o.pseudonymizer });
    entities += r.entities.length;
    outLines.push(
      JSON.stringify({
        text: r.text,
        entities: r.entities.map((e) => ({ start: e.start, end: e.end, type: e.type })),
      }),
    );
  });
  writeFileAtomicSync(out, outLines.length ? `${outLines.join('\n')}\n` : '');
  return { lines: outLines.length, entities };
}

function parseJsonFile(file: string): unknown {
  try {
    return JSON.parse(readInput(file).toString('utf8'));
  } catch (e) {
    if ((e as { code?: string }).code === 'AEGLE_PRIVACY_BAD_INPUT') throw e;
    throw createError('AEGLE_PRIVACY_BAD_INPUT', { what: `'${file}'`, reason: 'not valid JSON' });
  }
}

/** `aegle deid fhir`: a resource/Bundle (.json) or NDJSON (.ndjson) under a Microsoft-format config. */
export function deidFhirFile(
  input: string,
  out: string,
  o: { config: string; pseudonymizer?: () => Pseudonymizer },
): { resources: number; operations: Record<string, number> } {
  const anonymizer = createFhirAnonymizer(parseJsonFile(o.config), { pseudonymizer: o.pseudonymizer });
  const scope = anonymizer.config.parameters.dateShiftScope;
  const dateShiftKeyPrefix = scope === 'folder' ? basename(dirname(resolve(input))) : basename(input);
  if (/\.(ndjson|jsonl)$/i.test(input)) {
    const r = deidentifyFhirNdjson(readInput(input).toString('utf8'), anonymizer, {
      dateShiftKeyPrefix,
      source: input,
    });
    writeFileAtomicSync(out, r.text);
    return { resources: r.resources, operations: r.operations };
  }
  const r = anonymizer.deidentify(parseJsonFile(input), { dateShiftKeyPrefix });
  writeFileAtomicSync(out, `${JSON.stringify(r.resource, null, 2)}\n`);
  return { resources: 1, operations: r.operations };
}

interface TableOpts {
  preset: string;
  out?: string;
  dates: 'year' | 'shift';
  policy?: string[];
  k?: string;
  qi?: string;
  maxSuppression: string;
  dryRun?: boolean;
  json?: boolean;
}

async function deidTable(ctx: CliContext, ref: string, o: TableOpts): Promise<void> {
  if (o.preset !== 'safe-harbor' && o.preset !== 'none') {
    throw createError('AEGLE_PRIVACY_BAD_INPUT', {
      what: '--preset',
      reason: `expected safe-harbor or none, got '${o.preset}'`,
    });
  }
  if (!o.dryRun && !o.out)
    throw createError('AEGLE_PRIVACY_BAD_INPUT', {
      what: '--out',
      reason: 'name the new dataset (or pass --dry-run)',
    });
  const k = o.k !== undefined ? Number(o.k) : undefined;
  if (k !== undefined && (!Number.isInteger(k) || k < 1))
    throw createError('AEGLE_PRIVACY_BAD_INPUT', { what: '--k', reason: 'expected an integer ≥ 1' });
  const qi = o.qi
    ? o.qi
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : [];
  if (k !== undefined && !qi.length)
    throw createError('AEGLE_PRIVACY_BAD_INPUT', {
      what: '--qi',
      reason: 'name the quasi-identifiers when --k is given',
    });
  const maxSuppression = Number(o.maxSuppression);
  if (!(maxSuppression >= 0 && maxSuppression <= 1))
    throw createError('AEGLE_PRIVACY_BAD_INPUT', {
      what: '--max-suppression',
      reason: 'expected a share in [0, 1]',
    });
  const policy = parsePolicy(o.policy);
  const key = secret(ctx);
  const { name, version } = parseDatasetRef(ref);
  const res = await withStore(ctx, async (db) => {
    const v = await getVersion(db, name, version);
    const frame = await readFrame(db, v);
    const de = deidentifyFrame(frame, {
      preset: o.preset as 'safe-harbor' | 'none',
      policy,
      dates: o.dates,
      pseudonymizer: key.p,
    });
    let outFrame = de.frame;
    let risk: Record<string, unknown> | null = null;
    if (qi.length) {
      const before = { k: kAnonymity(outFrame, qi).k, prosecutor: prosecutorRisk(outFrame, qi) };
      if (k !== undefined) {
        const a = anonymize(outFrame, { qi, k, maxSuppression });
        outFrame = a.frame;
        risk = {
          qi,
          k,
          before,
          after: { k: a.k, prosecutor: prosecutorRisk(outFrame, qi) },
          levels: a.levels,
          suppressed: a.suppressed,
          loss: a.loss,
          nodesSearched: a.nodesSearched,
        };
      } else {
        risk = { qi, before };
      }
    }
    let saved: { name: string; version: string; rows: number; unchanged: boolean } | null = null;
    if (!o.dryRun && o.out) {
      const spec = { preset: o.preset, policy, dates: o.dates, k, qi, maxSuppression, key: key.keyHash };
      const s = await saveFrameAsVersion(db, outFrame, {
        name: o.out,
        hashInput: `${v.contentHash}|deid|${JSON.stringify(spec)}${key.ephemeral ? `|${randomBytes(8).toString('hex')}` : ''}`,
        source: `deid:${v.name}@${v.version}`,
        parent: v,
        meta: { deid: { preset: o.preset, dates: o.dates, report: de.report, risk } },
      });
      saved = {
        name: s.dataset.name,
        version: s.dataset.version,
        rows: s.dataset.rows,
        unchanged: s.unchanged,
      };
    }
    return {
      source: `${v.name}@${v.version}`,
      rows: frame.nRows,
      outRows: outFrame.nRows,
      report: de.report,
      risk,
      saved,
    };
  });
  if (o.json) {
    ctx.json({ ...res, dryRun: Boolean(o.dryRun) });
    return;
  }
  ctx.out(
    `${o.dryRun ? 'Dry run: ' : ''}de-identification of ${res.source} (${res.rows} rows), preset ${o.preset}, dates ${o.dates}`,
  );
  ctx.out(
    formatTable(
      ['column', 'action', 'cells', 'by', 'why'],
      res.report.map((d) => [d.column, d.action, d.cells ?? 0, d.detectedBy, d.reason]),
    ),
  );
  if (res.risk) ctx.out(`\nRisk: ${JSON.stringify(res.risk)}`);
  if (res.saved)
    ctx.out(
      `\nWrote ${res.saved.name}@${res.saved.version} (${res.saved.rows} rows)${res.saved.unchanged ? ' (unchanged: same input and settings)' : ''}.`,
    );
}

function addTableOptions(cmd: Command): Command {
  return cmd
    .option('--preset <preset>', 'safe-harbor (HIPAA §164.514(b)(2)) or none', 'safe-harbor')
    .option('--out <name>', 'name of the new, de-identified dataset')
    .addOption(
      new Option(
        '--dates <mode>',
        "year: keep the year only (Safe Harbor); shift: move each patient's dates by a keyed offset",
      )
        .choices(['year', 'shift'])
        .default('year'),
    )
    .option(
      '--policy <col=action>',
      `column action, overrides the preset (${COLUMN_ACTIONS.join(', ')}); repeatable`,
      collect,
    )
    .option('--k <k>', 'generalise the quasi-identifiers (and suppress rows) until every class has ≥ k rows')
    .option('--qi <cols>', 'quasi-identifier columns, comma-separated (risk is reported for them)')
    .option('--max-suppression <share>', 'largest share of rows --k may suppress', '0.05')
    .option('--dry-run', 'report what would be done; write nothing')
    .option('--json', 'JSON output');
}

export function registerDeidCommands(program: Command, getCtx: () => CliContext): void {
  const deid = program
    .command('deid')
    .description(
      'De-identify data: tables (HIPAA Safe Harbor), free text, FHIR, DICOM. `aegle deid NAME` = `aegle deid table NAME`',
    )
    .argument('[dataset]', 'NAME or NAME@VERSION (same as `deid table`)');
  addTableOptions(deid).action(async (ref: string | undefined, o: TableOpts) => {
    if (!ref) {
      deid.help({ error: true });
      return;
    }
    await deidTable(getCtx(), ref, o);
  });

  addTableOptions(
    deid
      .command('table')
      .description(
        'De-identify a dataset version into a new dataset (per-column policy, Safe Harbor preset, optional k-anonymity)',
      )
      .argument('<dataset>', 'NAME or NAME@VERSION'),
  ).action(async (ref: string, _o: TableOpts, cmd: Command) =>
    deidTable(getCtx(), ref, cmd.optsWithGlobals() as TableOpts),
  );

  deid
    .command('text')
    .description(
      'De-identify JSONL free text: each {"text"} line → {"text": redacted, "entities": [{start,end,type}]} (offsets into the original)',
    )
    .argument('<in>', 'input .jsonl')
    .option('--out <file>', 'output .jsonl (written atomically; required)')
    .addOption(
      new Option('--mode <mode>', 'tag: [NAME]; surrogate: keyed stand-ins')
        .choices(['tag', 'surrogate'])
        .default('tag'),
    )
    .option('--json', 'JSON summary')
    .action((input: string, _o: unknown, cmd: Command) => {
      const o = cmd.optsWithGlobals() as { out: string; mode: 'tag' | 'surrogate'; json?: boolean };
      requireOut(o.out);
      const ctx = getCtx();
      const p = o.mode === 'surrogate' ? secret(ctx).p : undefined;
      const r = deidTextFile(input, o.out, { mode: o.mode, pseudonymizer: p });
      if (o.json) ctx.json({ out: o.out, ...r });
      else ctx.out(`Wrote ${r.lines} lines to ${o.out} (${r.entities} PHI spans replaced).`);
    });

  deid
    .command('fhir')
    .description(
      "De-identify FHIR JSON (a resource or Bundle) or NDJSON by FHIRPath rules in Microsoft's FHIR Tools for Anonymization config format",
    )
    .argument('<in>', 'input .json or .ndjson')
    .requiredOption('--config <file>', 'anonymizer config (fhirPathRules + parameters)')
    .option('--out <file>', 'output file (written atomically; required)')
    .option('--json', 'JSON summary')
    .action((input: string, _o: unknown, cmd: Command) => {
      const o = cmd.optsWithGlobals() as { out: string; config: string; json?: boolean };
      requireOut(o.out);
      const ctx = getCtx();
      const r = deidFhirFile(input, o.out, { config: o.config, pseudonymizer: () => secret(ctx).p });
      if (o.json) ctx.json({ out: o.out, ...r });
      else
        ctx.out(
          `Wrote ${r.resources} resource${r.resources === 1 ? '' : 's'} to ${o.out}: ${
            Object.entries(r.operations)
              .filter(([, n]) => n)
              .map(([op, n]) => `${n} ${op}`)
              .join(', ') || 'nothing changed'
          }.`,
        );
    });

  deid
    .command('dicom')
    .description(
      'De-identify a DICOM file (PS3.15 Annex E Basic Profile; private tags removed; UIDs remapped; pixels untouched)',
    )
    .argument('<in>', 'input .dcm')
    .option('--out <file>', 'output .dcm (written atomically; required)')
    .option('--json', 'JSON summary')
    .action((input: string, _o: unknown, cmd: Command) => {
      const o = cmd.optsWithGlobals() as { out: string; json?: boolean };
      requireOut(o.out);
      const ctx = getCtx();
      const bytes = new Uint8Array(readInput(input));
      const r = deidentifyDicom(bytes, { pseudonymizer: secret(ctx).p }, input);
      writeFileAtomicSync(o.out, r.bytes);
      if (o.json) ctx.json({ out: o.out, ...r.report });
      else
        ctx.out(
          `Wrote ${o.out}: ${r.report.removed} removed, ${r.report.emptied} emptied, ${r.report.replaced} replaced, ${r.report.uidsRemapped} UIDs remapped, ${r.report.privateRemoved} private tags removed.`,
        );
    });
}
