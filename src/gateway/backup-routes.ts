// Backups of the whole store, run by the server that holds it (the embedded store can only be
// snapshotted by its own process): create, list, verify, restore, prune. Platform admins only;
// every call that writes is recorded in the platform log.
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { isAbsolute } from 'node:path';
import type { Ledger } from '../audit/index.js';
import { authorize, type RequestContext } from '../core/context.js';
import { platformScopeIn, type Database } from '../core/db.js';
import { ValidationError } from '../core/errors.js';
import { PLATFORM } from '../core/ids.js';
import type { Action } from '../core/role-taxonomy.js';
import type { Backups } from '../recovery/index.js';
import { ProblemSchema, bearer } from './schemas.js';

const Dir = Type.String({
  minLength: 1,
  maxLength: 1024,
  description: "Backup directory on the server's host (absolute); default IRIS_BACKUP_DIR.",
});
const VerifierKey = Type.String({
  minLength: 1,
  maxLength: 1024,
  description: 'Signed-note verifier key of another Iris whose backups to trust (its GET /v1/audit/key).',
});
const BackupId = Type.String({ pattern: '^[0-9A-Za-z][0-9A-Za-z-]{0,63}$' });
const IdParams = Type.Object({ backupId: BackupId }, { additionalProperties: false });
const Where = Type.Object(
  { dir: Type.Optional(Dir), verifierKey: Type.Optional(VerifierKey) },
  { additionalProperties: false },
);
const CreateBody = Type.Object({ dir: Type.Optional(Dir) }, { additionalProperties: false });
const RestoreBody = Type.Object(
  {
    target: Type.String({
      minLength: 1,
      maxLength: 2048,
      description:
        'Embedded store: an empty Iris data directory (absolute) to restore into. PostgreSQL: the postgres:// URL of an empty database.',
    }),
    dir: Type.Optional(Dir),
    verifierKey: Type.Optional(VerifierKey),
  },
  { additionalProperties: false },
);
const PruneBody = Type.Object(
  {
    keep: Type.Integer({ minimum: 0, maximum: 10_000, description: 'Keep the newest N backups.' }),
    maxAgeDays: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 36_500, description: 'Remove backups older than this.' }),
    ),
    dryRun: Type.Optional(Type.Boolean({ description: 'Only report what would be removed.' })),
    dir: Type.Optional(Dir),
  },
  { additionalProperties: false },
);

