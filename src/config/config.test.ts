import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MISSING_TOKENS, loadConfig } from './index.js';

describe('loadConfig', () => {
  it('has defaults relative to the working directory', () => {
    const c = loadConfig({}, '/work/x');
    expect(c.home).toBe('/work/x/aegle-data');
    expect(c.port).toBe(8080);
    expect(c.missingTokens).toEqual(DEFAULT_MISSING_TOKENS);
    expect(c.databaseUrl).toBeNull();
  });

  it('reads a config file, and environment variables win over it', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'aegle-cfg-'));
    const file = path.join(dir, 'aegle.yaml');
    writeFileSync(file, 'home: /data/a\nport: 9000\nmissingTokens: [NA, "-999"]\n');
    const c = loadConfig({ AEGLE_CONFIG: file, AEGLE_PORT: '9100' }, '/');
    expect(c.home).toBe('/data/a');
    expect(c.port).toBe(9100);
    expect(c.missingTokens).toEqual(['NA', '-999']);
  });

  it('fails fast on bad values, naming the variable', () => {
    expect(() => loadConfig({ AEGLE_PORT: 'http' })).toThrow(
      /'AEGLE_PORT' is invalid: expected an integer in \[0, 65535\], got http/,
    );
    expect(() => loadConfig({ AEGLE_LOG_LEVEL: 'loud' })).toThrow(/AEGLE_LOG_LEVEL/);
    expect(() => loadConfig({ AEGLE_DATABASE_URL: 'mysql://x' })).toThrow(/AEGLE_DATABASE_URL.*postgres/);
    expect(() => loadConfig({ AEGLE_CONFIG: '/nonexistent.yaml' })).toThrow(/Cannot read config file/);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'aegle-cfg-'));
    writeFileSync(path.join(dir, 'c.yaml'), 'colour: blue\n');
    expect(() => loadConfig({ AEGLE_CONFIG: path.join(dir, 'c.yaml') })).toThrow(/'colour' is invalid/);
  });
});
