// The graph view's loader: fetches the tenant's graph export and, at the same time, the explorer
// module (sigma, graphology, ForceAtlas2) with a dynamic import, so none of it is in the
// console's first load.
import { api, call } from '../../api/client';
import { useLoad } from '../../ui/load';
import { ErrorNotice, Loading } from '../../ui/parts';
import type { GraphExport } from './graph-model';

async function graphExport(tenantId: string): Promise<GraphExport> {
  // NOTE: the export route declares no body schema (it answers JSON or GraphML), so the client
  // types its data as nothing; asked for JSON, it is a GraphExport.
  const pending = api.GET('/v1/tenants/{tenantId}/graph/export', {
    params: { path: { tenantId }, query: { format: 'json' } },
    parseAs: 'json',
  }) as Promise<{ data?: GraphExport; error?: unknown; response: Response }>;
  return call(pending);
}

export function GraphView(props: { tenantId: string }) {
  const { tenantId } = props;
  const loaded = useLoad(async () => {
    const [explorer, data] = await Promise.all([import('./graph-explorer'), graphExport(tenantId)]);
    performance.mark('iris:graph-loaded');
    return { GraphExplorer: explorer.GraphExplorer, data };
  }, [tenantId]);
  if (loaded.error !== undefined) return <ErrorNotice error={loaded.error} retry={loaded.reload} />;
  if (loaded.data === undefined) return <Loading what="the graph" />;
  const { GraphExplorer, data } = loaded.data;
  if (data.entities.length === 0 && data.relations.length === 0)
    return <p class="muted">The graph is empty: ingest documents to fill it.</p>;
  return <GraphExplorer tenantId={tenantId} data={data} />;
}
