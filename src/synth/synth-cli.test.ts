import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerSynth } from '../cli/commands/synth.js';
import type { CliContext } from '../cli/context.js';
import { isAegleError, silentLogger } from '../core/index.js';

function harness() {
  const out: string[] = [];
  const json: unknown[] = [];
  const ctx: CliContext = {
    config: {} as CliContext['config'],
    logger: silentLogger,
    out: (l) => out.push(l),
    json: (v) => json.push(v),
    err: () => {},
  };
  const program = new Command().exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
  registerSynth(program, () => ctx);
  return { program, out, json };
}

describe('aegle synth', () => {
  it('writes the cohort and prints a JSON summary', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'aegle-synth-cli-'));
    try {
      const h = harness();
      await h.program.parseAsync(['synth', '--patients', '200', '--seed', '3', '--out', dir, '--json'], {
        from: 'user',
      });
      const s = h.json[0] as any;
      expect(s.rows.patients).toBe(200 + 4 + 2);
      expect(s.defects.exactDuplicates).toBe(4);
      expect(s.bestAuroc).toBeGreaterThan(0.5);
      expect(s.files).toHaveLength(7);
      expect((await readdir(dir)).length).toBe(7);
      const h2 = harness();
      await h2.program.parseAsync(['synth', '--patients', '200', '--out', dir, '--no-defects'], {
        from: 'user',
      });
      expect(h2.out.join('\n')).toMatch(/Best achievable AUROC/);
      expect(h2.out.join('\n')).toMatch(/patients\s+200\b/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rejects bad options with coded errors', async () => {
    const cases: Array<[string[], string]> = [
      [
        ['--patients', '-3'],
        "The 'patients' option of aegle synth must be a positive integer (at most 10,000,000). Got -3.",
      ],
      [['--patients', '2.5'], "'patients' option"],
      [['--patients', '20000000'], "'patients' option"],
      [['--seed', 'abc'], "'seed' option"],
      [['--format', 'xlsx'], "'format' option"],
      [[], "'out' option"],
    ];
    for (const [args, msg] of cases) {
      const h = harness();
      const withOut =
        args.includes('--out') || args.length === 0 ? args : [...args, '--out', '/nonexistent/never'];
      const err = await h.program.parseAsync(['synth', ...withOut], { from: 'user' }).catch((e) => e);
      expect(isAegleError(err, 'AEGLE_SYNTH_INVALID_OPTION')).toBe(true);
      expect(err.message).toContain(msg);
    }
  });
});
