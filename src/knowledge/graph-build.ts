// The whole-graph build (the `knowledge.graph-build` job): every community of the tenant is
// recomputed under the tenant's graph lock; then, outside that transaction (an LLM call never
// holds a lock), the top communities' reports gain a summary line when an LLM may serve the
// tenant and its tokens last. A summary that reads as an instruction is not written.
import { refreshCommunities, type CommunityUpdate } from './graph/community-refresh.js';
import { bumpGraphVersion, replaceCommunityReport, selectTopCommunities } from './graph/document-store.js';
import { selectEdges, selectEntityKeys } from './graph/graph-reader.js';
import { lockTenantGraph } from './graph/graph-store.js';
import { detectInjection } from './answer/safety.js';
import type { JobWorkOptions, ServiceParts } from './knowledge-deps.js';
import { summarizeCommunity } from './llm/index.js';

export type GraphBuildOptions = JobWorkOptions & { summaries?: number };
export interface GraphBuildResult {
  readonly communities: CommunityUpdate;
  readonly graphVersion: number;
  readonly summarized: number;
}

/** The build of every community of a tenant (with LLM summaries of the top `summaries`, default 20). */
export function makeGraphBuild(
  parts: ServiceParts,
): (tenantId: string, options?: GraphBuildOptions) => Promise<GraphBuildResult> {
  const { deps, settingsOf, inTenant, tokens, invalidateAnswers } = parts;
  return async function rebuild(tenantId: string, options: GraphBuildOptions = {}): Promise<GraphBuildResult> {
    const built = await inTenant(
      tenantId,
      async (tx) => {
        await lockTenantGraph(tx, tenantId);
        const edges = await selectEdges(tx, tenantId);
        const nodes = new Set([
          ...(await selectEntityKeys(tx, tenantId)),
          ...edges.flatMap((e) => [e.source, e.target]),
        ]);
        const communities = await refreshCommunities(tx, tenantId, [...nodes]);
        return { communities, graphVersion: await bumpGraphVersion(tx, tenantId, true) };
      },
      options.trace,
    );
    invalidateAnswers(tenantId);
    // Summaries are written outside the build's transaction: an LLM call never holds a lock.
    let summarized = 0;
    const llm = deps.llm;
    if (llm !== undefined && llm.configured && tokens.left(tenantId)) {
      const settings = settingsOf(tenantId);
      const top = await inTenant(
        tenantId,
        (tx) => selectTopCommunities(tx, tenantId, options.summaries ?? 20),
        options.trace,
      );
      for (const [i, c] of top.entries()) {
        // Summaries spend the tenant's LLM tokens like answers do; used up, the rest stay extractive.
        if (!tokens.left(tenantId)) {
          deps.signal?.({ kind: 'llm_fallback', tenantId, reason: 'quota' });
          break;
        }
        options.progress?.(
          50 + Math.round((i / Math.max(1, top.length)) * 45),
          `summarising community ${i + 1} of ${top.length}`,
        );
        let summary: string;
        try {
          const r = await summarizeCommunity(
            llm,
            { tenantId, regionAllowed: (region) => settings.regionAllowed(region), trace: options.trace },
            c.report,
          );
          tokens.spend(tenantId, r.completion.promptTokens + r.completion.completionTokens);
          summary = r.summary.replace(/\s+/g, ' ').trim();
        } catch (err) {
          deps.signal?.({ kind: 'llm_fallback', tenantId, reason: err instanceof Error ? err.name : 'error' });
          break;
        }
        if (summary === '' || detectInjection(summary).length > 0) continue;
        const [title, ...rest] = c.report.split('\n');
        const report = [title ?? '', `> Summary: ${summary.slice(0, 600)}`, ...rest].join('\n');
        if (
          await inTenant(tenantId, (tx) => replaceCommunityReport(tx, tenantId, c.id, c.report, report), options.trace)
        )
          summarized++;
      }
      if (summarized > 0) invalidateAnswers(tenantId);
    }
    return { ...built, summarized };
  };
}
