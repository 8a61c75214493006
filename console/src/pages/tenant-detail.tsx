// One tenant: its placement, quotas and labels, edited with If-Match (a conflict shows both
// versions and lets the user apply their change on top of the current one), and its API keys:
// create (the token is shown once) and revoke. Controls show only for roles that may use them.
import { Fragment } from 'preact';
import { useState } from 'preact/hooks';
import { api, ApiError, call } from '../api/client';
import type { paths } from '../api/schema';
import { can, useSession } from '../session';
import { useAction, useLoad } from '../ui/load';
import { ErrorNotice, Link, Loading, PageHeader, When } from '../ui/parts';
import { KeysPanel } from './tenant-keys';

export type Tenant = paths['/v1/tenants/{tenantId}']['get']['responses']['200']['content']['application/json'];
type Patch = NonNullable<paths['/v1/tenants/{tenantId}']['patch']['requestBody']>['content']['application/json'];
type Quotas = Tenant['quotas'];

const TIERS = ['free', 'standard', 'premium', 'enterprise'] as const;
const QUOTA_NAMES: readonly (keyof Quotas)[] = [
  'requestsPerSecond',
  'burst',
  'concurrentRequests',
  'queuedJobs',
  'documents',
  'storageBytes',
  'llmTokensPerDay',
];

/** Reads the latest committed version (never the replica's snapshot): what an edit builds on. */
function readTenant(tenantId: string): Promise<Tenant> {
  return call(api.GET('/v1/tenants/{tenantId}', { params: { path: { tenantId }, query: { consistent: true } } }));
}

export function TenantDetail(props: Record<string, string>) {
  const tenantId = props.tenantId as string;
  const session = useSession();
  const tenant = useLoad(() => readTenant(tenantId), [tenantId]);
  const [editing, setEditing] = useState(false);
  const mayEdit = can(session, 'tenant.update');
  return (
    <section>
      <PageHeader title={tenant.data ? tenant.data.displayName : tenantId}>
        {session.tenantId === 'platform' && <Link to="/tenants">All tenants</Link>}
        {mayEdit && tenant.data && !editing && (
          <button type="button" onClick={() => setEditing(true)}>
            Edit
          </button>
        )}
      </PageHeader>
      <ErrorNotice error={tenant.error} retry={tenant.reload} />
      {tenant.data === undefined && tenant.loading && <Loading what="tenant" />}
      {tenant.data && !editing && <TenantFacts tenant={tenant.data} />}
      {tenant.data && editing && (
        <TenantEditor
          tenant={tenant.data}
          placement={session.tenantId === 'platform'}
          onDone={() => {
            setEditing(false);
            tenant.reload();
          }}
        />
      )}
      {tenant.data && can(session, 'key.read') && <KeysPanel tenantId={tenantId} />}
    </section>
  );
}

function TenantFacts(props: { tenant: Tenant }) {
  const t = props.tenant;
  return (
    <div class="split">
      <div class="panel">
        <h2>Placement</h2>
        <dl class="facts">
          <dt>Id</dt>
          <dd class="mono">{t.id}</dd>
          <dt>Tier</dt>
          <dd>{t.tier}</dd>
          <dt>Home region</dt>
          <dd>{t.homeRegion}</dd>
          <dt>Ring</dt>
          <dd>{t.ring}</dd>
          <dt>Status</dt>
          <dd>{t.status}</dd>
          <dt>Version</dt>
          <dd class="mono">{t.resourceVersion}</dd>
          <dt>Updated</dt>
          <dd>
            <When at={t.updatedAt} />
          </dd>
        </dl>
        <h2>Labels</h2>
        {Object.keys(t.labels).length === 0 ? (
          <p class="muted">No labels.</p>
        ) : (
          <ul class="labels">
            {Object.entries(t.labels).map(([k, v]) => (
              <li key={k} class="mono">
                {k}={v}
              </li>
            ))}
          </ul>
        )}
      </div>
      <div class="panel">
        <h2>Quotas</h2>
        <dl class="facts">
          {QUOTA_NAMES.map((q) => (
            <Fragment key={q}>
              <dt>{q}</dt>
              <dd class="mono">{t.quotas[q].toLocaleString()}</dd>
            </Fragment>
          ))}
        </dl>
      </div>
    </div>
  );
}

