// The overview: how the tenants are doing across every replica (rate, success ratio, p99 from
// Iris's own per-tenant counters), any tenant searched by name, the queues, recent denials, and
// the rings tenants are placed in. Each part shows only when the role may read it.
import { useState } from 'preact/hooks';
import { api, call } from '../api/client';
import { can, useSession, type Session } from '../session';
import { useLoad } from '../ui/load';
import { ErrorNotice, Link, Loading, PageHeader, When } from '../ui/parts';
import { ringColour, useRings } from '../ui/rings';
import { decisionsOf } from './policy/policy-api';

interface Traffic {
  tenantId: string;
  requests: number;
  failures: number;
  rate: number;
  successRatio: number;
  p99Ms: number | null;
}

const pct = (r: number) => `${(r * 100).toFixed(r === 1 ? 0 : 2)}%`;
const ms = (v: number | null) => (v === null ? '—' : v < 10 ? `${v.toFixed(1)} ms` : `${Math.round(v)} ms`);

export function Overview() {
  const session = useSession();
  return (
    <section>
      <PageHeader title="Overview" />
      {can(session, 'metrics.read') ? <TrafficPanel /> : <OwnTenant session={session} />}
      {can(session, 'metrics.read') && <QueuesPanel />}
      {can(session, 'policy.decisions.read') && <DenialsPanel session={session} />}
      <RingsPanel session={session} />
    </section>
  );
}

