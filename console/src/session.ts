// The signed-in session: who the key is and what its role may do (from /v1/whoami), so pages
// show only the actions the role has. The server still decides every call.
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import { api, call, setCsrfToken } from './api/client';
import type { paths } from './api/schema';

type SessionInfo = paths['/v1/console/session']['post']['responses']['201']['content']['application/json'];
type Whoami = paths['/v1/whoami']['get']['responses']['200']['content']['application/json'];

export interface Session extends SessionInfo {
  readonly actions: ReadonlySet<string>;
  readonly scope: Whoami['scope'];
}

async function complete(info: SessionInfo): Promise<Session> {
  setCsrfToken(info.csrfToken);
  const me = await call(api.GET('/v1/whoami'));
  return { ...info, actions: new Set(me.actions), scope: me.scope };
}

/** Exchanges an API key for a session cookie. */
export async function signIn(token: string): Promise<Session> {
  return complete(await call(api.POST('/v1/console/session', { body: { token } })));
}

/** The session this browser already holds, or why there is none. */
export async function resume(): Promise<Session | { reason: string }> {
  const state = await call<SessionInfo | { signedIn: false; reason: string }>(api.GET('/v1/console/session'));
  return state.signedIn ? complete(state) : { reason: state.reason };
}

export async function signOut(): Promise<void> {
  await api.DELETE('/v1/console/session').catch(() => undefined);
  setCsrfToken(undefined);
}

export const SessionContext = createContext<Session | null>(null);

/** The session of the signed-in page (pages render only inside one). */
export function useSession(): Session {
  const s = useContext(SessionContext);
  if (s === null) throw new Error('useSession outside a signed-in page');
  return s;
}

/** Whether the session's role may take the action (Cedar action name, e.g. 'tenant.update'). */
export function can(session: Session, action: string): boolean {
  return session.actions.has(action);
}
