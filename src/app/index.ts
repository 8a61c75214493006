// The composition root's face: build an app from configuration (the CLI's servers, tests,
// benchmarks), seed the embedded default, and the retention loop tests drive by hand.
export { createApp, MigrationFailedError, VERSION, type App, type AppDeps } from './create-app.js';
export { makeRetention, type Retention } from './retention.js';
export { localAdminToken, seedDemoDocuments, seedDemoTenants } from './seed.js';
