// API keys of a tenant (/v1/tenants/{t}/keys) and of the platform (/v1/platform/keys).
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { PLATFORM } from '../core/ids.js';
import {
  ApiKeySchema,
  CreatedKeySchema,
  CreateKeySchema,
  type CreateKeyInput,
  type KeyService,
} from '../tenants/index.js';
import { ConsistentReadSchema, ProblemSchema, TenantParamsSchema, bearer } from './schemas.js';

const KeyId = Type.String({ pattern: '^k[a-z0-9]{1,20}$' });
const errors = { 400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema, 404: ProblemSchema };

export function registerKeyRoutes(app: FastifyInstance, keys: KeyService): void {
  const scopes = [
    {
      prefix: '/v1/tenants/:tenantId/keys',
      params: TenantParamsSchema,
      owner: (p: { tenantId?: string }) => p.tenantId ?? '',
      tag: 'keys',
    },
    { prefix: '/v1/platform/keys', params: Type.Object({}), owner: () => PLATFORM, tag: 'platform' },
  ];
  for (const s of scopes) {
    app.post<{ Params: { tenantId?: string }; Body: CreateKeyInput }>(
      s.prefix,
      {
        schema: {
          tags: [s.tag],
          summary: 'Create an API key (the token is shown once)',
          security: bearer,
          params: s.params,
          body: CreateKeySchema,
          response: { 201: CreatedKeySchema, ...errors },
        },
      },
      async (req, reply) => reply.code(201).send(await keys.create(req.ctx, s.owner(req.params), req.body)),
    );

    app.get<{ Params: { tenantId?: string }; Querystring: { consistent?: boolean } }>(
      s.prefix,
      {
        schema: {
          tags: [s.tag],
          summary: 'List API keys (never their secrets)',
          description:
            "Served from this replica's snapshot when it is provably current (lastUsedAt as of the last change or resync), else from the database; `?consistent=true` always reads the database.",
          security: bearer,
          params: s.params,
          querystring: ConsistentReadSchema,
          response: { 200: Type.Object({ items: Type.Array(ApiKeySchema) }), ...errors },
        },
      },
      async (req) => ({ items: await keys.list(req.ctx, s.owner(req.params), req.query) }),
    );

    app.delete<{ Params: { tenantId?: string; keyId: string } }>(
      `${s.prefix}/:keyId`,
      {
        schema: {
          tags: [s.tag],
          summary: 'Revoke an API key (effective on every replica at once)',
          security: bearer,
          params: Type.Composite([s.params, Type.Object({ keyId: KeyId })]),
          response: { 200: ApiKeySchema, ...errors },
        },
      },
      async (req) => keys.revoke(req.ctx, s.owner(req.params), req.params.keyId),
    );
  }
}