function TrafficTable(props: { rows: readonly Traffic[]; caption: string }) {
  return (
    <table>
      <caption class="sr-only">{props.caption}</caption>
      <thead>
        <tr>
          <th scope="col">Tenant</th>
          <th scope="col" class="num">
            Requests/s
          </th>
          <th scope="col" class="num">
            Requests
          </th>
          <th scope="col" class="num">
            Success
          </th>
          <th scope="col" class="num">
            p99
          </th>
        </tr>
      </thead>
      <tbody>
        {props.rows.map((t) => (
          <tr key={t.tenantId}>
            <td>
              {t.tenantId === 'platform' ? (
                'platform'
              ) : (
                <Link to={`/tenants/${encodeURIComponent(t.tenantId)}`}>{t.tenantId}</Link>
              )}
            </td>
            <td class="num">{t.rate.toFixed(2)}</td>
            <td class="num">{t.requests}</td>
            <td class="num">
              <span class={`badge ${t.successRatio >= 0.999 ? 'ok' : t.successRatio >= 0.99 ? 'warn' : 'bad'}`}>
                {pct(t.successRatio)}
              </span>
            </td>
            <td class="num">{ms(t.p99Ms)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function TrafficPanel() {
  const [minutes, setMinutes] = useState(15);
  const [search, setSearch] = useState('');
  const [searched, setSearched] = useState<string | undefined>();
  const busiest = useLoad(
    () => call(api.GET('/v1/platform/traffic', { params: { query: { minutes, top: 10 } } })),
    [minutes],
    5000,
  );
  const one = useLoad(
    async () =>
      searched === undefined
        ? undefined
        : call(api.GET('/v1/platform/traffic', { params: { query: { minutes, top: 1, tenant: searched } } })),
    [minutes, searched],
    5000,
  );
  const total = busiest.data?.items.reduce((a, t) => a + t.rate, 0) ?? 0;
  return (
    <div class="panel">
      <div class="page-header">
        <h2>Busiest tenants, all replicas</h2>
        <div class="page-actions">
          <label for="window">Window</label>
          <select id="window" value={minutes} onChange={(e) => setMinutes(Number(e.currentTarget.value))}>
            {[5, 15, 60, 360, 1440].map((m) => (
              <option key={m} value={m}>
                {m < 60 ? `${m} min` : `${m / 60} h`}
              </option>
            ))}
          </select>
        </div>
      </div>
      <p class="muted">
        {total.toFixed(2)} requests/s across the busiest {busiest.data?.items.length ?? 0}; refreshed every 5 s. Success
        counts every answer but a 5xx.
      </p>
      <ErrorNotice error={busiest.error} retry={busiest.reload} />
      {busiest.data === undefined && busiest.loading && <Loading what="traffic" />}
      {busiest.data && busiest.data.items.length === 0 && <p>No requests in this window.</p>}
      {busiest.data && busiest.data.items.length > 0 && (
        <TrafficTable rows={busiest.data.items} caption="Busiest tenants" />
      )}
      <form
        class="row"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          const id = search.trim();
          setSearched(id === '' ? undefined : id);
        }}
      >
        <label for="traffic-tenant">Any tenant</label>
        <input
          id="traffic-tenant"
          value={search}
          onInput={(e) => setSearch(e.currentTarget.value)}
          placeholder="tenant id"
          pattern="[a-z][a-z0-9-]{2,62}"
          title="A tenant id: lower-case letters, digits and -"
        />
        <button type="submit" class="secondary">
          Show
        </button>
      </form>
      <ErrorNotice error={one.error} retry={one.reload} />
      {one.data && <TrafficTable rows={one.data.items} caption={`Traffic of ${searched ?? ''}`} />}
    </div>
  );
}

function OwnTenant(props: { session: Session }) {
  const tenant = useLoad(
    () => call(api.GET('/v1/tenants/{tenantId}', { params: { path: { tenantId: props.session.tenantId } } })),
    [props.session.tenantId],
  );
  return (
    <div class="panel">
      <h2>Your tenant</h2>
      <ErrorNotice error={tenant.error} retry={tenant.reload} />
      {tenant.data && (
        <div class="grid">
          <div class="stat">
            <div class="label">Tenant</div>
            <div class="value">
              <Link to={`/tenants/${encodeURIComponent(tenant.data.id)}`}>{tenant.data.displayName}</Link>
            </div>
          </div>
          <div class="stat">
            <div class="label">Tier</div>
            <div class="value">{tenant.data.tier}</div>
          </div>
          <div class="stat">
            <div class="label">Home region</div>
            <div class="value">{tenant.data.homeRegion}</div>
          </div>
          <div class="stat">
            <div class="label">Status</div>
            <div class="value">{tenant.data.status}</div>
          </div>
        </div>
      )}
    </div>
  );
}

function QueuesPanel() {
  const queues = useLoad(() => call(api.GET('/v1/platform/queues')), [], 5000);
  const items = queues.data?.items ?? [];
  const sum = (f: (q: (typeof items)[number]) => number) => items.reduce((a, q) => a + f(q), 0);
  return (
    <div class="panel">
      <h2>Queues</h2>
      <ErrorNotice error={queues.error} retry={queues.reload} />
      {queues.data === undefined && queues.loading && <Loading what="queues" />}
      {queues.data && (
        <>
          <div class="grid">
            <div class="stat">
              <div class="label">Ready</div>
              <div class="value">{sum((q) => q.ready)}</div>
            </div>
            <div class="stat">
              <div class="label">Running</div>
              <div class="value">{sum((q) => q.running)}</div>
            </div>
            <div class="stat">
              <div class="label">Scheduled</div>
              <div class="value">{sum((q) => q.scheduled)}</div>
            </div>
            <div class="stat">
              <div class="label">Oldest wait</div>
              <div class="value">{Math.round(Math.max(0, ...items.map((q) => q.oldestReadySeconds)))} s</div>
            </div>
          </div>
          {items.length > 0 && (
            <table>
              <caption class="sr-only">Queue depth per tenant</caption>
              <thead>
                <tr>
                  <th scope="col">Tenant</th>
                  <th scope="col" class="num">
                    Ready
                  </th>
                  <th scope="col" class="num">
                    Running
                  </th>
                  <th scope="col" class="num">
                    Scheduled
                  </th>
                  <th scope="col" class="num">
                    Oldest wait (s)
                  </th>
                </tr>
              </thead>
              <tbody>
                {items.slice(0, 10).map((q) => (
                  <tr key={q.tenantId}>
                    <td>
                      <Link to={`/jobs/${encodeURIComponent(q.tenantId)}`}>{q.tenantId}</Link>
                    </td>
                    <td class="num">{q.ready}</td>
                    <td class="num">{q.running}</td>
                    <td class="num">{q.scheduled}</td>
                    <td class="num">{Math.round(q.oldestReadySeconds)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </div>
  );
}

function DenialsPanel(props: { session: Session }) {
  const { tenantId } = props.session;
  const denials = useLoad(() => decisionsOf(tenantId, { decision: 'deny', limit: 10 }), [tenantId], 10_000);
  return (
    <div class="panel">
      <h2>Recent denials</h2>
      <ErrorNotice error={denials.error} retry={denials.reload} />
      {denials.data?.length === 0 && <p>No denials logged.</p>}
      {denials.data && denials.data.length > 0 && (
        <table>
          <caption class="sr-only">Recent denials</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Tenant</th>
              <th scope="col">Principal</th>
              <th scope="col">Action</th>
              <th scope="col">Request</th>
            </tr>
          </thead>
          <tbody>
            {denials.data.map((d) => (
              <tr key={d.decisionId}>
                <td>
                  <When at={d.decidedAt} />
                </td>
                <td>{d.tenantId}</td>
                <td class="mono">
                  {d.principal} <span class="muted">({d.role})</span>
                </td>
                <td class="mono">{d.action}</td>
                <td class="mono">{d.requestId}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function RingsPanel(props: { session: Session }) {
  const tenants = useRings(props.session);
  if (tenants.rings === undefined) return null;
  return (
    <div class="panel">
      <h2>Rings</h2>
      <ErrorNotice error={tenants.error} retry={tenants.reload} />
      <p class="muted">
        Tenants by deployment ring. Releases move over the rings in promotion order: see{' '}
        <Link to="/releases">Releases</Link> for the colours and weights now.
      </p>
      <div class="grid">
        {tenants.rings.map(([ring, members]) => (
          <div class="stat ring" key={ring}>
            <div class="label">
              <span class="swatch" data-colour={ringColour(ring)} aria-hidden="true" /> ring {ring}
            </div>
            <div class="value">{members.length}</div>
            <div class="muted">
              {members
                .slice(0, 5)
                .map((t) => t.id)
                .join(', ')}
              {members.length > 5 ? ` and ${members.length - 5} more` : ''}
            </div>
          </div>
        ))}
      </div>
    </div>
  );
}
