// /v1/audit: the ledger's events, signed head, checkpoints, witness records, verification,
// inclusion and consistency proofs.
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AuditReader, Ledger } from '../audit/index.js';
import { authorize, scopeOf, type RequestContext } from '../core/context.js';
import { platformScopeIn, type Database, type Scope } from '../core/db.js';
import { PLATFORM, TENANT_OR_PLATFORM_PATTERN } from '../core/ids.js';
import { ProblemSchema, bearer } from './schemas.js';

const LogParam = Type.Object({
  log: Type.String({ pattern: TENANT_OR_PLATFORM_PATTERN, description: "A tenant id, or 'platform'" }),
});
const errors = { 400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema, 404: ProblemSchema };

/**
 * The scope reading a log's witness records. The platform log's are every tenant log's: whoever
 * may read the platform log reads them in platform scope, and learns nothing its witness
 * events do not already say (log, size, root).
 */
function witnessScope(ctx: RequestContext, log: string): Scope {
  return log === PLATFORM ? platformScopeIn(ctx.trace) : scopeOf(ctx);
}

export function registerAuditRoutes(
  app: FastifyInstance,
  deps: { db: Database; reader: AuditReader; ledger: Ledger },
): void {
  const { db, reader, ledger } = deps;

  app.get(
    '/v1/audit/key',
    {
      schema: {
        tags: ['audit'],
        summary: "The ledger's verifier key (signed-note vkey), for offline verification",
        response: { 200: Type.Object({ vkey: Type.String(), name: Type.String() }) },
      },
      config: { public: true },
    },
    async () => ({ vkey: reader.vkey, name: ledger.signer.name }),
  );

  app.get<{ Params: { log: string }; Querystring: { from: number; limit: number } }>(
    '/v1/audit/logs/:log/events',
    {
      schema: {
        tags: ['audit'],
        summary: 'A page of audit events, oldest first',
        security: bearer,
        params: LogParam,
        querystring: Type.Object(
          {
            from: Type.Integer({ minimum: 0, default: 0 }),
            limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
          },
          { additionalProperties: false },
        ),
        response: errors,
      },
    },
    async (req) => {
      authorize(req.ctx.principal, 'audit.read', req.params.log, 'Log');
      return db.transaction(scopeOf(req.ctx), async (tx) => {
        const items = await reader.events(tx, req.params.log, req.query.from, req.query.limit);
        const head = await reader.head(tx, req.params.log);
        const last = items[items.length - 1];
        return {
          log: req.params.log,
          size: head?.size ?? 0,
          items,
          ...(last && last.seq + 1 < (head?.size ?? 0) ? { next: last.seq + 1 } : {}),
        };
      });
    },
  );

  app.get<{ Params: { log: string } }>(
    '/v1/audit/logs/:log/head',
    {
      schema: {
        tags: ['audit'],
        summary: 'The signed head of a log (C2SP checkpoint)',
        security: bearer,
        params: LogParam,
        response: errors,
      },
    },
    async (req) => {
      authorize(req.ctx.principal, 'audit.read', req.params.log, 'Log');
      const head = await db.transaction(scopeOf(req.ctx), (tx) => reader.head(tx, req.params.log));
      return {
        log: req.params.log,
        origin: ledger.originOf(req.params.log),
        size: head?.size ?? 0,
        root: head?.root ?? null,
        checkpoint: head?.checkpoint ?? null,
        vkey: reader.vkey,
      };
    },
  );

  app.get<{ Params: { log: string } }>(
    '/v1/audit/logs/:log/checkpoints',
    {
      schema: {
        tags: ['audit'],
        summary: 'Signed checkpoints kept for this log',
        security: bearer,
        params: LogParam,
        response: errors,
      },
    },
    async (req) => {
      authorize(req.ctx.principal, 'audit.read', req.params.log, 'Log');
      return { items: await db.transaction(scopeOf(req.ctx), (tx) => reader.checkpoints(tx, req.params.log)) };
    },
  );

  app.post<{ Params: { log: string } }>(
    '/v1/audit/logs/:log/checkpoints',
    {
      schema: {
        tags: ['audit'],
        summary: 'Keep the current signed head as a checkpoint (for export)',
        security: bearer,
        params: LogParam,
        response: errors,
      },
    },
    async (req) => {
      authorize(req.ctx.principal, 'audit.read', req.params.log, 'Log');
      return (
        (await db.transaction(scopeOf(req.ctx), (tx) => ledger.keepCheckpoint(tx, req.params.log))) ?? {
          size: 0,
          note: null,
        }
      );
    },
  );

  app.get<{ Params: { log: string } }>(
    '/v1/audit/logs/:log/verify',
    {
      schema: {
        tags: ['audit'],
        summary:
          'Recompute the log and check it against its signed head, its checkpoints and what the platform log witnessed',
        security: bearer,
        params: LogParam,
        response: errors,
      },
    },
    async (req) => {
      authorize(req.ctx.principal, 'audit.read', req.params.log, 'Log');
      return db.transaction(witnessScope(req.ctx, req.params.log), (tx) => reader.verify(tx, req.params.log));
    },
  );

  app.get<{ Params: { log: string }; Querystring: { from: number; limit: number } }>(
    '/v1/audit/logs/:log/witnesses',
    {
      schema: {
        tags: ['audit'],
        summary:
          "Witness records: the log's signed checkpoints at the sizes the platform log recorded (for the platform log: every log's), by platform event",
        security: bearer,
        params: LogParam,
        querystring: Type.Object(
          {
            from: Type.Integer({ minimum: 0, default: 0, description: 'first platform event seq' }),
            limit: Type.Integer({ minimum: 1, maximum: 1000, default: 1000 }),
          },
          { additionalProperties: false },
        ),
        response: errors,
      },
    },
    async (req) => {
      authorize(req.ctx.principal, 'audit.read', req.params.log, 'Log');
      const items = await db.transaction(witnessScope(req.ctx, req.params.log), (tx) =>
        reader.witnesses(tx, req.params.log, req.query.from, req.query.limit),
      );
      const last = items[items.length - 1];
      return {
        log: req.params.log,
        items,
        ...(last && items.length === req.query.limit ? { next: last.platformSeq + 1 } : {}),
      };
    },
  );

  app.get<{ Params: { log: string }; Querystring: { first: number; second?: number } }>(
    '/v1/audit/logs/:log/consistency',
    {
      schema: {
        tags: ['audit'],
        summary:
          'An RFC 6962 consistency proof: the first `first` events are a prefix of the first `second` (default: the signed head)',
        security: bearer,
        params: LogParam,
        querystring: Type.Object(
          { first: Type.Integer({ minimum: 0 }), second: Type.Optional(Type.Integer({ minimum: 0 })) },
          { additionalProperties: false },
        ),
        response: { ...errors, 409: ProblemSchema },
      },
    },
    async (req) => {
      authorize(req.ctx.principal, 'audit.read', req.params.log, 'Log');
      return db.transaction(scopeOf(req.ctx), (tx) =>
        reader.consistency(tx, req.params.log, req.query.first, req.query.second),
      );
    },
  );

  app.get<{ Params: { log: string; seq: number } }>(
    '/v1/audit/logs/:log/proof/:seq',
    {
      schema: {
        tags: ['audit'],
        summary: 'An inclusion proof of one event against the signed head (verifiable offline)',
        security: bearer,
        params: Type.Composite([LogParam, Type.Object({ seq: Type.Integer({ minimum: 0 }) })]),
        response: errors,
      },
    },
    async (req) => {
      authorize(req.ctx.principal, 'audit.read', req.params.log, 'Log');
      return db.transaction(scopeOf(req.ctx), (tx) => reader.prove(tx, req.params.log, req.params.seq));
    },
  );
}
