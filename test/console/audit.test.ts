// The audit page in a browser: the console's own verification code (WebCrypto, in Chromium)
// agrees with the server's verifyLog on a real log and on tampered ones; Verify in the page
// passes on a real log, marks a key fetched from the server as not independent, fails clearly
// on a tampered row or checkpoint; an inclusion proof downloads and verifies offline; filters
// work; axe finds nothing serious.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { verifyProofBundle, type ProofBundle } from '../../src/audit/index.js';
import {
  axeViolations,
  browserSkip,
  startConsole,
  waitForCount,
  type ConsoleHarness,
} from '../support/console-browser.js';
import { openModulePage } from '../support/console-modules.js';
import { ADMIN_TOKEN } from '../support/test-app.js';

/** Where the test page finds console/src/pages/audit (test/support/console-modules.ts). */
const MODULES = '/__console-modules/pages/audit/';

interface ServerVerification {
  ok: boolean;
  size: number;
  root: string;
  problems: { seq?: number; problem: string }[];
}

describe('the audit page in a browser', { skip: browserSkip }, () => {
  let h: ConsoleHarness;
  let vkey: string;
  before(async () => {
    h = await startConsole({ IRIS_LEDGER_WITNESS_SECONDS: '0' });
    for (const id of ['acme', 'globex', 'initech']) {
      const res = await h.t.call('POST', '/v1/tenants', { body: { id, displayName: `${id} Inc` } });
      assert.equal(res.statusCode, 201, res.body);
      for (let i = 0; i < 3; i++)
        await h.t.call('PATCH', `/v1/tenants/${id}`, {
          body: { labels: { step: String(i) } },
          headers: { 'content-type': 'application/merge-patch+json' },
        });
    }
    const bot = await h.t.call('POST', '/v1/tenants/acme/keys', {
      body: { name: 'bot', role: 'tenant-admin', agent: { name: 'night-bot', crew: 'ops' } },
    });
    assert.equal(bot.statusCode, 201, bot.body);
    await h.t.app.directory.resync();
    const byBot = await h.t.call('PATCH', '/v1/tenants/acme', {
      token: bot.json<{ token: string }>().token,
      body: { labels: { bot: 'yes' } },
      headers: { 'content-type': 'application/merge-patch+json', 'x-iris-agent-run': 'run-7' },
    });
    assert.equal(byBot.statusCode, 200, byBot.body);
    assert.equal((await h.t.call('POST', '/v1/tenants/acme/jobs', { body: { kind: 'noop' } })).statusCode, 202);
    // A kept checkpoint, so the page checks one besides the head.
    assert.equal((await h.t.call('POST', '/v1/audit/logs/acme/checkpoints')).statusCode, 200);
    vkey = (await h.t.call('GET', '/v1/audit/key')).json<{ vkey: string }>().vkey;
    // globex: an event edited behind Iris's back; initech: its signed head replaced by another log's.
    await h.t.db.asOwner((s) =>
      s.query(
        `update audit_events set event = jsonb_set(event, '{action}', '"tenant.read"') where tenant_id = 'globex' and seq = 1`,
      ),
    );
    await h.t.db.asOwner((s) =>
      s.query(
        `update audit_heads set checkpoint = (select checkpoint from audit_heads where tenant_id = 'acme') where tenant_id = 'initech'`,
      ),
    );
  });
  after(async () => h?.dispose());

  /** The log as the API gives it, for the module under test. */
  async function download(log: string) {
    const get = async <T>(url: string): Promise<T> => {
      const res = await h.t.call('GET', url);
      assert.equal(res.statusCode, 200, res.body);
      return res.json<T>();
    };
    const head = await get<{ size: number; root: string | null; checkpoint: string | null }>(
      `/v1/audit/logs/${log}/head`,
    );
    return {
      rows: (await get<{ items: unknown[] }>(`/v1/audit/logs/${log}/events?limit=1000`)).items,
      head: head.checkpoint === null ? null : head,
      checkpoints: (await get<{ items: unknown[] }>(`/v1/audit/logs/${log}/checkpoints`)).items,
      witnesses: (await get<{ items: unknown[] }>(`/v1/audit/logs/${log}/witnesses`)).items,
    };
  }

  test("the browser's verification agrees with the server's, on good and tampered logs", async () => {
    await h.t.app.ledgerWitness.run();
    const c = await h.context();
    const page = await c.newPage();
    await openModulePage(page, h.origin);
    for (const log of ['acme', 'globex', 'initech', 'platform']) {
      const data = await download(log);
      const server = (await h.t.call('GET', `/v1/audit/logs/${log}/verify`)).json<ServerVerification>();
      const browser = await page.evaluate(
        async ({ log, vkey, data, base }) => {
          const note = (await import(`${base}signed-note`)) as {
            parseVerifierKey(v: string): Promise<unknown>;
          };
          const lv = (await import(`${base}log-verify`)) as {
            verifyLog(i: unknown): Promise<ServerVerification & { checks: { name: string; ok: boolean }[] }>;
          };
          return lv.verifyLog({ log, key: await note.parseVerifierKey(vkey), ...data });
        },
        { log, vkey, data, base: MODULES },
      );
      assert.equal(
        browser.ok,
        server.ok,
        `${log}: ${JSON.stringify(browser.problems)} vs ${JSON.stringify(server.problems)}`,
      );
      assert.equal(browser.size, server.size, log);
      assert.equal(browser.root, server.root, log);
      assert.deepEqual(browser.problems, server.problems, log);
      assert.equal(
        browser.checks.every((x) => x.ok),
        server.ok,
        `${log}: ${JSON.stringify(browser.checks)}`,
      );
    }
    assert.equal((await h.t.call('GET', '/v1/audit/logs/acme/verify')).json<ServerVerification>().ok, true);
    assert.equal((await h.t.call('GET', '/v1/audit/logs/globex/verify')).json<ServerVerification>().ok, false);
    assert.equal((await h.t.call('GET', '/v1/audit/logs/initech/verify')).json<ServerVerification>().ok, false);
    // A key that is not the ledger's: every signature fails.
    const other = await page.evaluate(async (base) => {
      const note = (await import(`${base}signed-note`)) as {
        parseVerifierKey(v: string): Promise<unknown>;
      };
      return note.parseVerifierKey('iris.local/ledger+00000000+AQ' + 'A'.repeat(42) + '=').then(
        () => 'accepted',
        (e: Error) => e.message,
      );
    }, MODULES);
    assert.match(other, /hash does not match|not an Ed25519/);
  });

  test('Verify passes on a real log, marks a server key as not independent, and uses a pinned key', async () => {
    const page = await h.signedIn(ADMIN_TOKEN);
    await page.goto('/console/audit/acme');
    await page.getByRole('heading', { name: 'Audit log: acme' }).waitFor();
    await page.locator('.timeline .event').first().waitFor();
    await page.getByRole('button', { name: 'Verify', exact: true }).click();
    const result = page.locator('.verify-result');
    await result.waitFor();
    const text = await result.innerText();
    assert.match(text, /Verified/);
    assert.match(text, /fetched from this server, not independent/i);
    assert.doesNotMatch(text, /Failed/);
    await page.getByLabel('Verifier key you trust').fill(vkey);
    await page.getByRole('button', { name: 'Pin key' }).click();
    await page.getByRole('button', { name: 'Forget pinned key' }).waitFor();
    await page.getByRole('button', { name: 'Verify', exact: true }).click();
    await page.locator('.verify-result', { hasText: 'pinned in this browser by you' }).waitFor();
    assert.match(await result.innerText(), /Verified/);
    assert.match(await result.innerText(), /Kept checkpoints\s+Passed/);
    await h.shot(page, 'audit');
    assert.deepEqual(await axeViolations(page), []);

    // A pinned key that is not the ledger's: the signatures fail.
    await page.getByRole('button', { name: 'Forget pinned key' }).click();
    await page.getByLabel('Verifier key you trust').fill('not a key');
    await page.getByRole('button', { name: 'Pin key' }).click();
    assert.match(await page.getByRole('alert').innerText(), /Not a verifier key/);
  });

  test('Verify fails clearly on a tampered row and on a replaced signed head', async () => {
    const page = await h.signedIn(ADMIN_TOKEN);
    await page.goto('/console/audit/globex');
    await page.getByRole('button', { name: 'Verify', exact: true }).click();
    await page.locator('.verify-result').waitFor();
    const text = await page.locator('.verify-result').innerText();
    assert.match(text, /Verification FAILED/);
    assert.match(text, /Event 1: event content does not match its leaf hash: the row was edited/);
    assert.match(text, /Leaf hashes\s+Failed/);
    await h.shot(page, 'audit-tampered');
    await page.goto('/console/audit/initech');
    await page.getByRole('button', { name: 'Verify', exact: true }).click();
    await page.locator('.verify-result').waitFor();
    const head = await page.locator('.verify-result').innerText();
    assert.match(head, /Verification FAILED/);
    assert.match(head, /Signed head\s+Failed\s+the head checkpoint names another log/);
  });

  test('an inclusion proof downloads and verifies offline; filters narrow the timeline', async () => {
    const page = await h.signedIn(ADMIN_TOKEN);
    await page.goto('/console/audit/acme');
    const entry = page.locator('.timeline .event', { hasText: '#2' });
    await entry.getByText('Event #2 in full').click();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      entry.getByRole('button', { name: 'Download inclusion proof of event 2' }).click(),
    ]);
    assert.equal(download.suggestedFilename(), 'iris-audit-acme-2.proof.json');
    const bundle = JSON.parse(readFileSync(await download.path(), 'utf8')) as ProofBundle;
    assert.equal(bundle.seq, 2);
    assert.deepEqual(verifyProofBundle(bundle, vkey), { ok: true });
    await page.getByRole('status').filter({ hasText: 'Saved iris-audit-acme-2.proof.json' }).waitFor();

    // Agent run: searched by the server.
    await page.getByLabel('Agent run').fill('run-7');
    await page.getByRole('button', { name: 'Search the log' }).click();
    await page.locator('.timeline .event', { hasText: 'run run-7' }).waitFor();
    await waitForCount(page.locator('.timeline .event'), 1);
    assert.match(await page.locator('.timeline').innerText(), /agent night-bot, run run-7/);
    // Action: filtered here over the loaded events.
    await page.getByLabel('Agent run').fill('');
    await page.getByRole('button', { name: 'Search the log' }).click();
    await page.getByLabel('Action').fill('tenant.update');
    await waitForCount(page.locator('.timeline .event'), 4);
    await page.getByLabel('Action').fill('no.such.action');
    await page.getByText('No loaded event matches the filters.').waitFor();
  });

  test('a tenant key reads its own log only; another log answers in words', async () => {
    const auditor = await h.t.keyFor('acme', 'tenant-admin');
    const page = await h.signedIn(auditor);
    await page.goto('/console/audit');
    await page.waitForURL(/\/console\/audit\/acme$/);
    await page.locator('.timeline .event').first().waitFor();
    await page.goto('/console/audit/globex');
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /Error 404/);
  });
});
