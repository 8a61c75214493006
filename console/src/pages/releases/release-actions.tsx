// Start, pause, resume, promote, abort and roll back: shown only to a role whose Cedar actions
// include release.operate, and only in the phases the state machine accepts them in
// (src/rollout/release-machine.ts). Pause, abort and rollback ask for a reason first, promote
// for a confirmation. The server still decides: a refusal is shown as its problem detail.
import { useEffect, useRef, useState } from 'preact/hooks';
import { can, useSession } from '../../session';
import { useAction } from '../../ui/load';
import { ErrorNotice } from '../../ui/parts';
import { act, type OperatorAction, type Phase, type Release } from './release-api';

interface Verb {
  readonly action: OperatorAction;
  readonly label: string;
  readonly when: readonly Phase[];
  /** Needs a reason (the API refuses without one). */
  readonly reason?: true;
  /** Asks before sending. */
  readonly confirm?: string;
  readonly danger?: true;
}

const VERBS: readonly Verb[] = [
  { action: 'start', label: 'Start', when: ['planned'] },
  { action: 'pause', label: 'Pause', when: ['progressing', 'analysing'], reason: true },
  { action: 'resume', label: 'Resume', when: ['paused'] },
  {
    action: 'promote',
    label: 'Promote',
    when: ['progressing', 'analysing', 'paused'],
    confirm: 'Promote to every ring at once: this release becomes the control everywhere.',
  },
  {
    action: 'abort',
    label: 'Abort',
    when: ['planned', 'progressing', 'analysing', 'paused'],
    reason: true,
    danger: true,
  },
  {
    action: 'rollback',
    label: 'Roll back',
    when: ['progressing', 'analysing', 'paused', 'promoted'],
    reason: true,
    danger: true,
  },
];

/** The buttons for one release; `onDone` hears the release as the server returned it. */
export function ReleaseActions(props: { release: Release; onDone: (r: Release) => void }) {
  const session = useSession();
  const action = useAction();
  const [asking, setAsking] = useState<Verb | undefined>();
  const [reason, setReason] = useState('');
  const [done, setDone] = useState<string | undefined>();
  const input = useRef<HTMLInputElement>(null);
  // The reason field takes the focus when it opens, so a keyboard user types the reason at once.
  useEffect(() => input.current?.focus(), [asking]);
  const r = props.release;
  if (!can(session, 'release.operate')) return null;
  const verbs = VERBS.filter((v) => v.when.includes(r.phase));

  const send = (v: Verb, why: string | undefined) => {
    setDone(undefined);
    void action
      .run(() => act(r.id, v.action, why))
      .then((after) => {
        if (after === undefined) return;
        setAsking(undefined);
        setReason('');
        setDone(`${v.label}: ${after.id} is now ${after.phase.replace('_', ' ')}.`);
        props.onDone(after);
      });
  };

  return (
    <div class="release-actions">
      {verbs.length > 0 && (
        <div class="row" role="group" aria-label={`Actions on ${r.id}`}>
          {verbs.map((v) => (
            <button
              key={v.action}
              type="button"
              class={v.danger ? 'danger' : 'secondary'}
              disabled={action.pending}
              aria-expanded={v.reason || v.confirm ? asking?.action === v.action : undefined}
              onClick={() => {
                action.clear();
                setDone(undefined);
                if (v.reason || v.confirm) setAsking(asking?.action === v.action ? undefined : v);
                else send(v, undefined);
              }}
            >
              {v.label}
            </button>
          ))}
        </div>
      )}
      {asking && asking.when.includes(r.phase) && (
        <form
          class="reason-form"
          aria-label={`${asking.label} ${r.id}`}
          onSubmit={(e) => {
            e.preventDefault();
            const why = reason.trim();
            send(asking, why === '' ? undefined : why);
          }}
        >
          {asking.confirm && <p>{asking.confirm}</p>}
          <label for="release-reason">
            {asking.reason
              ? `Why ${asking.label.toLowerCase()}? (recorded in the ledger and the history)`
              : 'Note (optional)'}
          </label>
          <input
            id="release-reason"
            ref={input}
            class="grow"
            value={reason}
            required={asking.reason === true}
            maxLength={1000}
            onInput={(e) => setReason(e.currentTarget.value)}
          />
          <div class="row">
            <button type="submit" class={asking.danger ? 'danger' : undefined} disabled={action.pending}>
              {asking.label} {r.id}
            </button>
            <button type="button" class="secondary" onClick={() => setAsking(undefined)}>
              Cancel
            </button>
          </div>
        </form>
      )}
      {done && (
        <p class="notice ok" role="status">
          {done}
        </p>
      )}
      <ErrorNotice error={action.error} />
    </div>
  );
}
