// The jobs context's light face: values the command line needs without loading the executor
// (index.ts); job-model.ts imports only types.
export { TERMINAL_JOB_STATES } from './job-model.js';
