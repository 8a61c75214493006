// Demo data for the embedded default: two tenants, a tenant-admin key each, and the local
// platform-admin token written to the data directory so the CLI finds it.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { App } from './create-app.js';
import { PLATFORM } from '../core/ids.js';

const ADMIN_TOKEN_FILE = 'admin-token';

const DEMO_TENANTS = [
  {
    id: 'acme',
    displayName: 'Acme Corporation',
    tier: 'premium',
    homeRegion: 'eu-west',
    ring: 'canary',
    labels: { industry: 'manufacturing' },
  },
  {
    id: 'globex',
    displayName: 'Globex',
    tier: 'standard',
    homeRegion: 'us-east',
    ring: 'general',
    labels: { industry: 'energy' },
  },
] as const;

/** Seeds demo tenants on an empty store; returns the ids it created. */
export async function seedDemoTenants(app: App): Promise<string[]> {
  const ctx = app.systemContext();
  const existing = await app.tenants.list(ctx, { limit: 1 });
  if (existing.items.length > 0) return [];
  const created: string[] = [];
  for (const t of DEMO_TENANTS) {
    if (!app.config.knownRegions.includes(t.homeRegion)) continue;
    await app.tenants.create(ctx, { ...t, labels: { ...t.labels } });
    created.push(t.id);
  }
  return created;
}

/**
 * The local platform-admin token: IRIS_BOOTSTRAP_TOKEN when set, else one created on first
 * start and kept (mode 0600) in the data directory, the only place its plaintext lives.
 */
export async function localAdminToken(app: App): Promise<{ token: string; source: 'env' | 'file' | 'created' }> {
  if (app.config.bootstrapToken !== undefined) return { token: app.config.bootstrapToken, source: 'env' };
  const file = join(app.config.dataDir, ADMIN_TOKEN_FILE);
  if (existsSync(file)) {
    const token = readFileSync(file, 'utf8').trim();
    if (app.identity && tokenWorks(app, token)) return { token, source: 'file' };
  }
  const key = await app.keys.create(app.systemContext(), PLATFORM, { name: 'local-admin', role: 'platform-admin' });
  writeFileSync(file, `${key.token}\n`, { mode: 0o600 });
  // NOTE: the directory learns of the key through the change feed; refresh now so it works at once.
  await app.directory.resync();
  return { token: key.token, source: 'created' };
}

function tokenWorks(app: App, token: string): boolean {
  try {
    app.identity.authenticate(`Bearer ${token}`);
    return true;
  } catch {
    return false;
  }
}

/** The demo documents of a tenant: examples/<tenant>/ in the repository (src/ or dist/src/). */
function examplesDir(tenantId: string): string {
  const here = dirname(fileURLToPath(import.meta.url));
  return resolve(here, /\/dist(-[A-Za-z0-9]+)?\//.test(`${here}/`) ? '../../..' : '../..', 'examples', tenantId);
}

/**
 * Ingests the demo documents of newly seeded tenants (examples/<tenant>/) right away, so
 * `iris query --tenant acme …` answers on a fresh start. Returns how many were ingested.
 */
export async function seedDemoDocuments(app: App, tenants: readonly string[]): Promise<number> {
  let n = 0;
  for (const tenantId of tenants) {
    const dir = examplesDir(tenantId);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).sort()) {
      const bytes = readFileSync(join(dir, name));
      const { document } = await app.knowledge.submit(
        tenantId,
        { documentId: `examples/${name}`, name, bytes },
        app.systemContext(),
      );
      await app.knowledge.ingestSubmitted(tenantId, document.documentId, document.sha256);
      n++;
    }
  }
  return n;
}
