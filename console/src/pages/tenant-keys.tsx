// A tenant's API keys: the list, a new key (its token shown once, with a copy button) and
// revoking one. Each control shows only for roles that may use it.
import { useState } from 'preact/hooks';
import { api, call } from '../api/client';
import type { paths } from '../api/schema';
import { can, useSession } from '../session';
import { useAction, useLoad } from '../ui/load';
import { CopyButton, ErrorNotice, Loading, When } from '../ui/parts';

type NewKey = NonNullable<paths['/v1/tenants/{tenantId}/keys']['post']['requestBody']>['content']['application/json'];
type Role = NonNullable<NewKey['role']>;

const TENANT_ROLES: readonly Role[] = [
  'tenant-admin',
  'operator',
  'analyst',
  'knowledge-curator',
  'incident-responder',
  'policy-author',
  'auditor',
];

export function KeysPanel(props: { tenantId: string }) {
  const session = useSession();
  const keys = useLoad(
    () =>
      call(
        api.GET('/v1/tenants/{tenantId}/keys', {
          params: { path: { tenantId: props.tenantId }, query: { consistent: true } },
        }),
      ),
    [props.tenantId],
  );
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('analyst');
  const [created, setCreated] = useState<{ token: string; name: string } | undefined>();
  const create = useAction();
  const revoke = useAction();
  return (
    <div class="panel">
      <h2>API keys</h2>
      <ErrorNotice error={keys.error} retry={keys.reload} />
      {created && (
        <div class="notice ok" role="status">
          <div>
            Key <strong>{created.name}</strong> created. Copy its token now: it is not shown again.
          </div>
          <code class="token">{created.token}</code>
          <CopyButton text={created.token} label="Copy token" />
          <button type="button" class="secondary" onClick={() => setCreated(undefined)}>
            Done
          </button>
        </div>
      )}
      {can(session, 'key.create') && (
        <form
          class="row"
          aria-label="Create a key"
          onSubmit={(e) => {
            e.preventDefault();
            void create
              .run(() =>
                call(
                  api.POST('/v1/tenants/{tenantId}/keys', {
                    params: { path: { tenantId: props.tenantId } },
                    body: { name: name.trim(), role },
                  }),
                ),
              )
              .then((k) => {
                if (k === undefined) return;
                setCreated({ token: k.token, name: k.name });
                setName('');
                keys.reload();
              });
          }}
        >
          <label for="key-name">New key</label>
          <input
            id="key-name"
            required
            maxLength={100}
            pattern="[A-Za-z0-9 ._:@/\-]+"
            title="letters, digits, spaces and . _ : @ / -"
            value={name}
            placeholder="name, e.g. ci-deploy"
            onInput={(e) => setName(e.currentTarget.value)}
          />
          <label for="key-role">Role</label>
          <select id="key-role" value={role} onChange={(e) => setRole(e.currentTarget.value as Role)}>
            {TENANT_ROLES.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
          <button type="submit" disabled={create.pending}>
            Create key
          </button>
        </form>
      )}
      <ErrorNotice error={create.error} />
      <ErrorNotice error={revoke.error} />
      {keys.data === undefined && keys.loading && <Loading what="keys" />}
      {keys.data && keys.data.items.length === 0 && <p>No keys.</p>}
      {keys.data && keys.data.items.length > 0 && (
        <table>
          <caption class="sr-only">API keys</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Id</th>
              <th scope="col">Role</th>
              <th scope="col">Created</th>
              <th scope="col">Last used</th>
              <th scope="col">State</th>
              {can(session, 'key.revoke') && <th scope="col">Actions</th>}
            </tr>
          </thead>
          <tbody>
            {keys.data.items.map((k) => {
              const expired = k.expiresAt !== null && new Date(k.expiresAt) <= new Date();
              return (
                <tr key={k.id}>
                  <td>{k.name}</td>
                  <td class="mono">{k.id}</td>
                  <td>{k.role}</td>
                  <td>
                    <When at={k.createdAt} />
                  </td>
                  <td>
                    <When at={k.lastUsedAt} />
                  </td>
                  <td>
                    {k.revokedAt ? (
                      <span class="badge bad">revoked</span>
                    ) : expired ? (
                      <span class="badge warn">expired</span>
                    ) : (
                      <span class="badge ok">active</span>
                    )}
                  </td>
                  {can(session, 'key.revoke') && (
                    <td>
                      {!k.revokedAt && (
                        <button
                          type="button"
                          class="danger"
                          aria-label={`Revoke key ${k.name}`}
                          disabled={revoke.pending || k.id === session.keyId}
                          title={k.id === session.keyId ? 'This is the key you are signed in with.' : undefined}
                          onClick={() => {
                            if (!confirm(`Revoke key ${k.name} (${k.id})? Anything using it stops working.`)) return;
                            void revoke
                              .run(() =>
                                call(
                                  api.DELETE('/v1/tenants/{tenantId}/keys/{keyId}', {
                                    params: { path: { tenantId: props.tenantId, keyId: k.id } },
                                  }),
                                ),
                              )
                              .then(() => keys.reload());
                          }}
                        >
                          Revoke
                        </button>
                      )}
                    </td>
                  )}
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </div>
  );
}