/** The change an edit makes: only fields that differ; labels removed are sent as null. */
function diffOf(base: Tenant, draft: Tenant, placement: boolean): Patch {
  const patch: Patch = {};
  if (draft.displayName !== base.displayName) patch.displayName = draft.displayName;
  const labels: Record<string, string | null> = {};
  for (const k of Object.keys(base.labels)) if (!(k in draft.labels)) labels[k] = null;
  for (const [k, v] of Object.entries(draft.labels)) if (base.labels[k] !== v) labels[k] = v;
  if (Object.keys(labels).length > 0) patch.labels = labels;
  if (placement) {
    if (draft.tier !== base.tier) patch.tier = draft.tier;
    if (draft.homeRegion !== base.homeRegion) patch.homeRegion = draft.homeRegion;
    if (draft.ring !== base.ring) patch.ring = draft.ring;
    const quotas: Partial<Quotas> = {};
    for (const q of QUOTA_NAMES) if (draft.quotas[q] !== base.quotas[q]) quotas[q] = draft.quotas[q];
    if (Object.keys(quotas).length > 0) patch.quotas = quotas;
  }
  return patch;
}

function TenantEditor(props: { tenant: Tenant; placement: boolean; onDone: () => void }) {
  const [base, setBase] = useState(props.tenant);
  const [draft, setDraft] = useState<Tenant>(props.tenant);
  const [labelRows, setLabelRows] = useState<[string, string][]>(Object.entries(props.tenant.labels));
  const [conflict, setConflict] = useState<{ current: Tenant; patch: Patch } | undefined>();
  const save = useAction();
  const current: Tenant = { ...draft, labels: Object.fromEntries(labelRows.filter(([k]) => k.trim() !== '')) };
  const patch = diffOf(base, current, props.placement);

  async function submit(p: Patch, on: Tenant): Promise<void> {
    await save.run(async () => {
      try {
        await call(
          api.PATCH('/v1/tenants/{tenantId}', {
            params: { path: { tenantId: on.id }, header: { 'if-match': `"${on.resourceVersion}"` } },
            body: p,
          }),
        );
        props.onDone();
      } catch (err) {
        if (err instanceof ApiError && (err.status === 412 || err.status === 409)) {
          setConflict({ current: await readTenant(on.id), patch: p });
          return;
        }
        throw err;
      }
    });
  }

  if (conflict)
    return (
      <ConflictView
        mine={current}
        theirs={conflict.current}
        patch={conflict.patch}
        onApply={() => {
          setBase(conflict.current);
          setConflict(undefined);
          void submit(conflict.patch, conflict.current);
        }}
        onDiscard={props.onDone}
      />
    );

  const set = <K extends keyof Tenant>(k: K, v: Tenant[K]) => setDraft({ ...draft, [k]: v });
  return (
    <form
      class="panel"
      aria-label="Edit tenant"
      onSubmit={(e) => {
        e.preventDefault();
        if (Object.keys(patch).length === 0) props.onDone();
        else void submit(patch, base);
      }}
    >
      <div class="field">
        <label for="displayName">Display name</label>
        <input
          id="displayName"
          required
          maxLength={200}
          value={draft.displayName}
          onInput={(e) => set('displayName', e.currentTarget.value)}
        />
      </div>
      <fieldset>
        <legend>Labels</legend>
        {labelRows.map(([k, v], i) => (
          <div class="row" key={i}>
            <label for={`label-key-${i}`} class="sr-only">
              Label {i + 1} key
            </label>
            <input
              id={`label-key-${i}`}
              value={k}
              pattern="[a-z0-9]([a-z0-9._/-]{0,61}[a-z0-9])?"
              title="lower-case letters, digits and . _ / -"
              placeholder="key"
              onInput={(e) => setLabelRows(labelRows.map((r, j) => (j === i ? [e.currentTarget.value, r[1]] : r)))}
            />
            <label for={`label-value-${i}`} class="sr-only">
              Label {i + 1} value
            </label>
            <input
              id={`label-value-${i}`}
              value={v}
              maxLength={63}
              placeholder="value"
              onInput={(e) => setLabelRows(labelRows.map((r, j) => (j === i ? [r[0], e.currentTarget.value] : r)))}
            />
            <button
              type="button"
              class="secondary"
              aria-label={`Remove label ${k || i + 1}`}
              onClick={() => setLabelRows(labelRows.filter((_, j) => j !== i))}
            >
              Remove
            </button>
          </div>
        ))}
        <button type="button" class="secondary" onClick={() => setLabelRows([...labelRows, ['', '']])}>
          Add label
        </button>
      </fieldset>
      {props.placement && (
        <fieldset>
          <legend>Placement and quotas (platform admins)</legend>
          <div class="row">
            <div class="field">
              <label for="tier">Tier</label>
              <select
                id="tier"
                value={draft.tier}
                onChange={(e) => set('tier', e.currentTarget.value as Tenant['tier'])}
              >
                {TIERS.map((t) => (
                  <option key={t} value={t}>
                    {t}
                  </option>
                ))}
              </select>
            </div>
            <div class="field">
              <label for="homeRegion">Home region</label>
              <input
                id="homeRegion"
                value={draft.homeRegion}
                pattern="[a-z0-9-]{2,32}"
                onInput={(e) => set('homeRegion', e.currentTarget.value)}
              />
            </div>
            <div class="field">
              <label for="ring">Ring</label>
              <input id="ring" value={draft.ring} onInput={(e) => set('ring', e.currentTarget.value)} />
            </div>
          </div>
          <div class="grid">
            {QUOTA_NAMES.map((q) => (
              <div class="field" key={q}>
                <label for={`quota-${q}`}>{q}</label>
                <input
                  id={`quota-${q}`}
                  type="number"
                  min={0}
                  value={draft.quotas[q]}
                  onInput={(e) => set('quotas', { ...draft.quotas, [q]: Number(e.currentTarget.value) })}
                />
              </div>
            ))}
          </div>
        </fieldset>
      )}
      <ErrorNotice error={save.error} />
      <div class="row">
        <button type="submit" disabled={save.pending}>
          {save.pending ? 'Saving…' : 'Save'}
        </button>
        <button type="button" class="secondary" onClick={props.onDone}>
          Cancel
        </button>
        <span class="muted">Saves only if nobody changed the tenant since version {base.resourceVersion}.</span>
      </div>
    </form>
  );
}

