// `iris up`, `iris serve`, `iris migrate`: the commands that run Iris itself.
import type { Command } from 'commander';
import {
  createApp,
  localAdminToken,
  MigrationFailedError,
  seedDemoDocuments,
  seedDemoTenants,
  VERSION,
  type App,
} from '../app/index.js';
import { ConfigError, loadConfig, type IrisConfig } from '../core/config.js';
import {
  checkMigrations,
  migrate,
  openDatabase,
  readMigrations,
  redactUrl,
  StoreUnavailableError,
} from '../store/index.js';
import { errorMessage } from '../core/errors.js';

/** Prints a start-up failure as one clear line (no stack trace) and exits. */
function fail(err: unknown): never {
  const known =
    err instanceof ConfigError || err instanceof StoreUnavailableError || err instanceof MigrationFailedError;
  const msg = errorMessage(err);
  process.stderr.write(`iris: ${known ? msg : `failed to start: ${msg}`}\n`);
  process.exit(1);
}

function config(): IrisConfig {
  try {
    return loadConfig();
  } catch (err) {
    fail(err);
  }
}

/**
 * SIGTERM drains first when IRIS_DRAIN_SECONDS is set: health checks fail while requests are
 * still served, so a load balancer stops routing here before the listener closes (requests that
 * reach a closing server get a bare 503). SIGINT, or a second signal, closes at once.
 */
