// Backups of everything Iris stores: create (a consistent snapshot with a signed manifest),
// list, verify (restore into a scratch database and prove the copy), restore (verify, then
// restore into an empty target) and prune (retention by count and age). Operations that make
// partial progress return results: a verification reports each check, and never throws for a
// bad backup.
import { createHash, randomBytes, type KeyObject } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeAuditReader, parseVerifierKey, verifierKey, verifyCheckpoint, type LedgerSigner } from '../audit/index.js';
import type { Clock } from '../core/clock.js';
import { platformScope, type Database } from '../core/db.js';
import { errorMessage, NotFoundError, ValidationError } from '../core/errors.js';
import {
  BACKUP_FORMAT,
  manifestProblem,
  manifestSignedBy,
  signManifest,
  type BackupManifest,
} from './backup-manifest.js';
import { readFacts, tablesWithoutForcedRls } from './backup-facts.js';
import { selectPrunable, type RetentionPolicy } from './backup-retention.js';
import type { StoreSnapshots } from './ports.js';

export interface BackupDeps {
  readonly snapshots: StoreSnapshots;
  /** Signs manifests and verification records; its public key is trusted when reading them. */
  readonly signer: LedgerSigner;
  readonly clock: Clock;
  readonly irisVersion: string;
  /** The newest schema this build knows: a backup of a newer one is refused. */
  readonly latestSchemaVersion: number;
  /** Brings a restored database to this build's schema. */
  readonly migrate: (db: Database) => Promise<{ applied: readonly string[]; error?: { message: string } | undefined }>;
  /** Where backups go when a call names no directory. */
  readonly backupDir: string;
}

export interface BackupCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
  readonly ms: number;
}

export interface BackupVerification {
  readonly id: string;
  readonly ok: boolean;
  readonly verifiedAt: string;
  readonly checks: readonly BackupCheck[];
}

export type VerificationState =
  | { readonly state: 'never' }
  | { readonly state: 'ok' | 'failed'; readonly at: string }
  | { readonly state: 'untrusted'; readonly reason: string };

export interface BackupSummary {
  readonly id: string;
  readonly path: string;
  readonly createdAt: string;
  readonly store: string;
  readonly schemaVersion: number;
  readonly irisVersion: string;
  readonly bytes: number;
  readonly tenants: number;
  readonly ledgerEvents: number;
  readonly verification: VerificationState;
}

/** A catalog entry that is not a usable backup (an unsigned or unreadable directory). */
export interface UnreadableBackup {
  readonly id: string;
  readonly path: string;
  readonly problem: string;
}

export interface CallOptions {
  /** Backup directory for this call (default: the configured one). */
  readonly dir?: string | undefined;
  /** A signed-note verifier key to trust besides this Iris's own (a backup of another Iris). */
  readonly verifierKey?: string | undefined;
}

const MANIFEST = 'manifest.json';
const MANIFEST_SIG = 'manifest.sig';
const VERIFICATION = 'verification.json';
const VERIFICATION_SIG = 'verification.sig';
const ID = /^[0-9A-Za-z][0-9A-Za-z-]{0,63}$/;

async function sha256File(file: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(file)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

/** Runs a file-system step on the backup directory; a failure is the caller's bad directory, not a server error. */
async function usable<T>(dir: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new ValidationError(`The backup directory ${dir} cannot be used (${code}): name a writable directory.`);
  }
}

