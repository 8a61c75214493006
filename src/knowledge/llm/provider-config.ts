// The LLM providers Iris may call (OpenAI-compatible chat completions endpoints): what one is,
// and the parser that reads a JSON array of them, fills defaults and refuses anything unclear.
import { ValidationError } from '../../core/errors.js';

export interface LlmProviderConfig {
  /** Unique; used in metrics, logs and error messages. */
  readonly name: string;
  /** Up to the API version, without a trailing slash: `${baseUrl}/chat/completions` is called. */
  readonly baseUrl: string;
  readonly model: string;
  /** Sent as `Authorization: Bearer`; never logged, never in an error. */
  readonly apiKey?: string;
  /** Where the provider processes data; a tenant's residency decides whether it may be called. */
  readonly region: string;
  /** USD per prompt token (default 0). */
  readonly costPerInputToken: number;
  /** USD per completion token (default 0). */
  readonly costPerOutputToken: number;
  /** Lower is tried first (default 100); ties go to the cheaper provider. */
  readonly priority: number;
  /** Per attempt (default 20 000). */
  readonly timeoutMs: number;
  /** Calls in flight at once (default 8). */
  readonly maxConcurrent: number;
  /** Calls waiting for a slot (default 16); beyond that a call is rejected at once. */
  readonly maxQueue: number;
}

export const LLM_PROVIDER_DEFAULTS = {
  costPerInputToken: 0,
  costPerOutputToken: 0,
  priority: 100,
  timeoutMs: 20_000,
  maxConcurrent: 8,
  maxQueue: 16,
} as const;

const FIELDS = [
  'name',
  'baseUrl',
  'model',
  'apiKey',
  'region',
  'costPerInputToken',
  'costPerOutputToken',
  'priority',
  'timeoutMs',
  'maxConcurrent',
  'maxQueue',
] as const;
type Field = (typeof FIELDS)[number];

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

interface Problem {
  readonly index: number | undefined;
  readonly field: string | undefined;
  readonly problem: string;
}

/**
 * Reads a JSON array of providers from `text`; `source` (an environment variable or a file)
 * names where it came from in errors. Throws one ValidationError listing every problem, each
 * as `source[index].field: problem`. Values are never echoed (an apiKey could be among them).
 * With `knownRegions`, a provider's region must be one of them.
 */
export function parseLlmProviders(
  text: string,
  source: string,
  options: { knownRegions?: readonly string[] } = {},
): LlmProviderConfig[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    // NOTE: V8's message quotes the text around the fault, which may hold an apiKey: keep only the position.
    const at = /position (\d+)/.exec(err instanceof Error ? err.message : '')?.[1];
    throw invalid(source, [
      {
        index: undefined,
        field: undefined,
        problem: `is not valid JSON${at === undefined ? '' : ` (at character ${at})`}`,
      },
    ]);
  }
  if (!Array.isArray(value))
    throw invalid(source, [
      { index: undefined, field: undefined, problem: 'must be a JSON array of provider objects' },
    ]);

  const problems: Problem[] = [];
  const providers: LlmProviderConfig[] = [];
  const seen = new Map<string, number>();
  value.forEach((entry: unknown, index) => {
    const before = problems.length;
    const provider = readProvider(entry, index, problems, options.knownRegions);
    if (provider === undefined || problems.length > before) return;
    const first = seen.get(provider.name);
    if (first !== undefined) {
      problems.push({ index, field: 'name', problem: `duplicates the name of provider ${first}` });
      return;
    }
    seen.set(provider.name, index);
    providers.push(provider);
  });
  if (problems.length > 0) throw invalid(source, problems);
  return providers;
}

