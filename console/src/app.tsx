// The console's shell: session (sign in, resume, lost), navigation, and the page for the path.
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError, whenSessionLost } from './api/client';
import { PAGES, pageFor } from './pages';
import { navigate, usePath } from './router';
import { resume, SessionContext, signOut, type Session } from './session';
import { SignIn } from './pages/sign-in';
import { ErrorNotice, Link, Loading } from './ui/parts';

export function App() {
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const [reason, setReason] = useState<string | undefined>();
  const [offline, setOffline] = useState<ApiError | undefined>();
  const path = usePath();

  useEffect(() => {
    whenSessionLost((err) => {
      setReason(err.message);
      setSession(null);
    });
    let stop = false;
    const attempt = (delayMs: number) => {
      resume().then(
        (s) => {
          setOffline(undefined);
          if ('reason' in s) setSession(null);
          else setSession(s);
        },
        (err: unknown) => {
          // The server may be restarting, or the tenant over its rate: say so, and keep trying.
          const failure = err instanceof ApiError ? err : new ApiError(0, String(err));
          setOffline(failure);
          const wait = failure.retryAfter !== undefined ? failure.retryAfter * 1000 : delayMs;
          if (!stop) setTimeout(() => attempt(Math.min(delayMs * 2, 10_000)), wait);
        },
      );
    };
    attempt(1000);
    return () => {
      stop = true;
    };
  }, []);

  if (session === undefined)
    return (
      <main id="main" class="sign-in">
        <h1>Iris console</h1>
        {offline ? (
          <>
            <ErrorNotice error={offline} />
            <p class="muted">Retrying automatically…</p>
          </>
        ) : (
          <Loading />
        )}
      </main>
    );
  if (session === null)
    return (
      <SignIn
        reason={reason}
        onSignedIn={(s) => {
          setReason(undefined);
          setSession(s);
        }}
      />
    );
  const Page = pageFor(path);
  return (
    <SessionContext.Provider value={session}>
      <Shell
        session={session}
        path={path}
        onSignOut={() => {
          void signOut().then(() => {
            setReason('You have signed out.');
            setSession(null);
            navigate('/');
          });
        }}
      >
        <Page.component {...Page.params} />
      </Shell>
    </SessionContext.Provider>
  );
}

function Shell(props: { session: Session; path: string; onSignOut: () => void; children: ComponentChildren }) {
  const { session, path } = props;
  return (
    <div class="shell">
      <a class="skip" href="#main">
        Skip to content
      </a>
      <nav aria-label="Console">
        <div class="brand">Iris</div>
        <ul>
          {PAGES.filter((p) => p.nav).map((p) => {
            const active = p.nav === '/' ? path === '/' : path === p.nav || path.startsWith(`${p.nav}/`);
            return (
              <li key={p.nav}>
                <Link to={p.nav as string} class={active ? 'active' : undefined}>
                  {p.title}
                </Link>
              </li>
            );
          })}
        </ul>
        <div class="who">
          <div>
            <span class="role">{session.role}</span>
          </div>
          <div class="muted">{session.tenantId}</div>
          <button type="button" class="secondary" onClick={props.onSignOut}>
            Sign out
          </button>
        </div>
      </nav>
      <main id="main">{props.children}</main>
    </div>
  );
}
