// The Knowledge pages of one tenant: its documents (upload, ingest status, delete), a query
// playground whose answers show each citation in its chunk, and the graph explorer (loaded on
// demand, so sigma stays out of the first load). /knowledge picks a tenant.
import { TenantPicker } from '../ui/tenant-picker';
import { PageHeader } from '../ui/parts';
import { BASE, navigate } from '../router';
import { DocumentsView } from './knowledge/documents-view';
import { QueryView } from './knowledge/query-view';
import { GraphView } from './knowledge/graph-view';
import './knowledge/knowledge.css';

const VIEWS = [
  { view: 'documents', title: 'Documents' },
  { view: 'query', title: 'Query' },
  { view: 'graph', title: 'Graph' },
] as const;
type View = (typeof VIEWS)[number]['view'];

const isView = (v: string | undefined): v is View => VIEWS.some((x) => x.view === v);

export function KnowledgePage(props: Record<string, string>) {
  const { tenantId, view } = props;
  if (tenantId === undefined) return <TenantPicker page="knowledge" title="Knowledge" />;
  const current: View = isView(view) ? view : 'documents';
  const base = `/knowledge/${encodeURIComponent(tenantId)}`;
  return (
    <section class="knowledge">
      <PageHeader title={`Knowledge · ${tenantId}`} />
      <nav class="tabs" aria-label="Knowledge views">
        {VIEWS.map((v) => (
          <a
            key={v.view}
            href={`${BASE}${base}/${v.view}`}
            aria-current={v.view === current ? 'page' : undefined}
            onClick={(e) => {
              if (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
              e.preventDefault();
              navigate(`${base}/${v.view}`);
            }}
          >
            {v.title}
          </a>
        ))}
      </nav>
      {view !== undefined && !isView(view) && (
        <p class="notice error" role="alert">
          There is no view “{view}”; showing the documents.
        </p>
      )}
      {current === 'documents' && <DocumentsView tenantId={tenantId} />}
      {current === 'query' && <QueryView tenantId={tenantId} />}
      {current === 'graph' && <GraphView tenantId={tenantId} />}
    </section>
  );
}
