// Sign in: an API key is exchanged for an HttpOnly session cookie; the key itself is not kept
// by the page (not in storage, not in the URL).
import { useState } from 'preact/hooks';
import { ApiError } from '../api/client';
import { signIn, type Session } from '../session';
import { ErrorNotice } from '../ui/parts';

export function SignIn(props: { onSignedIn: (s: Session) => void; reason?: string | undefined }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<ApiError | undefined>();
  const [pending, setPending] = useState(false);
  return (
    <main class="sign-in" id="main">
      <h1>Iris console</h1>
      {props.reason && (
        <p class="notice" role="status">
          {props.reason}
        </p>
      )}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          setPending(true);
          setError(undefined);
          signIn(token.trim()).then(
            (s) => {
              setToken('');
              props.onSignedIn(s);
            },
            (err: unknown) => {
              setPending(false);
              setError(err instanceof ApiError ? err : new ApiError(0, String(err)));
            },
          );
        }}
      >
        <label for="api-key">API key</label>
        <input
          id="api-key"
          name="api-key"
          type="password"
          autocomplete="off"
          spellcheck={false}
          required
          value={token}
          onInput={(e) => setToken(e.currentTarget.value)}
          placeholder="iris_…"
        />
        <button type="submit" disabled={pending || token.trim() === ''}>
          {pending ? 'Signing in…' : 'Sign in'}
        </button>
        <ErrorNotice error={error} />
      </form>
      <p class="muted">
        The key is exchanged for a session cookie that ends when the key is revoked or after the configured time. Run{' '}
        <code>iris keys create</code> to make a key for a role.
      </p>
    </main>
  );
}
