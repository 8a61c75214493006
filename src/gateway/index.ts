// The gateway's face: the HTTP server and the identity check.
export { makeIdentity, type Identity } from './identity.js';
export { PROBLEM_TYPE_BASE, type Problem } from './problem.js';
export { buildServer, type ServerDeps, type ServerOptions } from './server.js';
export { makeRequestGate } from './admission.js';
export { makeAdmission } from './admission-control.js';
export { makeMemoryLimiter, makeRedisLimiter } from './admission-limiter.js';
export { registerPolicyRoutes } from './policy-routes.js';
