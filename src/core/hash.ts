import { createHash, hash, randomBytes } from 'node:crypto';

/** Hex SHA-256 of a string or bytes. */
export function sha256Hex(data: string | Uint8Array): string {
  // the one-shot form: no Hash object per call (it matters at thousands of calls per second)
  return hash('sha256', data, 'hex');
}

/** An incremental SHA-256 (for streaming a file). */
export function sha256Stream(): { update(chunk: Uint8Array): void; digest(): string } {
  const h = createHash('sha256');
  return {
    update(chunk) {
      h.update(chunk);
    },
    digest() {
      return h.digest('hex');
    },
  };
}

/** A short, url-safe, random id with a prefix, e.g. `job_3k9x0q…`. */
export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(9).toString('base64url')}`;
}
