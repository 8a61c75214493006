// Preflight gates: the checks a release must pass before it starts and before each promotion
// into a ring. Pure: every input (the silences Alertmanager reports, the reviews recorded, the
// dashboard document, the policy bundle's facts, the load probe's counts) is a value passed in,
// and every gate returns one `PreflightResult` whose detail says why. A gate that cannot tell
// (no data, no measurement) fails: NoData never passes (the rule of the bake analysis too).
import type { PreflightResult } from './change-record.js';

/** Where preflight runs: before `start`, or before the release's weight enters a ring. */
export type PreflightStage = 'start' | `promote:${string}`;

/** A matcher as Alertmanager's v2 API returns it; `isEqual` absent means true (v0.21 and older). */
export interface SilenceMatcher {
  readonly name: string;
  readonly value: string;
  readonly isRegex: boolean;
  readonly isEqual?: boolean;
}

/** An active silence (GET /api/v2/silences, state `active`). */
export interface Silence {
  readonly id: string;
  readonly matchers: readonly SilenceMatcher[];
  readonly createdBy: string;
  readonly comment: string;
  readonly startsAt: string;
  readonly endsAt: string;
  readonly updatedAt: string;
}

/** A person's review of one silence for one release. */
export interface SilenceReview {
  readonly releaseId: string;
  readonly silenceId: string;
  readonly reviewer: string;
  readonly note: string;
  /** ISO 8601. */
  readonly at: string;
}

/** The labels a ring's alerts carry: the release's alerts name both. */
const SCOPE_LABELS = ['ring', 'release'] as const;

/**
 * Whether one matcher matches `labels` as Alertmanager decides it: a missing label is the empty
 * string; a regex is anchored at both ends (Go's RE2 `^(?:re)$`); `isEqual: false` negates.
 * NOTE: a regex JavaScript cannot compile counts as matching: the silence is then reviewed by
 * a person rather than silently ignored.
 */
export function matcherMatches(m: SilenceMatcher, labels: Readonly<Record<string, string>>): boolean {
  const value = labels[m.name] ?? '';
  let hit: boolean;
  if (m.isRegex) {
    try {
      hit = new RegExp(`^(?:${m.value})$`, 'u').test(value);
    } catch {
      return true;
    }
  } else hit = value === m.value;
  return m.isEqual === false ? !hit : hit;
}

/**
 * Whether a silence concerns `ring` of release `releaseId`: it has at least one matcher on the
 * `ring` or `release` label, and every such matcher matches `{ ring, release }`. Matchers on
 * other labels (alertname, severity) only narrow which of the ring's alerts it hides, so they
 * do not take it out of review.
 */
export function silenceConcerns(s: Silence, ring: string, releaseId: string): boolean {
  const scoped = s.matchers.filter((m) => (SCOPE_LABELS as readonly string[]).includes(m.name));
  if (scoped.length === 0) return false;
  const labels = { ring, release: releaseId };
  return scoped.every((m) => matcherMatches(m, labels));
}

const matcherText = (m: SilenceMatcher): string =>
  `${m.name}${m.isEqual === false ? '!' : '='}${m.isRegex ? '~' : ''}"${m.value}"`;

/**
 * Every active silence that concerns one of `rings` must carry a review naming a person, made
 * after the silence's last update (a silence edited since its review is reviewed again).
 */
export function silencesGate(input: {
  readonly releaseId: string;
  readonly rings: readonly string[];
  readonly silences: readonly Silence[];
  readonly reviews: readonly SilenceReview[];
  readonly at: number;
}): PreflightResult {
  const { releaseId, rings, at } = input;
  const concerning = input.silences.filter((s) => rings.some((r) => silenceConcerns(s, r, releaseId)));
  if (concerning.length === 0)
    return { gate: 'silences', ok: true, detail: `no active silence matches rings ${rings.join(', ')}`, at };
  const reviewed: string[] = [];
  const unreviewed: string[] = [];
  for (const s of concerning) {
    // The newest review counts; one made before the silence's last change reviewed another silence.
    const review = input.reviews
      .filter((r) => r.silenceId === s.id && r.reviewer.trim() !== '')
      .sort((a, b) => Date.parse(b.at) - Date.parse(a.at))[0];
    const updated = Date.parse(s.updatedAt);
    if (review !== undefined && !(Number.isFinite(updated) && Date.parse(review.at) < updated)) {
      reviewed.push(`${s.id} by ${review.reviewer}`);
      continue;
    }
    const why = review === undefined ? 'unreviewed' : `changed since ${review.reviewer}'s review`;
    unreviewed.push(
      `${s.id} (${why}; ${s.matchers.map(matcherText).join(', ')}; created by ${s.createdBy || '?'}; ` +
        `"${s.comment}"; ends ${s.endsAt})`,
    );
  }
  if (unreviewed.length > 0)
    return {
      gate: 'silences',
      ok: false,
      detail:
        `${unreviewed.length} of ${concerning.length} matching silence(s) need a review ` +
        `(iris release review-silences ${releaseId} --silence <id> --reviewer <name>): ${unreviewed.join('; ')}`,
      at,
    };
  return {
    gate: 'silences',
    ok: true,
    detail: `${reviewed.length} matching silence(s) reviewed: ${reviewed.join(', ')}`,
    at,
  };
}