function readProvider(
  entry: unknown,
  index: number,
  problems: Problem[],
  knownRegions: readonly string[] | undefined,
): LlmProviderConfig | undefined {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    problems.push({ index, field: undefined, problem: 'must be an object' });
    return undefined;
  }
  const raw = entry as Record<string, unknown>;
  const bad = (field: string, problem: string): undefined => {
    problems.push({ index, field, problem });
    return undefined;
  };
  for (const key of Object.keys(raw)) {
    if (!(FIELDS as readonly string[]).includes(key)) bad(key, `is not a provider field (known: ${FIELDS.join(', ')})`);
  }

  const text = (field: Field, required: boolean): string | undefined => {
    const v = raw[field];
    if (v === undefined) return required ? bad(field, 'is required') : undefined;
    if (typeof v !== 'string' || v.trim() === '') return bad(field, 'must be a non-empty string');
    return v.trim();
  };
  const number = (
    field: Field,
    fallback: number,
    check: { min: number; max: number; integer: boolean },
  ): number | undefined => {
    const v = raw[field];
    if (v === undefined) return fallback;
    if (typeof v !== 'number' || !Number.isFinite(v)) return bad(field, 'must be a finite number');
    if (check.integer && !Number.isInteger(v)) return bad(field, 'must be an integer');
    if (v < check.min || v > check.max) return bad(field, `must be between ${check.min} and ${check.max}`);
    return v;
  };

  const name = text('name', true);
  if (name !== undefined && !NAME.test(name))
    bad('name', 'must be 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit');
  const baseUrl = readBaseUrl(text('baseUrl', true), bad);
  const model = text('model', true);
  const apiKey = text('apiKey', false);
  const region = text('region', true);
  if (region !== undefined && knownRegions !== undefined && !knownRegions.includes(region))
    bad('region', `must be one of the known regions (${knownRegions.join(', ')})`);
  const costPerInputToken = number('costPerInputToken', LLM_PROVIDER_DEFAULTS.costPerInputToken, {
    min: 0,
    max: 1,
    integer: false,
  });
  const costPerOutputToken = number('costPerOutputToken', LLM_PROVIDER_DEFAULTS.costPerOutputToken, {
    min: 0,
    max: 1,
    integer: false,
  });
  const priority = number('priority', LLM_PROVIDER_DEFAULTS.priority, {
    min: -1_000_000,
    max: 1_000_000,
    integer: true,
  });
  const timeoutMs = number('timeoutMs', LLM_PROVIDER_DEFAULTS.timeoutMs, { min: 1, max: 600_000, integer: true });
  const maxConcurrent = number('maxConcurrent', LLM_PROVIDER_DEFAULTS.maxConcurrent, {
    min: 1,
    max: 10_000,
    integer: true,
  });
  const maxQueue = number('maxQueue', LLM_PROVIDER_DEFAULTS.maxQueue, { min: 0, max: 100_000, integer: true });

  if (
    name === undefined ||
    baseUrl === undefined ||
    model === undefined ||
    region === undefined ||
    costPerInputToken === undefined ||
    costPerOutputToken === undefined ||
    priority === undefined ||
    timeoutMs === undefined ||
    maxConcurrent === undefined ||
    maxQueue === undefined
  ) {
    return undefined;
  }
  return Object.freeze({
    name,
    baseUrl,
    model,
    ...(apiKey === undefined ? {} : { apiKey }),
    region,
    costPerInputToken,
    costPerOutputToken,
    priority,
    timeoutMs,
    maxConcurrent,
    maxQueue,
  });
}

function readBaseUrl(value: string | undefined, bad: (field: Field, problem: string) => undefined): string | undefined {
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return bad('baseUrl', 'must be an absolute http(s) URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return bad('baseUrl', `must use http or https, not ${url.protocol.replace(/:$/, '')}`);
  // NOTE: credentials belong in apiKey, where they are kept out of logs; a query or fragment
  // would end up in front of "/chat/completions".
  if (url.username !== '' || url.password !== '') return bad('baseUrl', 'must not carry credentials (use apiKey)');
  if (url.search !== '' || url.hash !== '') return bad('baseUrl', 'must not have a query or fragment');
  return url.href.replace(/\/+$/, '');
}

function invalid(source: string, problems: readonly Problem[]): ValidationError {
  const lines = problems.map(
    (p) =>
      `${source}${p.index === undefined ? '' : `[${p.index}]`}${p.field === undefined ? '' : `.${p.field}`}: ${p.problem}`,
  );
  const message =
    lines.length === 1
      ? `Invalid LLM provider list: ${lines[0] ?? ''}.`
      : `Invalid LLM provider list (${lines.length} problems):\n${lines.join('\n')}`;
  return new ValidationError(message, {
    source,
    problems: problems.map((p) => ({ index: p.index ?? null, field: p.field ?? null, problem: p.problem })),
  });
}
