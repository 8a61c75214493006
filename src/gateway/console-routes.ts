// The console at /console: its built files (Vite's output in dist/console, hashed assets cached
// for a year, the page itself never), served with a strict Content-Security-Policy, and the
// session routes that exchange an API key for an HttpOnly cookie. The console then calls the
// same /v1 API as the CLI, authenticated by that cookie (server.ts) instead of a bearer key.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../core/clock.js';
import type { Principal } from '../core/context.js';
import { IrisError, UnauthenticatedError } from '../core/errors.js';
import type { Directory } from '../tenants/index.js';
import { cookieValue, SESSION_COOKIE, type ConsoleSessions } from './console-session.js';
import type { Identity } from './identity.js';
import { notFoundHandler } from './problem.js';
import { ProblemSchema } from './schemas.js';

/** Where `npm run build` puts the console (dist/console, beside dist/src). */
export const CONSOLE_ROOT = fileURLToPath(new URL('../../console/', import.meta.url));

/**
 * The console's Content-Security-Policy: its own origin only, no inline script, no eval, no
 * framing. Sigma draws with WebGL and images come from blob: URLs (screenshots, downloads).
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');

const SessionBody = Type.Object(
  { token: Type.String({ minLength: 1, maxLength: 512, description: 'An Iris API key: iris_<keyId>_<secret>' }) },
  { additionalProperties: false },
);

const ConsoleSession = Type.Object(
  {
    signedIn: Type.Literal(true),
    keyId: Type.String(),
    role: Type.String(),
    tenantId: Type.String({ description: "The key's tenant, or 'platform'." }),
    expiresAt: Type.String({ format: 'date-time' }),
    csrfToken: Type.String({ description: 'Send it as X-Iris-CSRF on every mutating call made with the session.' }),
  },
  { $id: 'ConsoleSession', additionalProperties: false },
);

const NoSession = Type.Object(
  {
    signedIn: Type.Literal(false),
    reason: Type.String({ description: 'Why there is no session: none, expired, or its key was revoked.' }),
  },
  { additionalProperties: false },
);

export interface ConsoleDeps {
  readonly identity: Identity;
  readonly sessions: ConsoleSessions;
  readonly directory: Directory;
  readonly clock: Clock;
  /** Where the built console is; default CONSOLE_ROOT. */
  readonly root?: string;
}

class ConsoleMissingError extends IrisError {
  constructor() {
    super('console_not_built', 503, 'The console has not been built: run `npm run build`.');
  }
}

export async function registerConsoleRoutes(app: FastifyInstance, deps: ConsoleDeps): Promise<void> {
  const root = deps.root ?? CONSOLE_ROOT;
  const sessionCookie = (req: FastifyRequest, value: string, maxAgeS: number): string =>
    `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeS}` +
    (req.protocol === 'https' ? '; Secure' : '');

  function describe(principal: Principal, cookie: string) {
    const claims = deps.sessions.read(cookie);
    if (claims === null) throw new UnauthenticatedError('The console session is not valid: sign in again.');
    return {
      signedIn: true as const,
      keyId: principal.keyId,
      role: principal.role,
      tenantId: principal.tenantId,
      expiresAt: claims.expiresAt.toISOString(),
      csrfToken: deps.sessions.csrfOf(claims),
    };
  }

  // NOTE: these routes decide their own credential (a key in the body, or the cookie), so they are
  // public to the request hook; the cookie they set is checked by identity on every other call.
  app.post<{ Body: Static<typeof SessionBody> }>(
    '/v1/console/session',
    {
      config: { public: true },
      schema: {
        tags: ['console'],
        summary: 'Sign in to the console: exchange an API key for an HttpOnly session cookie',
        body: SessionBody,
        response: { 201: ConsoleSession, 400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema },
      },
    },
    async (req, reply) => {
      const principal = deps.identity.authenticate(`Bearer ${req.body.token}`, { sourceIp: req.ip });
      const key = deps.directory.key(principal.keyId);
      if (key === undefined) throw new UnauthenticatedError('The API key is not valid.');
      const issued = deps.sessions.issue(key, deps.clock.now());
      void reply.header('set-cookie', sessionCookie(req, issued.cookie, Math.floor(deps.sessions.ttlMs / 1000)));
      void reply.header('cache-control', 'no-store');
      return reply.code(201).send(describe(principal, issued.cookie));
    },
  );

  app.get(
    '/v1/console/session',
    {
      config: { public: true },
      schema: {
        tags: ['console'],
        summary: 'The console session of this cookie (its key, role, expiry and CSRF token), or why there is none',
        response: { 200: Type.Union([ConsoleSession, NoSession]) },
      },
    },
    async (req, reply) => {
      void reply.header('cache-control', 'no-store');
      const cookie = cookieValue(req.headers.cookie, SESSION_COOKIE);
      if (cookie === undefined) return { signedIn: false, reason: 'No console session: sign in with an API key.' };
      try {
        return describe(deps.identity.authenticateSession(cookie, { sourceIp: req.ip }), cookie);
      } catch (err) {
        if (err instanceof IrisError) return { signedIn: false, reason: err.message };
        throw err;
      }
    },
  );

  app.delete(
    '/v1/console/session',
    {
      config: { public: true },
      schema: {
        tags: ['console'],
        summary: 'Sign out of the console: clears the session cookie',
        response: { 204: Type.Null() },
      },
    },
    async (req, reply) => {
      void reply.header('set-cookie', sessionCookie(req, '', 0));
      return reply.code(204).send();
    },
  );

  await app.register(async (scope) => {
    scope.addHook('onRoute', (route) => {
      route.config = { ...(route.config ?? {}), public: true };
      route.schema = { ...(route.schema ?? {}), hide: true, tags: ['console'] };
    });
    scope.addHook('onSend', async (_req, reply: FastifyReply, payload) => {
      void reply.header('content-security-policy', CONSOLE_CSP);
      void reply.header('x-content-type-options', 'nosniff');
      void reply.header('x-frame-options', 'DENY');
      void reply.header('referrer-policy', 'no-referrer');
      void reply.header('cross-origin-opener-policy', 'same-origin');
      return payload;
    });
    const built = existsSync(`${root}/index.html`);
    if (built) {
      await scope.register(fastifyStatic, {
        root,
        prefix: '/console/',
        wildcard: false,
        index: false,
        // Vite names every asset by its content: cache it for a year; the page itself never.
        cacheControl: false,
        setHeaders(reply, path) {
          void reply.header(
            'cache-control',
            /[/\\]assets[/\\]/.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache',
          );
        },
      });
    }
    const page = async (req: FastifyRequest, reply: FastifyReply) => {
      if (!built) throw new ConsoleMissingError();
      // A missing asset is a 404, never the page in its place.
      if (req.url.startsWith('/console/assets/')) return notFoundHandler(req, reply);
      return reply.sendFile('index.html', root, { cacheControl: false }).header('cache-control', 'no-cache');
    };
    scope.get('/console', async (_req, reply) => reply.redirect('/console/', 302));
    // Client-side routes (/console/tenants/acme...) all load the one page.
    scope.get('/console/', page);
    scope.get('/console/*', page);
  });
}
