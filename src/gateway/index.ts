// The gateway's face: the HTTP server with every route, identity, the request gate (admission,
// rate limiters) and the problem+json handler with its schema.
export { makeIdentity, type Identity } from './identity.js';
export { jobRoutes, type JobRouteAction } from './job-routes.js';
export { problemErrorHandler, type Problem } from './problem.js';
export { ProblemSchema } from './schemas.js';
export { buildServer } from './server.js';
export { makeRequestGate } from './admission.js';
export { makeAdmission } from './admission-control.js';
export { makeMemoryLimiter, makeRedisLimiter } from './admission-limiter.js';
export { makeConsoleSessions, sessionSecretOf, type ConsoleSessions } from './console-session.js';
