/** Helpers for categorical columns whose dictionaries differ between fit and transform frames. */
import type { CategoricalColumn } from '../core/index.js';

/**
 * Returns a copy of the column where code −1 (or every code listed in `replaceCodes`) becomes
 * `value`, adding `value` to the dictionary (kept sorted) if needed. Also returns how many
 * values changed.
 */
export function fillCategorical(
  col: CategoricalColumn,
  value: string,
): { column: CategoricalColumn; filled: number } {
  let dict = col.dictionary;
  let remap: Int32Array | null = null;
  let target = dict.indexOf(value);
  if (target < 0) {
    dict = [...dict, value].sort();
    target = dict.indexOf(value);
    remap = new Int32Array(col.dictionary.length);
    for (let i = 0; i < remap.length; i++) remap[i] = dict.indexOf(col.dictionary[i]);
  }
  const src = col.codes;
  const codes = new Int32Array(src.length);
  let filled = 0;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c < 0) {
      codes[i] = target;
      filled++;
    } else codes[i] = remap ? remap[c] : c;
  }
  return { column: { kind: 'categorical', name: col.name, codes, dictionary: dict }, filled };
}

/** Maps each code of `col`'s dictionary to its index in `levels` (−1 when absent). */
export function dictionaryLookup(dictionary: readonly string[], levels: readonly string[]): Int32Array {
  const index = new Map(levels.map((l, i) => [l, i]));
  const out = new Int32Array(dictionary.length);
  for (let i = 0; i < dictionary.length; i++) out[i] = index.get(dictionary[i]) ?? -1;
  return out;
}
