// The runbooks page in a browser: every alert rule listed with its runbook, a runbook rendered
// with its alert rule (also at the runbook_url's own /<Alert>.md form), an unknown one answered
// in words; the Markdown parser keeps HTML and script links as text; axe finds nothing serious.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { axeViolations, browserSkip, startConsole, type ConsoleHarness } from '../support/console-browser.js';
import { openModulePage } from '../support/console-modules.js';
import { ADMIN_TOKEN } from '../support/test-app.js';

const RUNBOOKS = readdirSync(resolve(import.meta.dirname, '../../../ops/runbooks')).filter((f) => f.endsWith('.md'));

describe('the runbooks page in a browser', { skip: browserSkip }, () => {
  let h: ConsoleHarness;
  before(async () => {
    h = await startConsole({ IRIS_LEDGER_WITNESS_SECONDS: '0' });
  });
  after(async () => h?.dispose());

  test('every alert links to its runbook; a runbook shows its rule and renders its Markdown', async () => {
    const page = await h.signedIn(ADMIN_TOKEN);
    await page.goto('/console/runbooks');
    const table = page.locator('table', { has: page.locator('caption', { hasText: 'Alerts and their runbooks' }) });
    await table.waitFor();
    assert.equal(await table.locator('tbody tr').count(), RUNBOOKS.length);
    assert.equal(await table.getByText('no rule').count(), 0, 'every runbook is named by a rule');
    await page.getByRole('link', { name: 'IrisJobPoisonGrowth' }).click();
    await page.getByRole('heading', { name: 'IrisJobPoisonGrowth', level: 1 }).waitFor();
    const rule = page.getByRole('complementary', { name: 'Alert rule IrisJobPoisonGrowth' });
    assert.match(await rule.innerText(), /Severity\s+ticket/);
    assert.match(await rule.innerText(), /ops\/runbooks\/IrisJobPoisonGrowth\.md/);
    await page.getByRole('heading', { name: 'Diagnosis', level: 2 }).waitFor();
    assert.ok((await page.locator('.markdown ol li').count()) >= 3);
    assert.ok((await page.locator('.markdown li.task').count()) >= 5);
    assert.equal(await page.locator('.markdown code', { hasText: 'iris jobs redrive' }).count(), 1);
    await h.shot(page, 'runbooks');
    assert.deepEqual(await axeViolations(page), []);

    // The form a rule's runbook_url ends in, and a name that is no runbook.
    await page.goto('/console/runbooks/IrisLedgerVerificationFailed.md');
    await page.getByRole('heading', { name: 'IrisLedgerVerificationFailed', level: 1 }).waitFor();
    await page.goto('/console/runbooks/NoSuchAlert');
    assert.match(await page.getByRole('alert').innerText(), /No runbook is named NoSuchAlert/);
  });

  test('the Markdown parser keeps raw HTML and unsafe links as text', async () => {
    const c = await h.context();
    const page = await c.newPage();
    await openModulePage(page, h.origin);
    const out = await page.evaluate(async (path) => {
      const md = (await import(path)) as {
        parseBlocks(t: string): { type: string; text?: string; items?: { text: string; task?: boolean }[] }[];
        inlineTokens(t: string): { type: string; text: string; href?: string }[];
      };
      return {
        blocks: md.parseBlocks('# T\n\n<script>alert(1)</script>\n\n- [ ] one\n- [x] two\n\n1. a\n   more\n2. b'),
        bad: md.inlineTokens('[x](javascript:alert(1)) and [y](data:text/html,hi)'),
        good: md.inlineTokens('see [docs](https://example.org/a) or [here](ops/README.md), `code` **b**'),
      };
    }, '/__console-modules/pages/runbooks/markdown-blocks');
    assert.deepEqual(out.blocks[0], { type: 'heading', level: 1, text: 'T' });
    assert.deepEqual(out.blocks[1], { type: 'paragraph', text: '<script>alert(1)</script>' });
    assert.deepEqual(out.blocks[2]?.items, [
      { text: 'one', task: false },
      { text: 'two', task: true },
    ]);
    assert.deepEqual(out.blocks[3]?.items, [{ text: 'a more' }, { text: 'b' }]);
    assert.ok(
      out.bad.every((t) => t.type === 'text'),
      JSON.stringify(out.bad),
    );
    assert.deepEqual(
      out.good.filter((t) => t.type !== 'text'),
      [
        { type: 'link', text: 'docs', href: 'https://example.org/a' },
        { type: 'link', text: 'here', href: 'ops/README.md' },
        { type: 'code', text: 'code' },
        { type: 'strong', text: 'b' },
      ],
    );
  });
});
