// Cancel, retry and redrive: shown only to roles whose Cedar actions allow them and only in the
// states the queue accepts them in; the server still decides, and its answer is shown in words.
import { useState } from 'preact/hooks';
import { api, call } from '../../api/client';
import { can, useSession } from '../../session';
import { ErrorNotice } from '../../ui/parts';
import { useAction } from '../../ui/load';
import type { Job } from './job-types';

type Verb = 'cancel' | 'retry' | 'redrive';

const VERBS: readonly { verb: Verb; action: string; label: string; when: readonly Job['state'][]; danger?: boolean }[] =
  [
    { verb: 'cancel', action: 'job.cancel', label: 'Cancel job', when: ['queued', 'running'], danger: true },
    { verb: 'retry', action: 'job.retry', label: 'Retry job', when: ['failed', 'cancelled'] },
    { verb: 'redrive', action: 'job.redrive', label: 'Redrive job', when: ['poisoned'] },
  ];

function post(verb: Verb, tenantId: string, jobId: string): Promise<Job> {
  const params = { params: { path: { tenantId, jobId } }, body: {} };
  switch (verb) {
    case 'cancel':
      return call(api.POST('/v1/tenants/{tenantId}/jobs/{jobId}/cancel', params));
    case 'retry':
      return call(api.POST('/v1/tenants/{tenantId}/jobs/{jobId}/retry', params));
    case 'redrive':
      return call(api.POST('/v1/tenants/{tenantId}/jobs/{jobId}/redrive', params));
    default: {
      const never: never = verb;
      throw new Error(`unknown job action ${String(never)}`);
    }
  }
}

const DONE: Record<Verb, string> = { cancel: 'Cancelled', retry: 'Queued again', redrive: 'Redriven' };

/** The buttons for one job; `onDone` hears the job as the server returned it. */
export function JobActions(props: { job: Job; onDone: (job: Job) => void; compact?: boolean }) {
  const session = useSession();
  const action = useAction();
  const [done, setDone] = useState<string | undefined>();
  const { job } = props;
  const verbs = VERBS.filter((v) => can(session, v.action) && v.when.includes(job.state));
  if (verbs.length === 0 && done === undefined && action.error === undefined) return null;
  return (
    <div class="job-actions">
      {verbs.map((v) => (
        <button
          key={v.verb}
          type="button"
          class={v.danger ? 'danger' : 'secondary'}
          disabled={action.pending}
          aria-label={props.compact ? `${v.label} ${job.jobId}` : undefined}
          onClick={() => {
            setDone(undefined);
            void action
              .run(() => post(v.verb, job.tenantId, job.jobId))
              .then((j) => {
                if (j === undefined) return;
                setDone(`${DONE[v.verb]}: ${j.jobId} is now ${j.state}.`);
                props.onDone(j);
              });
          }}
        >
          {props.compact ? v.label.replace(' job', '') : v.label}
        </button>
      ))}
      {done && (
        <p class="notice ok" role="status">
          {done}
        </p>
      )}
      <ErrorNotice error={action.error} />
    </div>
  );
}
