// Iris acting on its own behalf (seeding, purges, retention, the ledger witness, a bootstrap
// key): the platform itself, with a fresh request id per run.
import type { RequestContext } from '../core/context.js';
import { newRequestId, PLATFORM } from '../core/ids.js';

/** The principal of Iris's own control loops. */
export const SYSTEM_PRINCIPAL = { keyId: 'system', role: 'platform-admin', tenantId: PLATFORM } as const;

/** A context for one run of a control loop. */
export function systemContext(): RequestContext {
  return { principal: { ...SYSTEM_PRINCIPAL }, requestId: newRequestId(), traceId: undefined, sourceIp: undefined };
}
