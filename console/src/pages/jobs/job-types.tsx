// The job resource as the API documents it, and how the console names and colours its states.
import type { paths } from '../../api/client';

export type Job =
  paths['/v1/tenants/{tenantId}/jobs/{jobId}']['get']['responses']['200']['content']['application/json'];
export type JobState = Job['state'];

export const JOB_STATES: readonly JobState[] = ['queued', 'running', 'succeeded', 'failed', 'poisoned', 'cancelled'];

/** The badge class of a state: green done, red stopped with an error, amber waiting on a person. */
export function stateClass(state: JobState): string {
  switch (state) {
    case 'succeeded':
      return 'ok';
    case 'failed':
    case 'poisoned':
      return 'bad';
    case 'cancelled':
      return 'warn';
    case 'queued':
    case 'running':
      return 'live';
    default: {
      const never: never = state;
      return String(never);
    }
  }
}

export function StateBadge(props: { state: JobState }) {
  return <span class={`badge ${stateClass(props.state)}`}>{props.state}</span>;
}
