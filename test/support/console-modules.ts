// Loads console modules (TypeScript under console/src) into a Chromium page as they are, to test
// their pure functions in the browser: each request under /__console-modules/ is answered with
// the module transpiled to JavaScript, on the page's own origin (a secure context, so
// WebCrypto is there) and without the console's CSP, which test pages do not need.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Page } from 'playwright-core';
import ts from 'typescript';

const CONSOLE_SRC = resolve(import.meta.dirname, '../../../console/src');
const PREFIX = '/__console-modules/';

/**
 * Opens a blank page at `origin` that can `import('/__console-modules/<path>')` any module under
 * console/src (extension left out, as the console's own imports are written).
 */
export async function openModulePage(page: Page, origin: string): Promise<void> {
  await page.route(`${origin}${PREFIX}**`, async (route) => {
    const path = new URL(route.request().url()).pathname.slice(PREFIX.length);
    if (path === 'index.html') {
      await route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>modules</title>' });
      return;
    }
    const file = resolve(CONSOLE_SRC, `${path}.ts`);
    if (!file.startsWith(CONSOLE_SRC) || !existsSync(file)) {
      await route.fulfill({ status: 404, body: 'no such module' });
      return;
    }
    const js = ts.transpileModule(readFileSync(file, 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    }).outputText;
    await route.fulfill({ contentType: 'text/javascript', body: js });
  });
  await page.goto(`${origin}${PREFIX}index.html`);
}
