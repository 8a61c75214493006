// One tenant at a time: `GET /v1/tenants/:tenantId/archive` answers the tenant's signed archive
// (application/gzip); `POST /v1/platform/tenant-archives` imports one (the archive is the body).
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { ValidationError } from '../core/errors.js';
import type { TenantArchiveService } from '../recovery/index.js';
import { ProblemSchema, TenantParamsSchema, bearer } from './schemas.js';

const ARCHIVE_TYPES = ['application/gzip', 'application/octet-stream'];

const ImportQuery = Type.Object(
  {
    replace: Type.Boolean({
      default: false,
      description:
        'true: restore over a tenant that already has rows here (its rows are removed first, in the same transaction; its audit log is kept and must continue the archived one). false: such a tenant answers 409 tenant_exists.',
    }),
    rehome: Type.Optional(
      Type.String({
        pattern: '^[a-z0-9-]{2,32}$',
        description:
          "Make this region (one this deployment serves) the tenant's home. Needed when the archived home region is not served here; recorded as a tenant.rehome audit event.",
      }),
    ),
    verifierKey: Type.Optional(
      Type.String({
        maxLength: 512,
        description:
          "The signed-note verifier key of the Iris that exported the archive (its GET /v1/audit/key). Default: this Iris's own key; an archive signed by any other key is refused.",
      }),
    ),
  },
  { additionalProperties: false },
);

const ImportReply = Type.Object({
  tenantId: Type.String(),
  homeRegion: Type.String(),
  rehomedFrom: Type.Union([Type.String(), Type.Null()]),
  replaced: Type.Boolean(),
  rows: Type.Record(Type.String(), Type.Integer()),
  archiveSha256: Type.String(),
  signer: Type.String(),
  ledger: Type.Object({
    outcome: Type.Union([Type.Literal('restored'), Type.Literal('kept')]),
    verification: Type.Object({
      log: Type.String(),
      ok: Type.Boolean(),
      size: Type.Integer(),
      root: Type.String(),
      checkpointsVerified: Type.Integer(),
      witnessesVerified: Type.Integer(),
      witnessedSize: Type.Integer(),
      problems: Type.Array(Type.Object({ seq: Type.Optional(Type.Integer()), problem: Type.String() })),
    }),
  }),
});

const errors = {
  400: ProblemSchema,
  401: ProblemSchema,
  403: ProblemSchema,
  404: ProblemSchema,
  409: ProblemSchema,
  413: ProblemSchema,
  415: ProblemSchema,
  422: ProblemSchema,
};

/** The tenant archive routes as a Fastify plugin (its body parser stays inside it). */
export function tenantArchiveRoutes(deps: {
  archives: TenantArchiveService;
  /** Largest archive an import accepts, in bytes (compressed). */
  maxArchiveBytes: number;
}): FastifyPluginAsync {
  return async (app) => {
    app.addContentTypeParser(
      ARCHIVE_TYPES,
      { parseAs: 'buffer', bodyLimit: deps.maxArchiveBytes },
      (_req, body, done) => done(null, body),
    );

    app.get<{ Params: Static<typeof TenantParamsSchema> }>(
      '/v1/tenants/:tenantId/archive',
      {
        schema: {
          tags: ['tenants'],
          summary: 'Export a tenant: its rows and audit log as a signed archive (platform-admin)',
          description:
            "Every row the tenant owns, read in one snapshot, as an application/gzip archive whose manifest (schema version, row counts and sha256 per table, the tenant's signed ledger head) is signed with this Iris's ledger key. The export is recorded in the tenant's audit log.",
          security: bearer,
          params: TenantParamsSchema,
          produces: ['application/gzip'],
          response: { 200: Type.Unsafe<Buffer>({ type: 'string', format: 'binary' }), ...errors },
        },
      },
      async (req, reply) => {
        const out = await deps.archives.export(req.ctx, req.params.tenantId);
        return reply
          .type('application/gzip')
          .header('content-disposition', `attachment; filename="${out.tenantId}.iris-tenant.gz"`)
          .header('x-archive-rows', String(out.manifest.parts.reduce((n, p) => n + p.rows, 0)))
          .send(out.archive);
      },
    );

    app.post<{ Querystring: Static<typeof ImportQuery>; Body: unknown }>(
      '/v1/platform/tenant-archives',
      {
        bodyLimit: deps.maxArchiveBytes,
        schema: {
          tags: ['tenants'],
          summary: 'Import a tenant from a signed archive (platform-admin)',
          description:
            "The body is an archive from GET /v1/tenants/{tenantId}/archive (application/gzip). It is checked whole before anything is written (gzip integrity, the manifest's signature, every part's digest, the schema version, the archived audit log), then restored in one transaction that touches only that tenant's rows, read back against the signed digests, and its audit log verified: the answer carries that verification. Refusals are problems: 400 archive_invalid (corrupt, truncated), 422 archive_unsigned / archive_tampered / archive_ledger_invalid / archive_too_new / region_not_served, 409 tenant_exists / ledger_diverged; nothing is written then.",
          security: bearer,
          consumes: ARCHIVE_TYPES,
          querystring: ImportQuery,
          response: { 200: ImportReply, ...errors },
        },
      },
      async (req) => {
        if (!Buffer.isBuffer(req.body))
          throw new ValidationError('The body must be a tenant archive sent as application/gzip.', { field: 'body' });
        return deps.archives.import(req.ctx, req.body, {
          replace: req.query.replace,
          rehome: req.query.rehome,
          verifierKey: req.query.verifierKey,
        });
      },
    );
  };
}