function onSignals(app: App, drainSeconds: number): void {
  let closing = false;
  let draining = false;
  const close = (signal: string): void => {
    if (closing) return;
    closing = true;
    app.server.log.info({ signal }, 'shutting down');
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  const stop = (signal: string): void => {
    if (draining || drainSeconds === 0 || signal === 'SIGINT') return close(signal);
    draining = true;
    app.drain();
    app.server.log.info({ signal, drainSeconds }, 'draining: health checks fail, requests are still served');
    setTimeout(() => close(signal), drainSeconds * 1000);
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

async function start(cfg: IrisConfig, opts: { seed: boolean; workers: number }): Promise<void> {
  let app: App;
  try {
    app = await createApp(cfg, { logger: { level: cfg.logLevel, redact: ['req.headers.authorization'] } });
  } catch (err) {
    fail(err);
  }
  onSignals(app, cfg.drainSeconds);
  const seeded = opts.seed ? await seedDemoTenants(app) : [];
  // NOTE: a tenant whose home region this deployment does not serve gets no documents here.
  const documents = await seedDemoDocuments(
    app,
    seeded.filter(
      (id) => app.directory.tenant(id)?.homeRegion === cfg.region || app.directory.tenant(id) === undefined,
    ),
  ).catch(() => 0);
  if (opts.workers > 0) await app.startWorker({ concurrency: opts.workers });
  const admin = await localAdminToken(app);
  let address: string;
  try {
    address = await app.listen();
  } catch (err) {
    await app.close();
    fail(new ConfigError(`cannot listen on ${cfg.host}:${cfg.port}: ${errorMessage(err)} (set IRIS_PORT)`));
  }
  const store = cfg.databaseUrl
    ? `PostgreSQL ${redactUrl(cfg.databaseUrl)}`
    : `embedded PGlite in ${cfg.dataDir}/pgdata`;
  const lines = [
    '',
    `Iris ${VERSION} is running (region ${cfg.region}, store: ${store})`,
    `  API        ${address}/v1`,
    `  Console    ${address}/console/   (sign in with an API key)`,
    `  API docs   ${address}/docs   (OpenAPI: ${address}/openapi.json)`,
    `  Metrics    ${address}/metrics   (bearer: IRIS_METRICS_TOKEN${cfg.metricsToken === undefined ? ' when set' : ''}, or the admin token)`,
    `  Health     ${address}/healthz  ${address}/readyz`,
    admin.source === 'env'
      ? '  Admin      the platform-admin token is IRIS_BOOTSTRAP_TOKEN'
      : `  Admin      platform-admin token (also in ${cfg.dataDir}/admin-token):\n             ${admin.token}`,
    opts.workers > 0 ? `  Workers    ${opts.workers} job slots in this process (iris worker runs more)` : '',
    seeded.length > 0
      ? `  Seeded     demo tenants: ${seeded.join(', ')}${documents > 0 ? `; ${documents} documents in acme's knowledge graph` : ''}`
      : '',
    `  Try        npx iris tenants list --api ${address}`,
    documents > 0 ? `             npx iris query --tenant acme "Who owns the Payments Gateway?" --api ${address}` : '',
    '',
  ];
  process.stdout.write(`${lines.filter((l) => l !== '').join('\n')}\n\n`);
}

export function registerServerCommands(program: Command): void {
  program
    .command('up')
    .summary('run Iris in one process (API, gateway, workers) with demo data')
    .description(
      'Run Iris in one process on the configured store (PGlite by default), seeded with demo tenants: what `npm start` runs.',
    )
    .option('--no-seed', 'do not create the demo tenants on an empty store')
    .option('--workers <n>', 'job slots of the in-process worker (0: none)', (v) => Number.parseInt(v, 10), 4)
    .addHelpText(
      'after',
      '\nEnvironment: IRIS_PORT (8080), IRIS_DATA_DIR (.iris), DATABASE_URL (unset: embedded PGlite), IRIS_BOOTSTRAP_TOKEN.\nExample:\n  IRIS_PORT=9090 iris up',
    )
    .action(async (opts: { seed: boolean; workers: number }) => start(config(), opts));

  program
    .command('serve')
    .summary('run the API and gateway (one stateless replica)')
    .description('Run the API and gateway (stateless: run N replicas against one PostgreSQL). No demo data.')
    .addHelpText('after', '\nExample:\n  DATABASE_URL=postgres://iris@db:5432/iris IRIS_BOOTSTRAP_TOKEN=... iris serve')
    .action(async () => start(config(), { seed: false, workers: 0 }));

  program
    .command('worker')
    .summary('run async job workers (stateless: run N against one PostgreSQL)')
    .description(
      'Run queue workers that claim jobs fairly across tenants. Needs DATABASE_URL for more than one process (the embedded store is single-process: use iris up there).',
    )
    .option('--concurrency <n>', 'jobs this process runs at once', (v) => Number.parseInt(v, 10), 8)
    .addHelpText('after', '\nExample:\n  DATABASE_URL=postgres://iris@db:5432/iris iris worker --concurrency 16')
    .action(async (opts: { concurrency: number }) => {
      const cfg = config();
      let app: App;
      try {
        app = await createApp(cfg, { logger: { level: cfg.logLevel }, servesQueries: false });
      } catch (err) {
        fail(err);
      }
      onSignals(app, 0);
      const worker = await app.startWorker({ concurrency: opts.concurrency });
      process.stdout.write(
        `Iris worker ${worker.id} running with ${opts.concurrency} slots on ${cfg.databaseUrl ? redactUrl(cfg.databaseUrl) : 'the embedded store'}\n`,
      );
    });

  program
    .command('migrate')
    .summary('apply pending database migrations and exit')
    .description('Apply pending database migrations (forward-only) to DATABASE_URL or the embedded store, then exit.')
    .option(
      '--check',
      'only check the migrations for expand-then-contract (nothing the previous build reads is dropped or renamed, no long lock on an existing table); exits 1 on a finding',
    )
    .addHelpText(
      'after',
      '\nExamples:\n  DATABASE_URL=postgres://postgres@127.0.0.1:5432/iris iris migrate\n  iris migrate --check\n\nA reviewed exception is a line `-- iris:allow <rule> <reason>` in the migration; a migration\nstarting with `-- iris:no-transaction` runs statement by statement (CREATE INDEX CONCURRENTLY).',
    )
    .action(async (o: { check?: boolean }) => {
      if (o.check === true) {
        const findings = checkMigrations(readMigrations());
        for (const f of findings) process.stderr.write(`${f.migration}: ${f.rule}: ${f.why}\n  ${f.statement}\n`);
        process.stdout.write(findings.length === 0 ? 'migrations: expand-only, no long locks\n' : '');
        if (findings.length > 0) process.exit(1);
        return;
      }
      const cfg = config();
      let db;
      try {
        db = await openDatabase(cfg);
      } catch (err) {
        fail(err);
      }
      const result = await migrate(db).finally(() => db.close());
      const out = program.opts<{ output?: string }>().output === 'json';
      if (out) process.stdout.write(`${JSON.stringify(result)}\n`);
      else {
        for (const name of result.applied) process.stdout.write(`applied ${name}\n`);
        process.stdout.write(`${result.applied.length} applied, ${result.alreadyApplied} already applied\n`);
      }
      if (result.error) {
        process.stderr.write(`iris: migration ${result.error.migration} failed: ${result.error.message}\n`);
        process.exit(1);
      }
    });
}
