// The chaos suite's HTTP client: it behaves like a well-written client and no better. It
// honours one Retry-After of at most 5 s (waits, sends the same request again, once) and makes
// no other retry; any other 5xx, a timeout or a reset is a failure. A 429 that the tenant's own
// limits or quotas explain is not a failure.

export const MAX_RETRY_AFTER_S = 5;
const TIMEOUT_MS = 10_000;

export type Verdict = 'ok' | 'quota' | 'fail';

export interface Outcome {
  readonly op: string;
  readonly tenant: string;
  readonly write: boolean;
  /** ms on the suite's clock (performance.now()). */
  readonly start: number;
  readonly end: number;
  /** 0: no HTTP answer (timeout, reset, refused). */
  readonly status: number;
  readonly retried: boolean;
  readonly verdict: Verdict;
  readonly detail: string;
}

export interface Call {
  readonly op: string;
  readonly tenant: string;
  readonly write: boolean;
  readonly method: string;
  readonly path: string;
  readonly token: string;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /** Statuses that are the expected answer besides 2xx (none by default). */
  readonly expect?: readonly number[];
}

interface Answer {
  readonly status: number;
  readonly retryAfter: string | null;
  readonly json: unknown;
  readonly error: string;
}

async function send(api: string, call: Call): Promise<Answer> {
  try {
    const res = await fetch(`${api}${call.path}`, {
      method: call.method,
      headers: {
        authorization: `Bearer ${call.token}`,
        ...(call.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...call.headers,
      },
      body: call.body === undefined ? undefined : JSON.stringify(call.body),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    const problem = json as { code?: string; limit?: string; quota?: string } | undefined;
    const error = res.ok ? '' : [problem?.code, problem?.limit ?? problem?.quota].filter(Boolean).join(':');
    return { status: res.status, retryAfter: res.headers.get('retry-after'), json, error };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    return { status: 0, retryAfter: null, json: undefined, error: e.cause?.code ?? e.name };
  }
}

/** Limits that are the tenant's own: its rate, a route's share of it, its concurrency cap, its quotas and queue cap. */
const OWN_LIMITS = new Set(['rate_limited:tenant', 'rate_limited:route', 'rate_limited:concurrency']);
function ownLimit(a: Answer): boolean {
  return (
    a.status === 429 && (OWN_LIMITS.has(a.error) || a.error.startsWith('quota_exceeded') || a.error === 'queue_full')
  );
}

/** One call as a well-written client makes it: the answer and what it counts as. */
export async function perform(api: string, call: Call): Promise<{ outcome: Outcome; json: unknown }> {
  const start = performance.now();
  let answer = await send(api, call);
  let retried = false;
  const wait = answer.retryAfter === null ? Number.NaN : Number(answer.retryAfter);
  if ((answer.status === 429 || answer.status === 503) && wait >= 0 && wait <= MAX_RETRY_AFTER_S) {
    await new Promise((r) => setTimeout(r, wait * 1000));
    answer = await send(api, call);
    retried = true;
  }
  const ok = (answer.status >= 200 && answer.status < 300) || (call.expect ?? []).includes(answer.status);
  const verdict: Verdict = ok ? 'ok' : ownLimit(answer) ? 'quota' : 'fail';
  return {
    outcome: {
      op: call.op,
      tenant: call.tenant,
      write: call.write,
      start,
      end: performance.now(),
      status: answer.status,
      retried,
      verdict,
      detail: answer.error,
    },
    json: answer.json,
  };
}
