// Alertmanager's v2 API, read side: the active silences the preflight silences gate reviews.
// One GET per call with a timeout; failures are typed (`AlertmanagerError`) so the gate's
// caller can report "Alertmanager unreachable" as a failed gate rather than a passed one.
import { IrisError } from '../core/errors.js';
import type { Silence, SilenceMatcher } from './preflight.js';

export const ALERTMANAGER_ERROR_CODES = [
  'alertmanager_unreachable',
  'alertmanager_timeout',
  'alertmanager_status',
  'alertmanager_bad_response',
] as const;
export type AlertmanagerErrorCode = (typeof ALERTMANAGER_ERROR_CODES)[number];

export class AlertmanagerError extends IrisError {
  declare readonly code: AlertmanagerErrorCode;
  constructor(code: AlertmanagerErrorCode, message: string, options: { retryable: boolean; cause?: unknown }) {
    super(code, 502, message, options);
  }
}

export interface AlertmanagerClient {
  /** Silences in state `active` now (pending and expired ones are left out). */
  activeSilences(): Promise<Silence[]>;
}

const isString = (v: unknown): v is string => typeof v === 'string';

function matcherOf(v: unknown): SilenceMatcher | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const m = v as Record<string, unknown>;
  if (!isString(m.name) || !isString(m.value) || typeof m.isRegex !== 'boolean') return undefined;
  return {
    name: m.name,
    value: m.value,
    isRegex: m.isRegex,
    ...(typeof m.isEqual === 'boolean' ? { isEqual: m.isEqual } : {}),
  };
}

/**
 * Parses a `GettableSilences` body, keeping active silences only.
 * @throws AlertmanagerError `alertmanager_bad_response` when it is not a list of silences.
 */
export function parseSilences(body: unknown): Silence[] {
  if (!Array.isArray(body))
    throw new AlertmanagerError('alertmanager_bad_response', 'not a list', { retryable: false });
  const out: Silence[] = [];
  for (const item of body as unknown[]) {
    const s = (typeof item === 'object' && item !== null ? item : {}) as Record<string, unknown>;
    const state = (s.status as { state?: unknown } | undefined)?.state;
    const matchers = Array.isArray(s.matchers) ? (s.matchers as unknown[]).map(matcherOf) : undefined;
    if (!isString(s.id) || !isString(state) || matchers === undefined || matchers.some((m) => m === undefined))
      throw new AlertmanagerError('alertmanager_bad_response', 'a silence without id, state or matchers', {
        retryable: false,
      });
    if (state !== 'active') continue;
    out.push({
      id: s.id,
      matchers: matchers as SilenceMatcher[],
      createdBy: isString(s.createdBy) ? s.createdBy : '',
      comment: isString(s.comment) ? s.comment : '',
      startsAt: isString(s.startsAt) ? s.startsAt : '',
      endsAt: isString(s.endsAt) ? s.endsAt : '',
      updatedAt: isString(s.updatedAt) ? s.updatedAt : '',
    });
  }
  return out;
}

/**
 * A client for the Alertmanager at `baseUrl` (IRIS_ALERTMANAGER_URL, e.g. http://alertmanager:9093).
 * @throws AlertmanagerError when the URL is not http(s).
 */
export function makeAlertmanagerClient(baseUrl: string, opts: { timeoutMs?: number } = {}): AlertmanagerClient {
  let url: URL;
  try {
    url = new URL('api/v2/silences', baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
  } catch (cause) {
    throw new AlertmanagerError('alertmanager_unreachable', `bad Alertmanager URL`, { retryable: false, cause });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new AlertmanagerError('alertmanager_unreachable', 'the Alertmanager URL must be http(s)', {
      retryable: false,
    });
  const timeoutMs = opts.timeoutMs ?? 5000;
  return {
    async activeSilences() {
      const signal = AbortSignal.timeout(timeoutMs);
      let res: Response;
      try {
        res = await fetch(url, { headers: { accept: 'application/json' }, signal });
      } catch (cause) {
        if (signal.aborted)
          throw new AlertmanagerError('alertmanager_timeout', `no answer from Alertmanager in ${timeoutMs} ms`, {
            retryable: true,
            cause,
          });
        throw new AlertmanagerError('alertmanager_unreachable', `Alertmanager unreachable at ${url.origin}`, {
          retryable: true,
          cause,
        });
      }
      if (!res.ok) {
        await res.body?.cancel();
        throw new AlertmanagerError('alertmanager_status', `Alertmanager answered ${res.status}`, {
          retryable: res.status >= 500,
        });
      }
      let body: unknown;
      try {
        body = await res.json();
      } catch (cause) {
        throw new AlertmanagerError('alertmanager_bad_response', 'Alertmanager sent no JSON', {
          retryable: false,
          cause,
        });
      }
      return parseSilences(body);
    },
  };
}
