// The composition root: wires every context from the compiled configuration. One place
// decides what talks to what; no module-level singletons hold connections.
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { createRequire } from 'node:module';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { loadSigner, makeAuditReader, makeLedger, type AuditReader, type Ledger } from './audit/index.js';
import { systemClock, type Clock } from './core/clock.js';
import type { IrisConfig } from './core/config.js';
import type { RequestContext } from './core/context.js';
import { platformScope, type Database } from './core/db.js';
import { newRequestId, PLATFORM } from './core/ids.js';
import { buildServer, makeIdentity, type Identity } from './gateway/index.js';
import { migrate, openDatabase, pendingMigrations, type MigrationResult } from './store/index.js';
import { bootstrapKey, insertKeyRow, makeDirectory, makeKeyService, makeTenantService, touchKeys, type Directory, type KeyService, type TenantService } from './tenants/index.js';

const pkg = createRequire(import.meta.url)('../../package.json') as { version: string };
export const VERSION = pkg.version;

export interface AppDeps {
  readonly clock?: Clock;
  /** An already open database (tests); otherwise the configured one is opened. */
  readonly db?: Database;
  readonly logger?: FastifyServerOptions['logger'];
}

export interface App {
  readonly config: IrisConfig;
  readonly db: Database;
  readonly server: FastifyInstance;
  readonly directory: Directory;
  readonly tenants: TenantService;
  readonly keys: KeyService;
  readonly ledger: Ledger;
  readonly auditReader: AuditReader;
  readonly identity: Identity;
  readonly migration: MigrationResult | undefined;
  readonly signingKeyGenerated: boolean;
  /** A context for Iris's own control loops (seeding, purges): the platform itself. */
  systemContext(): RequestContext;
  /** Listens on config.host:port; resolves to the address. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

export class MigrationFailedError extends Error {}

/** Builds Iris from configuration: store, migrations, contexts, the HTTP server. */
export async function createApp(config: IrisConfig, deps: AppDeps = {}): Promise<App> {
  const clock = deps.clock ?? systemClock;
  const db = deps.db ?? (await openDatabase(config));
  const ownsDb = deps.db === undefined;
  try {
    let migration: MigrationResult | undefined;
    if (config.applyMigrationsOnStart) {
      migration = await migrate(db);
      if (migration.error) throw new MigrationFailedError(`Migration ${migration.error.migration} failed: ${migration.error.message}`);
    }
    const { signer, generated } = loadSigner({ pem: config.ledgerSigningKeyPem, dataDir: config.dataDir, name: config.ledgerOrigin });
    const ledger = makeLedger({ signer, clock });
    const auditReader = makeAuditReader(ledger);
    const tenants = makeTenantService({ db, ledger, clock, region: config.region, knownRegions: config.knownRegions, deleteGraceSeconds: config.tenantDeleteGraceSeconds });
    const keys = makeKeyService({ db, ledger, clock });
    const directory = makeDirectory({ db });
    const identity = makeIdentity({ directory, clock });
    const registry = new Registry();
    collectDefaultMetrics({ register: registry, prefix: 'iris_' });

    const systemContext = (): RequestContext => ({
      principal: { keyId: 'system', role: 'platform-admin', tenantId: PLATFORM },
      requestId: newRequestId(),
      traceId: undefined,
      sourceIp: undefined,
    });

    if (config.bootstrapToken !== undefined) {
      const k = bootstrapKey(config.bootstrapToken);
      await db.transaction(platformScope, async (tx) => {
        const created = await insertKeyRow(tx, { tenantId: PLATFORM, keyId: k.keyId, name: 'bootstrap', role: 'platform-admin', secretHash: k.secretHash, createdBy: 'system', expiresAt: null });
        if (created) await ledger.append(tx, systemContext(), { log: PLATFORM, action: 'key.create', resource: { kind: 'ApiKey', id: k.keyId }, before: null, after: created });
      });
    }
    await directory.start();

    const server = await buildServer(
      { db, identity, tenants, keys, ledger, auditReader, registry, pendingMigrations: () => pendingMigrations(db) },
      { bodyLimitBytes: config.bodyLimitBytes, logger: deps.logger ?? false, version: VERSION },
    );

    // Control loops: last-used times of keys, and purging tenants past their grace period.
    const flushUsage = async (): Promise<void> => {
      const used = identity.drainUsage();
      if (used.size > 0) await db.transaction(platformScope, (tx) => touchKeys(tx, used));
    };
    const loops = [
      setInterval(() => void flushUsage().catch(() => undefined), 15_000),
      setInterval(() => void tenants.purgeExpired(systemContext()).catch(() => undefined), 60_000),
    ];
    for (const l of loops) l.unref();

    return {
      config,
      db,
      server,
      directory,
      tenants,
      keys,
      ledger,
      auditReader,
      identity,
      migration,
      signingKeyGenerated: generated,
      systemContext,
      async listen() {
        return server.listen({ host: config.host, port: config.port });
      },
      async close() {
        for (const l of loops) clearInterval(l);
        await server.close();
        await flushUsage().catch(() => undefined);
        await directory.stop();
        if (ownsDb) await db.close();
      },
    };
  } catch (err) {
    if (ownsDb) await db.close().catch(() => undefined);
    throw err;
  }
}
