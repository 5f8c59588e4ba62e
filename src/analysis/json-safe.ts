/** JSON-ready copies of analysis results: typed arrays become arrays, non-finite numbers become null. */
export function jsonSafe(v: unknown): unknown {
  return JSON.parse(
    JSON.stringify(v, (_k, x) =>
      typeof x === 'number' && !Number.isFinite(x)
        ? null
        : ArrayBuffer.isView(x) && !(x instanceof DataView)
          ? Array.from(x as unknown as ArrayLike<number>)
          : x,
    ),
  );
}
