// The verifier key the operator pinned in this browser (localStorage), and the server's own,
// which is no independent evidence: whoever controls the server controls both the log and
// the key it reports.
import { api, call } from '../../api/client';

const STORAGE_KEY = 'iris.console.audit.vkey';

export type KeySource = 'pinned' | 'server';

export function pinnedKey(): string | undefined {
  try {
    return localStorage.getItem(STORAGE_KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

export function pinKey(vkey: string | undefined): void {
  if (vkey === undefined) localStorage.removeItem(STORAGE_KEY);
  else localStorage.setItem(STORAGE_KEY, vkey.trim());
}

/** The ledger's verifier key as this server reports it (GET /v1/audit/key). */
export async function serverKey(): Promise<string> {
  return (await call(api.GET('/v1/audit/key'))).vkey;
}

/** What to tell a person about where the key came from. */
export function describeSource(source: KeySource): string {
  return source === 'pinned'
    ? 'pinned in this browser by you'
    : 'fetched from this server, not independent: pin a key you got elsewhere to rule out a compromised server';
}
