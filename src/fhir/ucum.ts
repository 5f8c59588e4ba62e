/**
 * UCUM unit conversion through @lhncbc/ucum-lhc (https://ucum.org/ucum), resolved once per
 * (from, to, molar mass) into an affine map y = a·x + b (affine for temperatures, linear otherwise),
 * so a million quantities cost a million multiplications, not a million UCUM parses.
 */
import { createRequire } from 'node:module';

interface UcumResult {
  status: string;
  toVal: number | null;
  msg: string[];
}
interface UcumUtils {
  convertUnitTo(from: string, value: number, to: string, options?: { molecularWeight?: number }): UcumResult;
  validateUnitString(unit: string): { status: string; msg: string[] };
}

let utils: UcumUtils | null = null;
/** Loaded on first use: the UCUM tables take a moment to parse. */
function ucum(): UcumUtils {
  if (!utils) {
    const require = createRequire(import.meta.url);
    const mod = require('@lhncbc/ucum-lhc') as { UcumLhcUtils: { getInstance(): UcumUtils } };
    utils = mod.UcumLhcUtils.getInstance();
  }
  return utils;
}

/** An affine conversion, or why there is none. */
export type UnitConversion = { readonly a: number; readonly b: number } | { readonly error: string };

const conversions = new Map<string, UnitConversion>();
const validity = new Map<string, boolean>();

/** True when `unit` is a valid UCUM expression (case-sensitive form). */
export function isValidUcum(unit: string): boolean {
  let ok = validity.get(unit);
  if (ok === undefined) {
    ok = unit.length > 0 && ucum().validateUnitString(unit).status === 'valid';
    validity.set(unit, ok);
  }
  return ok;
}

/**
 * The map from `from` to `to` (both UCUM codes). `molarMass` (g/mol) allows mass ↔ substance
 * conversion (mg/dL ↔ mmol/L). Cached.
 */
export function ucumConversion(from: string, to: string, molarMass?: number): UnitConversion {
  const key = `${from}\u0000${to}\u0000${molarMass ?? ''}`;
  let c = conversions.get(key);
  if (c) return c;
  if (from === to) c = { a: 1, b: 0 };
  else {
    const u = ucum();
    const opts = molarMass ? { molecularWeight: molarMass } : {};
    const r0 = u.convertUnitTo(from, 0, to, opts);
    const r1 = u.convertUnitTo(from, 1, to, opts);
    if (r1.status !== 'succeeded' || r1.toVal === null || r0.toVal === null) {
      c = { error: (r1.msg?.length ? r1.msg : [`cannot convert ${from} to ${to}`]).join(' ') };
    } else c = { a: r1.toVal - r0.toVal, b: r0.toVal };
  }
  conversions.set(key, c);
  return c;
}

/** Converts one value; throws a plain Error when the units are not commensurable. */
export function convertUcum(value: number, from: string, to: string, molarMass?: number): number {
  const c = ucumConversion(from, to, molarMass);
  if ('error' in c) throw new Error(c.error);
  return c.a * value + c.b;
}
