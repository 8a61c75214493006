// Extractive community reports (no LLM): a title from the most connected members, the members
// with their types, the strongest relations inside the community as sentences, and evidence
// sentences quoted from the chunks that mention its members. Pure; the service feeds it rows.
import { tokenize } from './vocabulary.js';

export interface ReportInput {
  readonly members: readonly {
    readonly nameKey: string;
    readonly name: string;
    readonly type: string;
    readonly mentions: number;
  }[];
  readonly relations: readonly {
    readonly sourceKey: string;
    readonly targetKey: string;
    readonly source: string;
    readonly target: string;
    readonly type: string;
    readonly weight: number;
  }[];
  readonly evidence: readonly { readonly text: string }[];
}

export interface CommunityReport {
  readonly title: string;
  readonly report: string;
  /** Importance for global search: internal relations and members, weighted. */
  readonly rank: number;
}

const MAX_MEMBERS = 12;
const MAX_RELATIONS = 12;
const MAX_EVIDENCE = 3;

/** A relation as a plain sentence: "checkout depends on ledger". */
export function relationSentence(r: { source: string; type: string; target: string }): string {
  return `${r.source} ${r.type.replace(/_/g, ' ')} ${r.target}.`;
}

/** The first sentence of `text` that mentions one of `names`, trimmed to 300 characters. */
function evidenceSentence(text: string, names: readonly string[]): string | undefined {
  const sentences = text
    .split(/(?<=[.!?])\s+|\n+/)
    .map((s) => s.trim())
    .filter((s) => s.length > 20);
  const lowered = names.map((n) => n.toLowerCase());
  const hit = sentences.find((s) => lowered.some((n) => s.toLowerCase().includes(n)));
  return hit === undefined ? undefined : hit.length > 300 ? `${hit.slice(0, 297)}…` : hit;
}

/** The report of one community. */
export function buildReport(input: ReportInput): CommunityReport {
  const degree = new Map<string, number>();
  for (const r of input.relations) {
    degree.set(r.sourceKey, (degree.get(r.sourceKey) ?? 0) + r.weight);
    degree.set(r.targetKey, (degree.get(r.targetKey) ?? 0) + r.weight);
  }
  const members = [...input.members].sort(
    (a, b) =>
      (degree.get(b.nameKey) ?? 0) - (degree.get(a.nameKey) ?? 0) ||
      b.mentions - a.mentions ||
      a.name.localeCompare(b.name),
  );
  const [first, second] = members;
  const title =
    first === undefined
      ? 'Empty community'
      : second === undefined
        ? first.name
        : `${first.name} and ${second.name}${members.length > 2 ? ` (+${members.length - 2})` : ''}`;
  const names = members.map((m) => m.name);
  const evidence = [
    ...new Set(input.evidence.map((c) => evidenceSentence(c.text, names)).filter((s): s is string => s !== undefined)),
  ].slice(0, MAX_EVIDENCE);
  const lines = [
    `# ${title}`,
    `Members: ${members
      .slice(0, MAX_MEMBERS)
      .map((m) => `${m.name} (${m.type})`)
      .join(', ')}${members.length > MAX_MEMBERS ? `, and ${members.length - MAX_MEMBERS} more` : ''}.`,
    ...input.relations.slice(0, MAX_RELATIONS).map((r) => `- ${relationSentence(r)}`),
    ...evidence.map((s) => `> ${s}`),
  ];
  const rank =
    input.relations.reduce((n, r) => n + r.weight, 0) + members.length + tokenize(evidence.join(' ')).length / 100;
  return { title, report: lines.join('\n'), rank };
}
