// Browser tests of the console: a real Iris server (createTestApp, listening on loopback) and
// Debian's Chromium driven by playwright-core. Without /usr/bin/chromium (a fresh machine
// that skipped `apt-get install chromium`), the suites skip and say why; .ci/run installs it.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import assert from 'node:assert/strict';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { createTestApp, type TestApp } from './test-app.js';

export const CHROMIUM = process.env.IRIS_TEST_CHROMIUM ?? '/usr/bin/chromium';
/** Why browser tests cannot run here, or undefined when they can. */
export const browserSkip: string | undefined =
  process.env.IRIS_TEST_BROWSER === 'skip'
    ? 'IRIS_TEST_BROWSER=skip (CI runs the browser suites once, on the embedded store)'
    : existsSync(CHROMIUM)
      ? undefined
      : `no Chromium at ${CHROMIUM} (apt-get install -y chromium)`;

/** Screenshots of each page, for people to look at (docs/console keeps the README's). */
export const SHOTS_DIR = resolve(import.meta.dirname, '../../console-shots');

export interface ConsoleHarness {
  readonly t: TestApp;
  /** http://127.0.0.1:<port> */
  readonly origin: string;
  readonly browser: Browser;
  /** A fresh browser context (its own cookies); closed by dispose. */
  context(): Promise<BrowserContext>;
  /** A new page in a fresh context, signed in with `token` and showing the overview. */
  signedIn(token: string): Promise<Page>;
  /** Saves a full-page screenshot as console-shots/<name>.png. */
  shot(page: Page, name: string): Promise<string>;
  dispose(): Promise<void>;
}

export async function startConsole(env: Record<string, string> = {}): Promise<ConsoleHarness> {
  const t = await createTestApp(env);
  const origin = (await t.app.listen()).replace('localhost', '127.0.0.1');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // NOTE: as the machine's probe found: without these, Chromium's own background connections
    // are refused by this closed network, many at a time.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--use-gl=swiftshader',
      '--enable-unsafe-swiftshader',
    ],
  });
  const contexts: BrowserContext[] = [];
  mkdirSync(SHOTS_DIR, { recursive: true });
  const harness: ConsoleHarness = {
    t,
    origin,
    browser,
    async context() {
      const c = await browser.newContext({ viewport: { width: 1280, height: 860 }, baseURL: origin });
      contexts.push(c);
      return c;
    },
    async signedIn(token) {
      const c = await harness.context();
      const page = await c.newPage();
      await page.goto('/console/');
      await page.getByLabel('API key').fill(token);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('navigation', { name: 'Console' }).waitFor();
      return page;
    },
    async shot(page, name) {
      const path = join(SHOTS_DIR, `${name}.png`);
      await page.screenshot({ path, fullPage: true });
      return path;
    },
    async dispose() {
      for (const c of contexts) await c.close().catch(() => undefined);
      await browser.close().catch(() => undefined);
      await t.dispose();
    },
  };
  return harness;
}

/**
 * Waits until `locator` matches exactly `n` elements. (Not page.waitForFunction with a string:
 * Playwright evaluates that with eval in the page, which the console's CSP refuses.)
 */
export async function waitForCount(locator: Locator, n: number, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let seen = await locator.count();
  while (seen !== n) {
    if (Date.now() > deadline) assert.fail(`expected ${n} of ${locator.toString()}, saw ${seen}`);
    await new Promise((r) => setTimeout(r, 100));
    seen = await locator.count();
  }
}

const require = createRequire(import.meta.url);
let axeSource: string | undefined;

export interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly nodes: number;
}

/**
 * axe-core's serious and critical violations on the page as it is now. Injected through the
 * DevTools protocol (page.evaluate), which the page's CSP does not govern, so the CSP under
 * test stays on.
 */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  axeSource ??= readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  await page.evaluate(axeSource);
  const result = await page.evaluate<AxeViolation[]>(`axe
    .run(document, { resultTypes: ['violations'] })
    .then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length })))`);
  return result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}