const Verification = Type.Object(
  {
    state: Type.Union([Type.Literal('never'), Type.Literal('ok'), Type.Literal('failed'), Type.Literal('untrusted')]),
    at: Type.Optional(Type.String()),
    reason: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
const Summary = Type.Object(
  {
    id: Type.String(),
    path: Type.String(),
    createdAt: Type.String(),
    store: Type.String(),
    schemaVersion: Type.Integer(),
    irisVersion: Type.String(),
    bytes: Type.Integer(),
    tenants: Type.Integer(),
    ledgerEvents: Type.Integer(),
    verification: Verification,
  },
  { $id: 'BackupSummary', additionalProperties: false },
);
const Check = Type.Object(
  { name: Type.String(), ok: Type.Boolean(), detail: Type.String(), ms: Type.Integer() },
  { additionalProperties: false },
);
const VerificationResult = Type.Object(
  { id: Type.String(), ok: Type.Boolean(), verifiedAt: Type.String(), checks: Type.Array(Check) },
  { $id: 'BackupVerification', additionalProperties: false },
);
const errors = { 400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema, 404: ProblemSchema, 409: ProblemSchema };

/** A directory the caller named must be absolute: relative to the server's working directory means nothing to a caller. */
function where<T extends { dir?: string | undefined; verifierKey?: string | undefined }>(body: T): T {
  if (body.dir !== undefined && !isAbsolute(body.dir))
    throw new ValidationError('dir must be an absolute path on the server.');
  return body;
}

/** A restore target for messages and the ledger: a URL without its password. */
function shown(target: string): string {
  try {
    const u = new URL(target);
    if (u.protocol.startsWith('postgres')) {
      if (u.password !== '') u.password = '***';
      return u.toString();
    }
  } catch {
    // not a URL: a directory
  }
  return target;
}

export function registerBackupRoutes(
  app: FastifyInstance,
  deps: { backups: Backups; db: Database; ledger: Ledger },
): void {
  const { backups, db, ledger } = deps;
  const record = (ctx: RequestContext, action: string, id: string, after: unknown): Promise<unknown> =>
    db.transaction(platformScopeIn(ctx.trace), (tx) =>
      ledger.append(tx, ctx, { log: PLATFORM, action, resource: { kind: 'Backup', id }, after }),
    );
  const allow = (ctx: RequestContext, action: Action): void => authorize(ctx.principal, action, PLATFORM, 'Platform');

  app.get<{ Querystring: Static<typeof Where> }>(
    '/v1/platform/backups',
    {
      schema: {
        tags: ['backups'],
        summary: 'Backups in the directory, newest first, with their verification state',
        security: bearer,
        querystring: Where,
        response: {
          200: Type.Object({
            items: Type.Array(Summary),
            unreadable: Type.Array(Type.Object({ id: Type.String(), path: Type.String(), problem: Type.String() })),
          }),
          ...errors,
        },
      },
    },
    async (req) => {
      allow(req.ctx, 'backup.read');
      return backups.list(where(req.query));
    },
  );

  app.post<{ Body: Static<typeof CreateBody> }>(
    '/v1/platform/backups',
    {
      schema: {
        tags: ['backups'],
        summary: 'Take a consistent snapshot of everything Iris stores, with a signed manifest',
        security: bearer,
        body: CreateBody,
        response: { 201: Summary, ...errors },
      },
    },
    async (req, reply) => {
      allow(req.ctx, 'backup.create');
      const summary = await backups.create(where(req.body ?? {}));
      await record(req.ctx, 'backup.create', summary.id, { bytes: summary.bytes, tenants: summary.tenants });
      return reply.code(201).send(summary);
    },
  );

  app.post<{ Params: Static<typeof IdParams>; Body: Static<typeof Where> }>(
    '/v1/platform/backups/:backupId/verify',
    {
      schema: {
        tags: ['backups'],
        summary: 'Restore a backup into a scratch database and check it: signature, digests, counts, ledgers, RLS',
        security: bearer,
        params: IdParams,
        body: Where,
        response: { 200: VerificationResult, ...errors },
      },
    },
    async (req) => {
      allow(req.ctx, 'backup.create');
      const result = await backups.verify(req.params.backupId, where(req.body ?? {}));
      await record(req.ctx, 'backup.verify', req.params.backupId, { ok: result.ok });
      return result;
    },
  );

  app.post<{ Params: Static<typeof IdParams>; Body: Static<typeof RestoreBody> }>(
    '/v1/platform/backups/:backupId/restore',
    {
      schema: {
        tags: ['backups'],
        summary: 'Verify a backup, then restore it into an empty database or data directory',
        security: bearer,
        params: IdParams,
        body: RestoreBody,
        response: {
          200: Type.Object({ id: Type.String(), target: Type.String(), verification: VerificationResult }),
          ...errors,
        },
      },
    },
    async (req) => {
      allow(req.ctx, 'backup.restore');
      const { target, ...opts } = req.body;
      if (!/^postgres(ql)?:\/\//.test(target) && !isAbsolute(target))
        throw new ValidationError('target must be a postgres:// URL or an absolute directory.');
      const result = await backups.restore(req.params.backupId, target, where(opts));
      await record(req.ctx, 'backup.restore', req.params.backupId, { target: shown(target) });
      return { ...result, target: shown(target) };
    },
  );

  app.post<{ Body: Static<typeof PruneBody> }>(
    '/v1/platform/backups/prune',
    {
      schema: {
        tags: ['backups'],
        summary: 'Remove backups past the newest N or older than an age (never the newest, nor the newest verified)',
        security: bearer,
        body: PruneBody,
        response: {
          200: Type.Object({
            removed: Type.Array(Type.String()),
            kept: Type.Array(Type.String()),
            dryRun: Type.Boolean(),
          }),
          ...errors,
        },
      },
    },
    async (req) => {
      allow(req.ctx, 'backup.delete');
      const { dir, ...policy } = req.body;
      const result = await backups.prune(policy, where({ dir }));
      if (!result.dryRun && result.removed.length > 0)
        await record(req.ctx, 'backup.prune', 'backups', { removed: result.removed });
      return result;
    },
  );
}
