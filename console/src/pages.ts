// The console's pages: path patterns, titles and navigation entries, in one table.
import type { FunctionComponent } from 'preact';
import { match } from './router';
import { Overview } from './pages/overview';
import { NotFound } from './pages/not-found';
import { Tenants } from './pages/tenants';
import { TenantDetail } from './pages/tenant-detail';
import { AuditPage } from './pages/audit';
import { JobsPage } from './pages/jobs';
import { KnowledgePage } from './pages/knowledge';
import { PolicyPage } from './pages/policy';
import { ReleasesPage } from './pages/releases';
import { RunbooksPage } from './pages/runbooks';

/** A page takes its path's named parts as props. */
type PageComponent = FunctionComponent<Record<string, string>>;

interface PageEntry {
  readonly pattern: string;
  readonly title: string;
  /** The navigation entry's path; absent: not in the navigation. */
  readonly nav?: string;
  readonly component: PageComponent;
}

export const PAGES: readonly PageEntry[] = [
  { pattern: '/', title: 'Overview', nav: '/', component: Overview },
  { pattern: '/tenants', title: 'Tenants', nav: '/tenants', component: Tenants },
  { pattern: '/tenants/:tenantId', title: 'Tenant', component: TenantDetail },
  { pattern: '/audit', title: 'Audit', nav: '/audit', component: AuditPage },
  { pattern: '/audit/:log', title: 'Audit', component: AuditPage },
  { pattern: '/jobs', title: 'Jobs', nav: '/jobs', component: JobsPage },
  { pattern: '/jobs/:tenantId', title: 'Jobs', component: JobsPage },
  { pattern: '/jobs/:tenantId/:jobId', title: 'Job', component: JobsPage },
  { pattern: '/knowledge', title: 'Knowledge', nav: '/knowledge', component: KnowledgePage },
  { pattern: '/knowledge/:tenantId', title: 'Knowledge', component: KnowledgePage },
  { pattern: '/knowledge/:tenantId/:view', title: 'Knowledge', component: KnowledgePage },
  { pattern: '/policy', title: 'Policy', nav: '/policy', component: PolicyPage },
  { pattern: '/policy/:tenantId', title: 'Policy', component: PolicyPage },
  { pattern: '/releases', title: 'Releases', nav: '/releases', component: ReleasesPage },
  { pattern: '/releases/:releaseId', title: 'Release', component: ReleasesPage },
  { pattern: '/runbooks', title: 'Runbooks', nav: '/runbooks', component: RunbooksPage },
  { pattern: '/runbooks/:alert', title: 'Runbook', component: RunbooksPage },
];

/** The page for a path and its parameters (the not-found page when none matches). */
export function pageFor(path: string): { component: PageComponent; params: Record<string, string> } {
  for (const p of PAGES) {
    const params = match(p.pattern, path);
    if (params) {
      document.title = `${p.title} · Iris console`;
      return { component: p.component, params };
    }
  }
  document.title = 'Not found · Iris console';
  return { component: NotFound, params: {} };
}
