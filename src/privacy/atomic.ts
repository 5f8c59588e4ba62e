/** Atomic file writes: write a temporary file in the same directory, fsync, rename over the target. */
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

/** Writes `data` to `file` so that readers see either the old file or the whole new one. */
export function writeFileAtomicSync(file: string, data: string | Uint8Array): void {
  const tmp = path.join(
    path.dirname(path.resolve(file)),
    `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`,
  );
  const fd = openSync(tmp, 'w', 0o600);
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, file);
}

/** A temporary path next to `file` (same file system, so a rename is atomic). */
export function tempPathFor(file: string): string {
  return path.join(
    path.dirname(path.resolve(file)),
    `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`,
  );
}