/**
 * Each ring has a dashboard link: the provisioned rings dashboard (`ops/grafana/dashboards/
 * iris-rings.json`) has a `ring` template variable that offers the ring (a query variable offers
 * every ring; a custom one must list it) and at least one panel whose queries use `$ring`.
 * `dashboard` is the parsed file, undefined when it could not be read.
 */
export function dashboardsGate(input: {
  readonly rings: readonly string[];
  readonly dashboard: unknown;
  readonly source: string;
  readonly at: number;
}): PreflightResult {
  const { rings, at, source } = input;
  const fail = (detail: string): PreflightResult => ({ gate: 'dashboards', ok: false, detail, at });
  const d = input.dashboard;
  if (typeof d !== 'object' || d === null) return fail(`no dashboard at ${source}`);
  const doc = d as { uid?: unknown; templating?: { list?: unknown }; panels?: unknown };
  const vars = Array.isArray(doc.templating?.list) ? (doc.templating.list as Record<string, unknown>[]) : [];
  const ringVar = vars.find((v) => v.name === 'ring');
  if (ringVar === undefined) return fail(`${source} has no 'ring' variable`);
  const panels = Array.isArray(doc.panels) ? (doc.panels as unknown[]) : [];
  // NOTE: panels nest (rows); the text search covers targets at any depth.
  const usesRing = panels.filter((p) => /\$\{?ring\b/.test(JSON.stringify(p)));
  if (usesRing.length === 0) return fail(`${source} has no panel filtered by $ring`);
  const offered = (ring: string): boolean => {
    if (ringVar.type === 'query') return true;
    const options = Array.isArray(ringVar.options) ? (ringVar.options as { value?: unknown }[]) : [];
    const query = typeof ringVar.query === 'string' ? ringVar.query.split(',').map((s) => s.trim()) : [];
    return options.some((o) => o.value === ring) || query.includes(ring);
  };
  const missing = rings.filter((r) => !offered(r));
  if (missing.length > 0) return fail(`${source}: the 'ring' variable does not offer ${missing.join(', ')}`);
  const uid = typeof doc.uid === 'string' ? doc.uid : '?';
  return {
    gate: 'dashboards',
    ok: true,
    detail: `${usesRing.length} panel(s) by ring: ${rings.map((r) => `/d/${uid}?var-ring=${encodeURIComponent(r)}`).join(', ')}`,
    at,
  };
}

/** What the policy store knows of a bundle: found by digest, and how its compile's proofs went. */
export interface PolicyBundleFacts {
  readonly id: string;
  readonly name: string;
  /** The manifest's verification summary per property: `proved`, `by-construction`, `builtin` or `skipped`. */
  readonly verification: Readonly<Record<string, string>>;
  /** Invariant problems found when re-checking the stored bundle (empty: holds). */
  readonly problems: readonly string[];
}

// `by-construction`: a forbid-only overlay cannot widen access, so there is nothing to prove.
const PROVED = new Set(['proved', 'by-construction', 'builtin']);

/**
 * The release's policy bundle compiles and its proofs hold: a stored bundle with that digest
 * exists, passes every invariant, and its verification summary says every property was proved.
 * `facts` undefined: no stored bundle has that digest.
 */
export function policyGate(input: {
  readonly bundle: { readonly name: string; readonly digest: string } | undefined;
  readonly facts: PolicyBundleFacts | undefined;
  readonly at: number;
}): PreflightResult {
  const { bundle, facts, at } = input;
  if (bundle === undefined) return { gate: 'policy', ok: true, detail: 'no policy bundle in this release', at };
  const fail = (detail: string): PreflightResult => ({ gate: 'policy', ok: false, detail, at });
  if (facts === undefined) return fail(`no stored policy bundle ${bundle.name} with digest ${bundle.digest}`);
  if (facts.problems.length > 0) return fail(`bundle ${facts.id} breaks invariants: ${facts.problems.join('; ')}`);
  const entries = Object.entries(facts.verification);
  if (entries.length === 0) return fail(`bundle ${facts.id} carries no proofs`);
  const unproved = entries.filter(([, v]) => !PROVED.has(v));
  if (unproved.length > 0)
    return fail(`bundle ${facts.id}: not proved: ${unproved.map(([k, v]) => `${k} (${v})`).join(', ')}`);
  const named = facts.name === bundle.name ? '' : ` (stored as '${facts.name}')`;
  return {
    gate: 'policy',
    ok: true,
    detail: `bundle ${bundle.name}${named} ${facts.id} compiles; proved: ${entries.map(([k]) => k).join(', ')}`,
    at,
  };
}

/** The candidate's load probe in one ring. */
export interface LoadProbeResult {
  readonly ring: string;
  readonly requests: number;
  readonly successes: number;
  /**
   * Parse accuracy on the labelled set the release carries (documents with expected records,
   * questions with expected citations): correct / total; absent when not measured.
   */
  readonly accuracy?: { readonly correct: number; readonly total: number; readonly misses?: readonly string[] };
}

export const LOAD_PROBE_THRESHOLDS = { successRatio: 0.99, accuracy: 0.97, minRequests: 50 } as const;

/**
 * The candidate passes the ring's load probe: enough requests, a success ratio at or above the
 * threshold and, when the release changes the extraction version, parse accuracy at or above
 * 0.97. Unmeasured accuracy for an extraction change fails (never a silent pass).
 */
export function loadProbeGate(input: {
  readonly ring: string;
  readonly probe: LoadProbeResult | undefined;
  readonly extractionChange: boolean;
  readonly at: number;
  readonly thresholds?: { successRatio: number; accuracy: number; minRequests: number };
}): PreflightResult {
  const { ring, probe, extractionChange, at } = input;
  const t = input.thresholds ?? LOAD_PROBE_THRESHOLDS;
  const fail = (detail: string): PreflightResult => ({ gate: `load-probe:${ring}`, ok: false, detail, at });
  if (probe === undefined) return fail(`no load probe result for ring ${ring}`);
  if (probe.requests < t.minRequests) return fail(`${probe.requests} probe requests; at least ${t.minRequests} needed`);
  const ratio = probe.successes / probe.requests;
  const parts = [`success ${probe.successes}/${probe.requests} = ${ratio.toFixed(4)} (>= ${t.successRatio})`];
  if (!(ratio >= t.successRatio)) return fail(`${parts[0]} failed`);
  if (extractionChange) {
    const a = probe.accuracy;
    if (a === undefined || a.total <= 0)
      return fail(`${parts[0]}; parse accuracy not measured, and the extraction version changes`);
    const acc = a.correct / a.total;
    const text = `parse accuracy ${a.correct}/${a.total} = ${acc.toFixed(4)} (>= ${t.accuracy})`;
    const missed = (a.misses ?? []).slice(0, 5);
    if (!(acc >= t.accuracy))
      return fail(`${parts[0]}; ${text} failed${missed.length > 0 ? ` (missing ${missed.join('; ')})` : ''}`);
    parts.push(text);
  }
  return { gate: `load-probe:${ring}`, ok: true, detail: parts.join('; '), at };
}

/** The rings a stage concerns: every ring of the plan before start, the entered ring before a promotion. */
export function ringsOfStage(stage: PreflightStage, planRings: readonly string[]): string[] {
  if (stage === 'start') return [...planRings];
  return [stage.slice('promote:'.length)];
}

/** The ring a stage's load probe runs in: the plan's first ring at start, else the entered ring. */
export function probeRingOf(stage: PreflightStage, planRings: readonly string[]): string | undefined {
  return stage === 'start' ? planRings[0] : stage.slice('promote:'.length);
}

/**
 * A labelled set a release carries for its load probe: documents with the records extraction
 * must produce (canonical record keys, e.g. `entity:Service:billing` or `relation:billing|owns|db`)
 * and questions with the citations an answer must include (`documentId#chunkIndex`).
 */
export interface LabelledSet {
  readonly documents: readonly { readonly id: string; readonly expectedRecords: readonly string[] }[];
  readonly questions: readonly { readonly id: string; readonly expectedCitations: readonly string[] }[];
}

/** What the candidate produced on a labelled set: records per document id, citations per question id. */
export interface LabelledObservation {
  readonly records: Readonly<Record<string, readonly string[]>>;
  readonly citations: Readonly<Record<string, readonly string[]>>;
}

/**
 * Parse accuracy on a labelled set: every expected record is one item (correct when the
 * candidate produced it for that document), every question one item (correct when its answer
 * cites every expected citation). Extra records or citations cost nothing here; the load
 * probe's success ratio and the bake's metrics judge the rest. `misses` names the first 20
 * wrong items for the gate's detail.
 */
export function labelledAccuracy(
  set: LabelledSet,
  observed: LabelledObservation,
): { correct: number; total: number; misses: string[] } {
  let correct = 0;
  let total = 0;
  const misses: string[] = [];
  const miss = (what: string): void => {
    if (misses.length < 20) misses.push(what);
  };
  for (const d of set.documents) {
    const got = new Set(observed.records[d.id] ?? []);
    // Each expected record is scored once, even if the set lists it twice.
    for (const r of new Set(d.expectedRecords)) {
      total++;
      if (got.has(r)) correct++;
      else miss(`${d.id}: ${r}`);
    }
  }
  for (const q of set.questions) {
    total++;
    const got = new Set(observed.citations[q.id] ?? []);
    const missing = q.expectedCitations.filter((c) => !got.has(c));
    if (missing.length === 0) correct++;
    else miss(`${q.id}: missing ${missing.join(', ')}`);
  }
  return { correct, total, misses };
}
