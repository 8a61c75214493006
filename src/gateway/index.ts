// The gateway's face: the HTTP server and the identity check.
export { makeIdentity, type Identity } from './identity.js';
export { jobRoutes, type JobRouteAction } from './job-routes.js';
export { PROBLEM_TYPE_BASE, problemErrorHandler, type Problem } from './problem.js';
export { ProblemSchema } from './schemas.js';
export { buildServer, type ServerDeps, type ServerOptions } from './server.js';
export { makeRequestGate } from './admission.js';
export { makeAdmission } from './admission-control.js';
export { makeMemoryLimiter, makeRedisLimiter } from './admission-limiter.js';