export function makeBackups(deps: BackupDeps) {
  const { snapshots, signer, clock } = deps;
  const ownVkey = verifierKey(signer.name, signer.publicKey);
  const dirOf = (opts: CallOptions): string => opts.dir ?? deps.backupDir;

  function trusted(opts: CallOptions): { keys: KeyObject[]; name: string; publicKey: KeyObject } {
    if (opts.verifierKey === undefined)
      return { keys: [signer.publicKey], name: signer.name, publicKey: signer.publicKey };
    let pinned: { name: string; publicKey: KeyObject };
    try {
      pinned = parseVerifierKey(opts.verifierKey);
    } catch (err) {
      throw new ValidationError(`The verifier key is malformed: ${errorMessage(err)}`);
    }
    return { keys: [pinned.publicKey, signer.publicKey], ...pinned };
  }

  /** The directory of backup `id`. @throws NotFoundError when there is none. */
  function locate(id: string, opts: CallOptions): string {
    if (!ID.test(id)) throw new ValidationError(`'${id.slice(0, 80)}' is not a backup id.`);
    const path = join(dirOf(opts), id);
    if (!existsSync(join(path, MANIFEST))) throw new NotFoundError('backup', id);
    return path;
  }

  /** Reads and checks a backup's manifest: signature first, then shape. */
  async function readManifest(path: string, keys: readonly KeyObject[]): Promise<BackupManifest | string> {
    let raw: unknown;
    let signature: string;
    try {
      raw = JSON.parse(await readFile(join(path, MANIFEST), 'utf8'));
      signature = await readFile(join(path, MANIFEST_SIG), 'utf8');
    } catch (err) {
      return `the manifest cannot be read: ${errorMessage(err)}`;
    }
    if (!manifestSignedBy(raw, signature, keys))
      return 'the manifest signature does not verify with a trusted key (changed, or signed by another Iris: pass its verifier key)';
    return manifestProblem(raw) ?? (raw as BackupManifest);
  }

  async function verificationOf(path: string): Promise<VerificationState> {
    if (!existsSync(join(path, VERIFICATION))) return { state: 'never' };
    try {
      const raw = JSON.parse(await readFile(join(path, VERIFICATION), 'utf8')) as BackupVerification;
      const sig = await readFile(join(path, VERIFICATION_SIG), 'utf8');
      if (!manifestSignedBy(raw, sig, [signer.publicKey]))
        return { state: 'untrusted', reason: 'the verification record is not signed by this Iris' };
      return { state: raw.ok ? 'ok' : 'failed', at: raw.verifiedAt };
    } catch (err) {
      return { state: 'untrusted', reason: `the verification record cannot be read: ${errorMessage(err)}` };
    }
  }

  function summaryOf(path: string, m: BackupManifest, verification: VerificationState): BackupSummary {
    return {
      id: m.id,
      path,
      createdAt: m.createdAt,
      store: m.store,
      schemaVersion: m.schemaVersion,
      irisVersion: m.irisVersion,
      bytes: m.parts.reduce((n, p) => n + p.bytes, 0),
      tenants: m.tenants,
      ledgerEvents: m.ledgers.reduce((n, l) => n + l.size, 0),
      verification,
    };
  }

  /** Takes a consistent snapshot of the whole store into a new backup. */
  async function create(opts: CallOptions = {}): Promise<BackupSummary> {
    const now = clock.now();
    const id = `${now
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d+Z$/, 'Z')}-${randomBytes(3).toString('hex')}`;
    const dir = dirOf(opts);
    await usable(dir, () => mkdir(dir, { recursive: true, mode: 0o700 }));
    // NOTE: written under a .partial name and renamed when complete: a crash mid-backup leaves
    // no directory that list or restore would take for a backup.
    const partial = join(dir, `.${id}.partial`);
    await mkdir(partial, { mode: 0o700 });
    try {
      const part = join(partial, snapshots.partName);
      const facts = await snapshots.snapshot(part, readFacts);
      const digest = await sha256File(part);
      const manifest: BackupManifest = {
        format: BACKUP_FORMAT,
        id,
        createdAt: now.toISOString(),
        store: snapshots.store,
        irisVersion: deps.irisVersion,
        schemaVersion: facts.schemaVersion,
        parts: [{ name: snapshots.partName, ...digest }],
        rowCounts: facts.rowCounts,
        tenants: facts.rowCounts.tenants ?? 0,
        ledgers: facts.ledgers,
        signer: ownVkey,
      };
      await writeFile(join(partial, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
      await writeFile(join(partial, MANIFEST_SIG), signManifest(manifest, signer.privateKey), { mode: 0o600 });
      await rename(partial, join(dir, id));
      return summaryOf(join(dir, id), manifest, { state: 'never' });
    } finally {
      await rm(partial, { recursive: true, force: true });
    }
  }

  /** Every backup in the directory, newest first, and the entries that are not usable backups. */
  async function list(opts: CallOptions = {}): Promise<{ items: BackupSummary[]; unreadable: UnreadableBackup[] }> {
    const dir = dirOf(opts);
    const { keys } = trusted(opts);
    const entries = existsSync(dir) ? await usable(dir, () => readdir(dir, { withFileTypes: true })) : [];
    const items: BackupSummary[] = [];
    const unreadable: UnreadableBackup[] = [];
    for (const e of entries) {
      if (!e.isDirectory() || !ID.test(e.name)) continue;
      const path = join(dir, e.name);
      const m = await readManifest(path, keys);
      if (typeof m === 'string') unreadable.push({ id: e.name, path, problem: m });
      else items.push(summaryOf(path, m, await verificationOf(path)));
    }
    items.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
    return { items, unreadable };
  }

  /**
   * Proves backup `id` restorable: checks its manifest signature, schema and digests, restores
   * it into a scratch database, compares row counts, migrates it to this build's schema, and
   * re-verifies every ledger against the head the manifest signed and forced RLS on every
   * tenant table. Records the outcome beside the backup (signed). Never throws for a bad backup.
   */
  async function verify(id: string, opts: CallOptions = {}): Promise<BackupVerification> {
    const path = locate(id, opts);
    const trust = trusted(opts);
    const checks: BackupCheck[] = [];
    const check = async (name: string, fn: () => Promise<string>): Promise<boolean> => {
      const started = performance.now();
      try {
        const detail = await fn();
        checks.push({ name, ok: true, detail, ms: Math.round(performance.now() - started) });
        return true;
      } catch (err) {
        checks.push({ name, ok: false, detail: errorMessage(err), ms: Math.round(performance.now() - started) });
        return false;
      }
    };
    let manifest: BackupManifest | undefined;
    const finish = async (): Promise<BackupVerification> => {
      const result: BackupVerification = {
        id,
        ok: checks.every((c) => c.ok),
        verifiedAt: clock.now().toISOString(),
        checks,
      };
      await writeFile(join(path, VERIFICATION), `${JSON.stringify(result, null, 2)}\n`, { mode: 0o600 });
      await writeFile(join(path, VERIFICATION_SIG), signManifest(result as never, signer.privateKey), { mode: 0o600 });
      return result;
    };

    const readable = await check('manifest', async () => {
      const m = await readManifest(path, trust.keys);
      if (typeof m === 'string') throw new Error(m);
      manifest = m;
      return `signed by ${m.signer.split('+')[0] ?? '?'}; ${m.parts.length} part(s), ${m.tenants} tenants`;
    });
    if (!readable || manifest === undefined) return finish();
    const m = manifest;
    const usable =
      (await check('schema', async () => {
        if (m.store !== snapshots.store)
          throw new Error(`a ${m.store} backup cannot be restored into this ${snapshots.store} store`);
        if (m.schemaVersion > deps.latestSchemaVersion)
          throw new Error(
            `the backup's schema (${m.schemaVersion}) is newer than this build's (${deps.latestSchemaVersion}): restore it with Iris ${m.irisVersion} or later`,
          );
        return `schema ${m.schemaVersion}, this build ${deps.latestSchemaVersion}`;
      })) &&
      (await check('digests', async () => {
        for (const p of m.parts) {
          const file = join(path, p.name);
          if (!existsSync(file)) throw new Error(`part ${p.name} is missing`);
          const got = await sha256File(file);
          if (got.bytes !== p.bytes)
            throw new Error(`part ${p.name} has ${got.bytes} bytes, the manifest says ${p.bytes} (truncated?)`);
          if (got.sha256 !== p.sha256)
            throw new Error(`part ${p.name} does not match its sha256 (changed since the backup)`);
        }
        return `${m.parts.length} part(s) match their sha256`;
      }));
    if (!usable) return finish();

    let scratch: { db: Database; dispose(): Promise<void> } | undefined;
    try {
      const restored = await check('restore', async () => {
        const part = m.parts[0];
        if (part === undefined) throw new Error('the manifest lists no parts');
        scratch = await snapshots.scratch(join(path, part.name));
        return `restored into a scratch ${snapshots.store} database`;
      });
      if (!restored || scratch === undefined) return await finish();
      const db = scratch.db;
      await check('row-counts', async () => {
        const facts = await db.asOwner((s) => readFacts(s));
        const wrong = Object.entries(m.rowCounts).filter(([t, n]) => facts.rowCounts[t] !== n);
        if (wrong.length > 0)
          throw new Error(
            wrong
              .slice(0, 5)
              .map(([t, n]) => `${t}: ${facts.rowCounts[t] ?? 'missing'} rows, manifest ${n}`)
              .join('; '),
          );
        const total = Object.values(m.rowCounts).reduce((a, b) => a + b, 0);
        return `${Object.keys(m.rowCounts).length} tables, ${total} rows as in the manifest`;
      });
      const migrated = await check('migrate', async () => {
        const res = await deps.migrate(db);
        if (res.error) throw new Error(res.error.message);
        return res.applied.length === 0 ? 'already current' : `applied ${res.applied.join(', ')}`;
      });
      if (migrated) {
        await check('ledgers', async () => {
          const reader = makeAuditReader({
            signer: { name: trust.name, publicKey: trust.publicKey },
            originOf: (log) => `${trust.name}/${log}`,
          });
          const failures: string[] = [];
          for (const head of m.ledgers) {
            if (head.checkpoint !== '') {
              const signed = verifyCheckpoint(head.checkpoint, trust.name, trust.publicKey);
              if (
                !signed.ok ||
                signed.checkpoint.size !== head.size ||
                signed.checkpoint.root.toString('hex') !== head.root
              )
                failures.push(`${head.log}: the manifest's checkpoint is not a valid signed head`);
            }
            const v = await db.transaction(platformScope, (tx) => reader.verify(tx, head.log), { readOnly: true });
            if (!v.ok) failures.push(`${head.log}: ${v.problems[0]?.problem ?? 'does not verify'}`);
            else if (v.size !== head.size || v.root !== head.root)
              failures.push(
                `${head.log}: restored head ${v.size}/${v.root.slice(0, 12)} differs from the manifest's ${head.size}/${head.root.slice(0, 12)}`,
              );
          }
          if (failures.length > 0) throw new Error(failures.slice(0, 5).join('; '));
          const events = m.ledgers.reduce((n, l) => n + l.size, 0);
          return `${m.ledgers.length} logs, ${events} events verify against the signed heads`;
        });
        await check('rls', async () => {
          const rls = await db.asOwner((s) => tablesWithoutForcedRls(s));
          if (rls.failing.length > 0) throw new Error(`without forced RLS: ${rls.failing.join(', ')}`);
          return `${rls.tables} tenant tables force row-level security`;
        });
      }
      return await finish();
    } finally {
      const s = scratch as { dispose(): Promise<void> } | undefined;
      await s?.dispose().catch(() => undefined);
    }
  }

  /**
   * Restores backup `id` into `target` (PGlite: an empty data directory; PostgreSQL: an empty
   * database's URL) after verifying it in full; nothing is written to the target unless the
   * verification passed. The target is migrated by Iris when it starts on it.
   * @throws ValidationError when the backup fails verification; ConflictError for a non-empty target.
   */
  async function restore(
    id: string,
    target: string,
    opts: CallOptions = {},
  ): Promise<{ id: string; verification: BackupVerification }> {
    const path = locate(id, opts);
    const verification = await verify(id, opts);
    if (!verification.ok) {
      const failed = verification.checks.find((c) => !c.ok);
      throw new ValidationError(
        `Backup ${id} failed verification (${failed?.name ?? '?'}: ${failed?.detail ?? ''}); nothing was restored.`,
        {
          checks: verification.checks,
        },
      );
    }
    await snapshots.restore(join(path, snapshots.partName), target);
    return { id, verification };
  }

  /** Removes what `policy` does not keep (and stale partial backups); `dryRun` only reports. */
  async function prune(
    policy: RetentionPolicy & { readonly dryRun?: boolean },
    opts: CallOptions = {},
  ): Promise<{ removed: string[]; kept: string[]; dryRun: boolean }> {
    const { items } = await list(opts);
    const removed = selectPrunable(
      items.map((b) => ({ id: b.id, createdAt: b.createdAt, verified: b.verification.state === 'ok' })),
      policy,
      clock.now(),
    );
    const dryRun = policy.dryRun === true;
    if (!dryRun) {
      for (const id of removed) await rm(join(dirOf(opts), id), { recursive: true, force: true });
      const dir = dirOf(opts);
      // NOTE: a .partial directory older than an hour is a crashed backup's leftover.
      for (const e of existsSync(dir) ? await usable(dir, () => readdir(dir)) : []) {
        if (!/^\..+\.partial$/.test(e)) continue;
        const age = clock.now().getTime() - (await stat(join(dir, e))).mtimeMs;
        if (age > 3_600_000) await rm(join(dir, e), { recursive: true, force: true });
      }
    }
    const gone = new Set(removed);
    return { removed, kept: items.filter((b) => !gone.has(b.id)).map((b) => b.id), dryRun };
  }

  return { create, list, verify, restore, prune };
}

export type Backups = ReturnType<typeof makeBackups>;
