// The role taxonomy is the one source: every route the server answers with a key is one of its
// operations (and every operation is a route), every command of the CLI's tree is one of its
// commands (and every listed command exists), the built-in Cedar bundle has one role policy per
// role granting exactly the taxonomy's actions, and no catch-all action is left.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Command } from 'commander';
import {
  ACTIONS,
  COMMANDS,
  OPERATIONS,
  ROLE_TAXONOMY,
  TaxonomyError,
  validateTaxonomy,
} from '../../src/core/role-taxonomy.js';
import { grantsOf, ROLES } from '../../src/core/roles.js';
import { buildProgram } from '../../src/cli/program.js';
import { registerServerCommands } from '../../src/cli/server-commands.js';
import { rolePolicies, ROUTE_RULES } from '../../src/policy/index.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { storeName } from '../support/test-database.js';

/** Every runnable (leaf) command of the tree, as "a b" after `iris`. */
function leafCommands(root: Command): string[] {
  const out: string[] = [];
  const walk = (cmd: Command, prefix: string[]): void => {
    for (const sub of cmd.commands) {
      const path = [...prefix, sub.name()];
      if (sub.commands.length > 0) walk(sub, path);
      else out.push(path.join(' '));
    }
  };
  walk(root, []);
  return out.sort();
}

describe(`role taxonomy covers every route and command (${storeName})`, () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(async () => t.dispose());

  test('every route that needs a key is an operation of the taxonomy, and every operation is a route', async () => {
    const spec = (await t.call('GET', '/openapi.json', { token: null })).json<{
      paths: Record<string, Record<string, { security?: unknown }>>;
    }>();
    const listed = new Set(Object.values(OPERATIONS).map((o) => o.route));
    const uncovered: string[] = [];
    let walked = 0;
    for (const [path, ops] of Object.entries(spec.paths)) {
      for (const [m, op] of Object.entries(ops)) {
        const route = `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`;
        walked++;
        if (op.security === undefined) {
          // Public routes must really be public (no key, no 401), or they would need an operation.
          const res = await t.call(m.toUpperCase(), path.replace(/\{(\w+)\}/g, 'x'), { token: null });
          assert.notEqual(res.statusCode, 401, `${route} is documented without security but needs a key`);
          continue;
        }
        if (!listed.has(route)) uncovered.push(route);
      }
    }
    assert.deepEqual(uncovered, [], 'routes with no operation in the role taxonomy');
    assert.ok(walked >= 54, `only ${walked} routes walked`);
    for (const { route } of Object.values(OPERATIONS)) {
      const [method, url] = route.split(' ') as [string, string];
      assert.ok(
        t.app.server.hasRoute({ method: method, url }),
        `taxonomy operation ${route} is no route of the server`,
      );
      assert.equal(
        ROUTE_RULES[route]?.action,
        Object.values(OPERATIONS).find((o) => o.route === route)?.action,
        `${route}: the route rule's action is the taxonomy's`,
      );
    }
  });

  test('a route outside the taxonomy is denied, never decided by a generic action', async () => {
    assert.ok(!ACTIONS.some((a) => a.startsWith('api.')), 'no catch-all api.* action');
    const { resolveRoute } = await import('../../src/policy/index.js');
    assert.throws(
      () => resolveRoute('GET', '/v1/tenants/:tenantId/unlisted', { tenantId: 'a' }, 'a'),
      /has no action in the role taxonomy/,
    );
  });

  test('every CLI command is in the taxonomy, and every listed command exists', () => {
    const tree = leafCommands(
      buildProgram({ api: undefined, token: undefined, dataDir: undefined } as never, [registerServerCommands]),
    );
    const listed = Object.keys(COMMANDS).sort();
    assert.deepEqual(
      tree.filter((c) => !(c in COMMANDS)),
      [],
      'commands missing from the taxonomy',
    );
    assert.deepEqual(
      listed.filter((c) => !tree.includes(c)),
      [],
      'taxonomy commands the CLI does not have',
    );
    assert.ok(tree.length >= 50);
  });

  test('the built-in Cedar bundle has one role policy per role, granting exactly its actions', () => {
    const text = rolePolicies();
    for (const role of ROLES) {
      assert.match(text, new RegExp(`@id\\("iris\\.roles\\.${role}"\\)`), role);
      if (role === 'platform-admin') continue;
      const block = text.slice(text.indexOf(`@id("iris.roles.${role}")`)).split(';')[0] ?? '';
      const granted = [...block.matchAll(/Iris::Action::"([^"]+)"/g)].map((m) => m[1]).sort();
      assert.deepEqual(granted, [...grantsOf(role)].sort(), role);
    }
  });
});

describe('taxonomy validation', () => {
  test('a role file granting an unknown action is refused, naming the role and the action', () => {
    const roles = { ...ROLE_TAXONOMY, 'night-shift': { scope: 'tenant', actions: ['job.read', 'job.explode'] } };
    assert.throws(
      () => validateTaxonomy({ roles, operations: OPERATIONS, commands: COMMANDS }),
      (e: Error) =>
        e instanceof TaxonomyError && /role 'night-shift' grants unknown action 'job\.explode'/.test(e.message),
    );
  });

  test('an operation naming an unknown action, or a route listed twice, is refused', () => {
    assert.throws(
      () => validateTaxonomy({ roles: {}, operations: { x: { route: 'GET /x', action: 'api.read' } }, commands: {} }),
      /operation 'x' \(GET \/x\) names unknown action 'api\.read'/,
    );
    assert.throws(
      () =>
        validateTaxonomy({
          roles: {},
          operations: { a: { route: 'GET /x', action: 'tenant.read' }, b: { route: 'GET /x', action: 'tenant.read' } },
          commands: {},
        }),
      /listed twice/,
    );
    assert.throws(
      () => validateTaxonomy({ roles: { Bad: { scope: 'tenant', actions: [] } }, operations: {}, commands: {} }),
      /lower-case/,
    );
  });

  test('the narrow roles of the issue exist and stay narrow', () => {
    assert.deepEqual([...grantsOf('knowledge-curator')].sort(), [
      'identity.read',
      'job.read',
      'knowledge.query',
      'knowledge.write',
      'tenant.read',
    ]);
    assert.ok(!grantsOf('incident-responder').includes('job.create'));
    assert.ok(grantsOf('incident-responder').includes('job.redrive'));
    assert.deepEqual([...grantsOf('tenant-onboarder')].sort(), ['identity.read', 'tenant.create', 'tenant.list']);
    assert.ok(!grantsOf('policy-author').includes('key.create'));
    assert.ok(!grantsOf('auditor').includes('tenant.read'));
  });
});
