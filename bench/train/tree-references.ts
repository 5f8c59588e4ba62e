/** Exports the heart-disease split used by the tree tests and runs bench/train/tree_references.py on it. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { heartSplit } from '../../src/learn/tree/heart.testdata.js';

const s = heartSplit();
mkdirSync('.tmp', { recursive: true });
writeFileSync(
  '.tmp/heart-split.csv',
  `row,set\n${s.trainIdx.map((i) => `${i},train`).join('\n')}\n${s.testIdx.map((i) => `${i},test`).join('\n')}\n`,
);
process.stdout.write(
  execFileSync('/usr/bin/python3', ['bench/train/tree_references.py'], { encoding: 'utf8' }),
);
