// Pages about one tenant (audit, jobs, knowledge, policy) live at /<page>/<tenant>. A tenant
// key always lands on its own tenant; a platform key picks one here.
import { useEffect } from 'preact/hooks';
import { api, call } from '../api/client';
import { navigate } from '../router';
import { useSession } from '../session';
import { ErrorNotice, Link, Loading, PageHeader } from './parts';
import { useLoad } from './load';

export function TenantPicker(props: { page: string; title: string; platform?: boolean }) {
  const session = useSession();
  const own = session.tenantId !== 'platform';
  useEffect(() => {
    if (own) navigate(`/${props.page}/${encodeURIComponent(session.tenantId)}`);
  }, [own, props.page, session.tenantId]);
  const tenants = useLoad(
    async () => (own ? undefined : call(api.GET('/v1/tenants', { params: { query: { limit: 500 } } }))),
    [own],
  );
  if (own) return <Loading />;
  return (
    <section>
      <PageHeader title={props.title} />
      <p>Choose a tenant.</p>
      <ErrorNotice error={tenants.error} retry={tenants.reload} />
      {tenants.loading && <Loading what="tenants" />}
      <ul class="tenant-list">
        {props.platform && (
          <li>
            <Link to={`/${props.page}/platform`}>platform</Link> <span class="muted">(the platform itself)</span>
          </li>
        )}
        {tenants.data?.items.map((t) => (
          <li key={t.id}>
            <Link to={`/${props.page}/${encodeURIComponent(t.id)}`}>{t.id}</Link>{' '}
            <span class="muted">{t.displayName}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}
