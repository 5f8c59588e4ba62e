/** Small helpers for building typed-array columns whose length is not known up front, and for dates. */

export const DAY_MS = 86_400_000;
export const HOUR_MS = 3_600_000;

/** A growable Float64Array. */
export class F64Builder {
  private data: Float64Array;
  length = 0;
  constructor(capacity = 1024) {
    this.data = new Float64Array(Math.max(16, capacity));
  }
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
  finish(): Float64Array {
    return this.data.slice(0, this.length);
  }
}

/** A growable Int32Array. */
export class I32Builder {
  private data: Int32Array;
  length = 0;
  constructor(capacity = 1024) {
    this.data = new Int32Array(Math.max(16, capacity));
  }
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Int32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
  finish(): Int32Array {
    return this.data.slice(0, this.length);
  }
}

export function round0(x: number): number {
  return Math.round(x);
}
export function round1(x: number): number {
  return Math.round(x * 10) / 10;
}
export function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
export function clamp(x: number, lo: number, hi: number): number {
  return Math.min(Math.max(x, lo), hi);
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** `YYYY-MM-DD` of an epoch-ms instant (UTC). */
export function isoDate(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}`;
}

/** `MM/DD/YYYY` of an epoch-ms instant (UTC): how US clinicians write dates in notes. */
export function usDate(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getUTCMonth() + 1, 2)}/${pad(d.getUTCDate(), 2)}/${d.getUTCFullYear()}`;
}

/** Sorted dictionary (JavaScript's default string order, as `categoricalColumn` uses) and a lookup. */
export function dictionary(values: Iterable<string>): { dict: string[]; index: Map<string, number> } {
  const dict = [...new Set(values)].sort();
  return { dict, index: new Map(dict.map((v, i) => [v, i])) };
}
