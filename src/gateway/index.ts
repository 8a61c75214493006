// The gateway's face: the HTTP server and the identity check.
export { makeIdentity, type Identity } from './identity.js';
export { PROBLEM_TYPE_BASE, type Problem } from './problem.js';
export { buildServer, type ServerDeps, type ServerOptions } from './server.js';
