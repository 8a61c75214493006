// The main flows with the keyboard alone: sign in, skip to the content, move through the
// navigation, search tenants, open one, edit it and save; and every control on the way has a
// visible focus ring.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { browserSkip, startConsole, type ConsoleHarness } from '../support/console-browser.js';
import { ADMIN_TOKEN } from '../support/test-app.js';

/** What has focus: its role-ish tag, its text or label, and whether it shows a focus outline. */
async function focused(page: Page): Promise<{ tag: string; text: string; outlined: boolean }> {
  return page.evaluate(`(() => {
    const el = document.activeElement;
    if (!el) return { tag: '', text: '', outlined: false };
    const label = el.id ? document.querySelector('label[for="' + el.id + '"]') : null;
    const text = (el.getAttribute('aria-label') || (label && label.textContent) || el.textContent || '').trim();
    const style = getComputedStyle(el);
    return { tag: el.tagName.toLowerCase(), text, outlined: style.outlineStyle !== 'none' && style.outlineWidth !== '0px' };
  })()`);
}

/** Presses Tab until the focused element's text is `text` (at most `max` presses). */
async function tabTo(page: Page, text: string | RegExp, max = 40): Promise<void> {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const f = await focused(page);
    if (typeof text === 'string' ? f.text === text : text.test(f.text)) {
      assert.ok(f.outlined, `${f.tag} "${f.text}" shows where the focus is`);
      return;
    }
  }
  assert.fail(`no focusable "${String(text)}" within ${max} tabs`);
}

describe('the console with the keyboard alone', { skip: browserSkip }, () => {
  let h: ConsoleHarness;
  before(async () => {
    h = await startConsole();
    const res = await h.t.call('POST', '/v1/tenants', { body: { id: 'acme', displayName: 'Acme Corp' } });
    assert.equal(res.statusCode, 201, res.body);
  });
  after(async () => h?.dispose());

  test('sign in, skip to content, navigate, search, open, edit and save', async () => {
    const page = await (await h.context()).newPage();
    await page.goto('/console/');
    await tabTo(page, 'API key');
    await page.keyboard.type(ADMIN_TOKEN);
    await page.keyboard.press('Enter');
    await page.getByRole('navigation', { name: 'Console' }).waitFor();

    await page.keyboard.press('Tab');
    assert.equal((await focused(page)).text, 'Skip to content', 'the first stop skips the navigation');
    await tabTo(page, 'Tenants');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/console\/tenants$/);

    await tabTo(page, 'Search');
    await page.keyboard.type('acme');
    await page.keyboard.press('Enter');
    await page.getByRole('table', { name: 'Tenants' }).getByRole('link', { name: 'acme' }).waitFor();
    await tabTo(page, 'acme');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/console\/tenants\/acme$/);

    await tabTo(page, 'Edit');
    await page.keyboard.press('Enter');
    await tabTo(page, 'Display name');
    await page.keyboard.press('End');
    await page.keyboard.type(' Ltd');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Acme Corp Ltd' }).waitFor();
    const stored = (await h.t.call('GET', '/v1/tenants/acme?consistent=true')).json<{ displayName: string }>();
    assert.equal(stored.displayName, 'Acme Corp Ltd');
  });
});