function ConflictView(props: {
  mine: Tenant;
  theirs: Tenant;
  patch: Patch;
  onApply: () => void;
  onDiscard: () => void;
}) {
  const show = (t: Tenant) =>
    JSON.stringify(
      {
        displayName: t.displayName,
        tier: t.tier,
        homeRegion: t.homeRegion,
        ring: t.ring,
        labels: t.labels,
        quotas: t.quotas,
      },
      null,
      2,
    );
  return (
    <div class="panel" role="alertdialog" aria-labelledby="conflict-title">
      <h2 id="conflict-title">Someone changed this tenant while you were editing</h2>
      <p>
        It is now at version <span class="mono">{props.theirs.resourceVersion}</span>. Compare, then apply your change
        on top of theirs or discard it.
      </p>
      <div class="split">
        <div>
          <h3>Your version</h3>
          <pre>{show(props.mine)}</pre>
        </div>
        <div>
          <h3>Current version</h3>
          <pre>{show(props.theirs)}</pre>
        </div>
      </div>
      <h3>Your change</h3>
      <pre>{JSON.stringify(props.patch, null, 2)}</pre>
      <div class="row">
        <button type="button" onClick={props.onApply}>
          Apply my change to the current version
        </button>
        <button type="button" class="secondary" onClick={props.onDiscard}>
          Discard my change
        </button>
      </div>
    </div>
  );
}
