/**
 * Browser-test plumbing: build the dashboard, start a real Aegle server (the service's own test
 * fixture: app factory on port 0, temp AEGLE_HOME, one key per role), drive Debian's chromium with
 * playwright-core, and record every console error and failed request so a test can fail on them.
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CHROMIUM = '/usr/bin/chromium';
export const SHOTS = path.join(ROOT, '.tmp', 'e2e');
export const hasChromium = existsSync(CHROMIUM);

/** Builds web/ into web/dist (the service serves it from there). */
export async function buildDashboard(): Promise<void> {
  const { build } = await import('vite');
  await build({ configFile: path.join(ROOT, 'web', 'vite.config.ts'), logLevel: 'warn' });
}

export async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export interface Watched {
  readonly page: Page;
  readonly context: BrowserContext;
  /** Console errors, page errors and failed requests seen so far. */
  readonly problems: string[];
  shot(name: string): Promise<void>;
}

/**
 * A page whose console errors, uncaught exceptions, failed requests and HTTP error answers are all
 * recorded. Requests the page itself aborted (net::ERR_ABORTED: a component unmounted, a stream
 * closed) are not failures.
 */
export async function watchedPage(
  browser: Browser,
  prefix: string,
  viewport = { width: 1280, height: 860 },
): Promise<Watched> {
  mkdirSync(SHOTS, { recursive: true });
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => {
    const why = r.failure()?.errorText ?? '';
    if (!why.includes('ERR_ABORTED')) problems.push(`request failed: ${r.method()} ${r.url()} ${why}`);
  });
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.request().method()} ${r.url()}`);
  });
  let n = 0;
  return {
    page,
    context,
    problems,
    async shot(name: string) {
      n++;
      await page.screenshot({
        path: path.join(SHOTS, `${prefix}-${String(n).padStart(2, '0')}-${name}.png`),
        fullPage: true,
      });
    },
  };
}

/** Signs in through the form and waits for the navigation to appear. */
export async function signIn(page: Page, url: string, key: string): Promise<void> {
  await page.goto(url);
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
}
