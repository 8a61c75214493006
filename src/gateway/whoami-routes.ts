// `GET /v1/whoami`: the calling key itself (role, tenant, agent) and what the role taxonomy lets
// it do (actions, API operations, CLI commands), so a CLI or an agent can tell before calling
// whether a call would be refused, and which role it would need.
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { authorize } from '../core/context.js';
import { commandsOf, grantsOf, isPlatformRole, operationsOf } from '../core/roles.js';
import { ProblemSchema, bearer } from './schemas.js';

const Nullable = (s: ReturnType<typeof Type.String>) => Type.Union([s, Type.Null()]);

export const WhoamiSchema = Type.Object(
  {
    keyId: Type.String(),
    role: Type.String(),
    tenantId: Type.String({ description: "The key's tenant, or 'platform'." }),
    scope: Type.Union([Type.Literal('tenant'), Type.Literal('platform')], {
      description: 'Where keys of this role live.',
    }),
    agent: Type.Union([
      Type.Object({ name: Nullable(Type.String()), crew: Nullable(Type.String()), run: Nullable(Type.String()) }),
      Type.Null(),
    ]),
    actions: Type.Array(Type.String(), {
      description: 'Cedar actions the role is granted (within its tenant; platform-admin: everywhere).',
    }),
    operations: Type.Array(Type.String(), { description: 'API operations (MCP tool names) the role may call.' }),
    commands: Type.Array(Type.String(), { description: 'CLI commands (after `iris`) the role may run.' }),
  },
  { $id: 'Whoami', additionalProperties: false },
);

export function registerWhoamiRoutes(app: FastifyInstance): void {
  app.get(
    '/v1/whoami',
    {
      schema: {
        tags: ['keys'],
        summary: 'The calling key: its role, tenant, agent and everything its role may do',
        security: bearer,
        response: { 200: WhoamiSchema, 401: ProblemSchema, 403: ProblemSchema },
      },
    },
    async (req) => {
      const p = req.ctx.principal;
      authorize(p, 'identity.read', p.tenantId, 'ApiKey');
      return {
        keyId: p.keyId,
        role: p.role,
        tenantId: p.tenantId,
        scope: isPlatformRole(p.role) ? 'platform' : 'tenant',
        agent: p.agent ?? null,
        actions: [...grantsOf(p.role)],
        operations: operationsOf(p.role),
        commands: commandsOf(p.role),
      };
    },
  );
}
