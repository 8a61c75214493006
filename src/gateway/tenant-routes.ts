// /v1/tenants: create, read, list, update (If-Match), soft delete and restore.
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import {
  CreatedKeySchema,
  CreateTenantSchema,
  TENANT_STATUSES,
  TenantSchema,
  UpdateTenantSchema,
  type CreateTenantInput,
  type TenantService,
  type TenantStatus,
  type UpdateTenantInput,
} from '../tenants/index.js';
import { ConsistentReadSchema, ProblemSchema, TenantParamsSchema, bearer } from './schemas.js';

const IfMatch = Type.Object({ 'if-match': Type.Optional(Type.String({ maxLength: 64 })) });
const errors = {
  400: ProblemSchema,
  401: ProblemSchema,
  403: ProblemSchema,
  404: ProblemSchema,
  409: ProblemSchema,
  412: ProblemSchema,
};
const etag = (rv: string): string => `"${rv}"`;
/** A created tenant, with its first tenant-admin key when one was asked for. */
const CreatedTenant = Type.Composite([TenantSchema, Type.Object({ firstKey: Type.Optional(CreatedKeySchema) })]);

export function registerTenantRoutes(app: FastifyInstance, tenants: TenantService): void {
  app.post<{ Body: CreateTenantInput }>(
    '/v1/tenants',
    {
      schema: {
        tags: ['tenants'],
        summary: 'Create a tenant, optionally with its first tenant-admin key (platform-admin, tenant-onboarder)',
        security: bearer,
        body: CreateTenantSchema,
        response: { 201: CreatedTenant, ...errors },
      },
    },
    async (req, reply) => {
      const t = await tenants.create(req.ctx, req.body);
      return reply.code(201).header('location', `/v1/tenants/${t.id}`).header('etag', etag(t.resourceVersion)).send(t);
    },
  );

  app.get<{ Querystring: { limit: number; continue?: string; status?: TenantStatus; search?: string } }>(
    '/v1/tenants',
    {
      schema: {
        tags: ['tenants'],
        summary: 'List the tenants the caller may see',
        security: bearer,
        querystring: Type.Object(
          {
            limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
            continue: Type.Optional(Type.String({ maxLength: 200 })),
            status: Type.Optional(Type.Union(TENANT_STATUSES.map((s) => Type.Literal(s)))),
            search: Type.Optional(
              Type.String({
                minLength: 1,
                maxLength: 100,
                description: 'Only tenants whose id or name contains this.',
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ items: Type.Array(TenantSchema), continue: Type.Optional(Type.String()) }),
          ...errors,
        },
      },
    },
    async (req) => tenants.list(req.ctx, req.query),
  );

  app.get<{ Params: { tenantId: string }; Querystring: { consistent?: boolean } }>(
    '/v1/tenants/:tenantId',
    {
      schema: {
        tags: ['tenants'],
        summary: 'Read a tenant',
        description:
          "Served from this replica's snapshot when it is provably current, else from the database; `?consistent=true` always reads the database.",
        security: bearer,
        params: TenantParamsSchema,
        querystring: ConsistentReadSchema,
        response: { 200: TenantSchema, ...errors },
      },
    },
    async (req, reply) => {
      const t = await tenants.get(req.ctx, req.params.tenantId, req.query);
      return reply.header('etag', etag(t.resourceVersion)).send(t);
    },
  );

  app.patch<{ Params: { tenantId: string }; Body: UpdateTenantInput; Headers: { 'if-match'?: string } }>(
    '/v1/tenants/:tenantId',
    {
      schema: {
        tags: ['tenants'],
        summary: 'Update a tenant (JSON merge patch; If-Match for optimistic concurrency)',
        description:
          'Placement fields (tier, homeRegion, ring, status, quotas) need platform-admin. A stale If-Match answers 412; a stale body resourceVersion answers 409. A label set to null is removed.',
        security: bearer,
        params: TenantParamsSchema,
        headers: IfMatch,
        body: UpdateTenantSchema,
        response: { 200: TenantSchema, ...errors },
      },
    },
    async (req, reply) => {
      const t = await tenants.update(req.ctx, req.params.tenantId, req.body, { ifMatch: req.headers['if-match'] });
      return reply.header('etag', etag(t.resourceVersion)).send(t);
    },
  );

  app.delete<{ Params: { tenantId: string }; Headers: { 'if-match'?: string } }>(
    '/v1/tenants/:tenantId',
    {
      schema: {
        tags: ['tenants'],
        summary: 'Soft-delete a tenant (purged after the grace period; restorable until then)',
        security: bearer,
        params: TenantParamsSchema,
        headers: IfMatch,
        response: { 200: TenantSchema, ...errors },
      },
    },
    async (req, reply) => {
      const t = await tenants.remove(req.ctx, req.params.tenantId, { ifMatch: req.headers['if-match'] });
      return reply.header('etag', etag(t.resourceVersion)).send(t);
    },
  );

  app.post<{ Params: { tenantId: string }; Headers: { 'if-match'?: string } }>(
    '/v1/tenants/:tenantId/restore',
    {
      schema: {
        tags: ['tenants'],
        summary: 'Restore a soft-deleted tenant',
        security: bearer,
        params: TenantParamsSchema,
        headers: IfMatch,
        response: { 200: TenantSchema, ...errors },
      },
    },
    async (req, reply) => {
      const t = await tenants.restore(req.ctx, req.params.tenantId, { ifMatch: req.headers['if-match'] });
      return reply.header('etag', etag(t.resourceVersion)).send(t);
    },
  );
}
