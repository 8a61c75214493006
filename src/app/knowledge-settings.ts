// What the knowledge context needs to know of a tenant and of the deployment: the tenant's
// tier, redaction and quotas, where its data may go (residency, decided by policy), and the
// configured LLM providers.
import { ConfigError, type IrisConfig } from '../core/config.js';
import { errorMessage } from '../core/errors.js';
import { parseLlmProviders, type TenantKnowledgeSettings } from '../knowledge/index.js';
import type { DecisionPoint } from '../policy/index.js';
import type { Directory } from '../tenants/index.js';
import { SYSTEM_PRINCIPAL } from './system-context.js';

/** The configured LLM providers; a bad provider file is a configuration error (one line at start). */
export function llmProvidersOf(config: IrisConfig): ReturnType<typeof parseLlmProviders> {
  if (config.llmProviders === undefined) return [];
  try {
    return parseLlmProviders(config.llmProviders.text, config.llmProviders.source, {
      knownRegions: config.knownRegions,
    });
  } catch (err) {
    throw new ConfigError(errorMessage(err));
  }
}

/** A tenant's knowledge settings from the directory; unknown tenants are undefined. */
export function tenantKnowledgeSettings(
  directory: Directory,
  pdp: DecisionPoint,
): (tenantId: string) => TenantKnowledgeSettings | undefined {
  return (id) => {
    const t = directory.tenant(id);
    if (t === undefined) return undefined;
    return {
      tier: t.tier,
      redactPii: t.labels['pii-redaction'] !== 'off',
      quotas: t.quotas,
      // A provider may receive the tenant's data only where residency (policy) allows it.
      regionAllowed: (region) =>
        pdp.decide({
          principal: SYSTEM_PRINCIPAL,
          action: 'knowledge.query',
          resourceTenant: id,
          resourceKind: 'Knowledge',
          upstreamRegions: [region],
          route: 'internal',
        }).allowed,
    };
  };
}
