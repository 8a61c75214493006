// `iris keys break-glass`: mints a platform-admin key directly in the store (DATABASE_URL, or
// the embedded store under IRIS_DATA_DIR) when no platform-admin key works any more. Loaded
// only when run: it opens the database like `iris migrate`, never the API.
import { existsSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import { loadSigner, makeAuditReader, makeLedger, SIGNING_KEY_FILE } from '../audit/index.js';
import { systemClock } from '../core/clock.js';
import { ConfigError, loadConfig } from '../core/config.js';
import { platformScope } from '../core/db.js';
import { PLATFORM } from '../core/ids.js';
import { openDatabase, pendingMigrations, redactUrl } from '../store/index.js';
import { mintBreakGlassKey } from '../tenants/index.js';
import { CommandFailedError } from './cli-errors.js';
import type { Output } from './output.js';
import { shortTime } from './output.js';
import { errorMessage } from '../core/errors.js';

function operatorName(): string {
  try {
    return `${userInfo().username}@${hostname()}`;
  } catch {
    return `unknown@${hostname()}`;
  }
}

/** Runs the recovery: checks it writes to the server's own ledger, mints, prints the token once. */
export async function runBreakGlass(opts: { name: string; expiresIn?: number }, out: Output): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    throw new CommandFailedError(err instanceof ConfigError ? err.message : String(err));
  }
  // NOTE: never generate a ledger key here: an event signed by another key than the server's
  // would make the platform log fail verification.
  if (config.ledgerSigningKeyPem === undefined && !existsSync(join(config.dataDir, SIGNING_KEY_FILE))) {
    throw new CommandFailedError(
      `no ledger signing key here: set IRIS_LEDGER_SIGNING_KEY as the server has it, or IRIS_DATA_DIR to the server's data directory (${join(config.dataDir, SIGNING_KEY_FILE)} does not exist).`,
    );
  }
  const store =
    config.databaseUrl === undefined
      ? `the embedded store in ${join(config.dataDir, 'pgdata')}`
      : `PostgreSQL ${redactUrl(config.databaseUrl)}`;
  // NOTE: PGlite does not lock its data directory; an open store holds postmaster.pid, which a
  // clean close removes. Two processes writing one store would corrupt it.
  const pidFile = join(config.dataDir, 'pgdata', 'postmaster.pid');
  if (config.databaseUrl === undefined && existsSync(pidFile)) {
    throw new CommandFailedError(
      `${store} is open in another process (${pidFile} exists): stop \`iris up\` first. If no Iris process uses it (one crashed), delete that file and run this again.`,
    );
  }
  const db = await openDatabase(config).catch((err: unknown) => {
    throw new CommandFailedError(errorMessage(err));
  });
  try {
    const pending = await pendingMigrations(db);
    if (pending.length > 0)
      throw new CommandFailedError(
        `${store} is not migrated (${pending.length} pending, first ${pending[0] ?? ''}): run \`iris migrate\` first.`,
      );
    const { signer } = loadSigner({
      pem: config.ledgerSigningKeyPem,
      dataDir: config.dataDir,
      name: config.ledgerOrigin,
    });
    const ledger = makeLedger({ signer, clock: systemClock });
    const platformLog = await db.transaction(platformScope, (tx) => makeAuditReader(ledger).verify(tx, PLATFORM));
    if (!platformLog.ok) {
      const [first] = platformLog.problems;
      throw new CommandFailedError(
        `the platform ledger of ${store} does not verify with this ledger signing key (${first?.problem ?? 'unknown problem'}); run this with the server's IRIS_LEDGER_SIGNING_KEY and IRIS_LEDGER_ORIGIN, or its data directory.`,
      );
    }
    const key = await mintBreakGlassKey(
      { db, ledger, clock: systemClock },
      { name: opts.name, operator: operatorName(), expiresInSeconds: opts.expiresIn },
    );
    out.result(key, () =>
      [
        `Minted platform-admin key ${key.id} (${key.name}) in ${store}${key.expiresAt === null ? '' : `, expires ${shortTime(key.expiresAt)}`}.`,
        `Platform-admin keys that still worked before: ${key.workingAdminKeysBefore}. Audited in the platform ledger as key.break-glass.`,
        'Token:',
        `  ${key.token}`,
      ].join('\n'),
    );
    out.note(
      'warning: this is the only time the token is shown. Create a regular platform-admin key with it, then revoke this one.',
    );
  } finally {
    await db.close();
  }
}
