// Verify: downloads the whole log and checks it here, with WebCrypto, against the verifier key
// the operator pinned (or, marked as such, the one this server reports), listing every check.
import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../../api/client';
import { ErrorNotice } from '../../ui/parts';
import { downloadLog } from './log-download';
import { verifyLog, type LogVerification } from './log-verify';
import { parseVerifierKey, type VerifierKey } from './signed-note';
import { describeSource, pinKey, pinnedKey, serverKey, type KeySource } from './verifier-key';

type Run =
  | { readonly state: 'idle' }
  | { readonly state: 'running'; readonly step: string }
  | {
      readonly state: 'done';
      readonly result: LogVerification;
      readonly source: KeySource;
      readonly vkey: string;
      readonly note?: string;
    }
  | { readonly state: 'failed'; readonly error: ApiError };

/** The key to verify with: the pinned one, else the server's (marked as not independent). */
export async function verificationKey(): Promise<{ key: VerifierKey; source: KeySource; note?: string }> {
  const pinned = pinnedKey();
  if (pinned === undefined) return { key: await parseVerifierKey(await serverKey()), source: 'server' };
  let key: VerifierKey;
  try {
    key = await parseVerifierKey(pinned);
  } catch (err) {
    throw new Error(`The pinned verifier key is not usable: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  }
  const reported = await serverKey().catch(() => undefined);
  return {
    key,
    source: 'pinned',
    ...(reported !== undefined && reported !== key.vkey
      ? {
          note: `This server now reports another verifier key (${reported}); the log was checked against your pinned key only.`,
        }
      : {}),
  };
}

export function VerifyPanel(props: { log: string }) {
  const [run, setRun] = useState<Run>({ state: 'idle' });
  useEffect(() => setRun({ state: 'idle' }), [props.log]);
  const start = async () => {
    setRun({ state: 'running', step: 'Getting the verifier key…' });
    try {
      const { key, source, note } = await verificationKey();
      const data = await downloadLog(props.log, (n) => setRun({ state: 'running', step: `Downloading events: ${n}…` }));
      setRun({ state: 'running', step: `Checking ${data.rows.length} events…` });
      const result = await verifyLog({ log: props.log, key, ...data });
      setRun({ state: 'done', result, source, vkey: key.vkey, ...(note === undefined ? {} : { note }) });
    } catch (err) {
      setRun({
        state: 'failed',
        error: err instanceof ApiError ? err : new ApiError(0, err instanceof Error ? err.message : String(err)),
      });
    }
  };
  return (
    <section class="panel verify" aria-labelledby="verify-title">
      <h2 id="verify-title">Verify this log in the browser</h2>
      <p class="muted">
        Downloads every event, recomputes each leaf and the Merkle root here (SHA-256), and checks the signed head, the
        kept checkpoints and the platform log's witness records against a verifier key (Ed25519), without trusting the
        server's own verdict.
      </p>
      <KeyPin />
      <div class="row">
        <button type="button" onClick={() => void start()} disabled={run.state === 'running'}>
          Verify
        </button>
        {run.state === 'running' && (
          <span class="muted" role="status">
            {run.step}
          </span>
        )}
      </div>
      {run.state === 'failed' && <ErrorNotice error={run.error} />}
      {run.state === 'done' && <VerifyResult {...run} />}
    </section>
  );
}

function VerifyResult(props: { result: LogVerification; source: KeySource; vkey: string; note?: string }) {
  const { result } = props;
  return (
    <div class="verify-result" role="status">
      <p class={`notice ${result.ok ? 'ok' : 'error'}`}>
        <strong>{result.ok ? 'Verified' : 'Verification FAILED'}</strong>
        {result.ok
          ? ` The log of ${result.log} holds: ${result.size} events, every check passed.`
          : ` ${result.problems.length} problem${result.problems.length === 1 ? '' : 's'} in the log of ${result.log}.`}
      </p>
      {props.source === 'server' && (
        <p class="notice warn-note">
          <strong>Key fetched from this server, not independent.</strong> Pin a verifier key you obtained elsewhere to
          rule out a compromised server.
        </p>
      )}
      {props.note && <p class="notice warn-note">{props.note}</p>}
      <table>
        <caption class="sr-only">Checks</caption>
        <thead>
          <tr>
            <th scope="col">Check</th>
            <th scope="col">Result</th>
            <th scope="col">Detail</th>
          </tr>
        </thead>
        <tbody>
          <tr>
            <td>Verifier key</td>
            <td>
              <span class={`badge ${props.source === 'pinned' ? 'ok' : 'warn'}`}>
                {props.source === 'pinned' ? 'Pinned' : 'Server'}
              </span>
            </td>
            <td>
              <code class="wrap">{props.vkey}</code> ({describeSource(props.source)})
            </td>
          </tr>
          {result.checks.map((c) => (
            <tr key={c.name}>
              <td>{c.name}</td>
              <td>
                <span class={`badge ${c.ok ? 'ok' : 'bad'}`}>{c.ok ? 'Passed' : 'Failed'}</span>
              </td>
              <td class="wrap">{c.detail}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {result.problems.length > 0 && (
        <>
          <h3>Problems</h3>
          <ul class="problems">
            {result.problems.map((p, i) => (
              <li key={i}>
                {p.seq === undefined ? '' : `Event ${p.seq}: `}
                {p.problem}
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}

/** The pinned verifier key: shown, entered, forgotten. */
function KeyPin() {
  const [pinned, setPinned] = useState(pinnedKey());
  const [draft, setDraft] = useState('');
  const [error, setError] = useState<string | undefined>();
  return (
    <div class="key-pin">
      <p>
        <strong>Verifier key:</strong>{' '}
        {pinned === undefined ? (
          <span>none pinned; Verify will use the key fetched from this server, which is not independent.</span>
        ) : (
          <>
            <code class="wrap">{pinned}</code> <span class="muted">(pinned in this browser)</span>{' '}
            <button
              type="button"
              class="secondary"
              onClick={() => {
                pinKey(undefined);
                setPinned(undefined);
              }}
            >
              Forget pinned key
            </button>
          </>
        )}
      </p>
      <form
        class="row"
        onSubmit={(e) => {
          e.preventDefault();
          void parseVerifierKey(draft).then(
            (k) => {
              pinKey(k.vkey);
              setPinned(k.vkey);
              setDraft('');
              setError(undefined);
            },
            (err: unknown) => setError(err instanceof Error ? err.message : String(err)),
          );
        }}
      >
        <label for="vkey-input">Verifier key you trust</label>
        <input
          id="vkey-input"
          class="grow"
          spellcheck={false}
          autocomplete="off"
          placeholder="name+hash+key, e.g. from your deployment's records"
          value={draft}
          onInput={(e) => setDraft(e.currentTarget.value)}
          aria-describedby={error ? 'vkey-error' : undefined}
        />
        <button type="submit" class="secondary" disabled={draft.trim() === ''}>
          Pin key
        </button>
      </form>
      {error && (
        <p id="vkey-error" class="notice error" role="alert">
          Not a verifier key: {error}
        </p>
      )}
    </div>
  );
}
