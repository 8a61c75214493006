// Pure pieces of answering: which entity names a question mentions, extractive answers built
// from ranked passages and graph facts, and the refusal to cite another tenant's chunks.
import { IrisError } from '../../core/errors.js';
import { tokenize } from '../graph/vocabulary.js';
import { rank } from './bm25.js';
import { normaliseName } from '../extract/names.js';
import { passageUnits } from './passage-units.js';

/** Candidate entity keys in a question: every run of 1-6 consecutive words, normalised. */
export function candidateKeys(question: string, maxWords = 6): string[] {
  const words = normaliseName(question).split(' ').filter(Boolean);
  const out = new Set<string>();
  for (let i = 0; i < words.length; i++)
    for (let n = 1; n <= maxWords && i + n <= words.length; n++) out.add(words.slice(i, i + n).join(' '));
  return [...out].filter((k) => tokenize(k).length > 0);
}

/** Keeps only the longest of overlapping matches ("payments" is dropped when "payments gateway" matched). */
export function longestMatches(keys: readonly string[]): string[] {
  return keys.filter((k) => !keys.some((other) => other !== k && ` ${other} `.includes(` ${k} `)));
}

export interface Passage {
  readonly text: string;
  /** 1-based number of the citation the passage comes from. */
  readonly citation: number;
}

/** The units (sentences, or records of structured text) of the passages that best answer the question, each marked with its citation. */
export function bestSentences(question: string, passages: readonly Passage[], limit = 3): string[] {
  const units = passages.flatMap((p) => passageUnits(p.text).map((text) => ({ text, citation: p.citation })));
  const seen = new Set<string>();
  return rank(question, units, (s) => s.text)
    .filter(({ item }) => !seen.has(item.text) && seen.add(item.text))
    .slice(0, limit)
    .map(({ item }) => `${item.text} [${item.citation}]`);
}

/**
 * An extractive answer: the quoted units that answer the question first (they state the who,
 * what and when), then the graph's supporting relations as a list; says so when nothing matched.
 */
export function composeAnswer(facts: readonly string[], sentences: readonly string[]): string {
  if (facts.length === 0 && sentences.length === 0) return 'No indexed document answers this question.';
  return [...sentences, ...(facts.length === 0 ? [] : ['Related:', ...facts.map((f) => `- ${f}`)])].join('\n');
}

/**
 * Refuses to answer with a chunk of another tenant. Row-level security already prevents it;
 * this is the second lock the issue asks for, in the code path itself.
 */
export function assertOwnChunks(tenantId: string, rows: readonly { tenantId: string }[]): void {
  for (const row of rows) {
    if (row.tenantId !== tenantId)
      throw new IrisError(
        'cross_tenant_citation',
        500,
        "An answer would have cited another tenant's document; it was refused.",
      );
  }
}
