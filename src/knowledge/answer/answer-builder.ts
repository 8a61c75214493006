// Pure pieces of answering: which entity names a question mentions, extractive answers built
// from ranked passages and graph facts, and the refusal to cite another tenant's chunks.
import { IrisError } from '../../core/errors.js';
import { tokenize } from '../graph/vocabulary.js';
import { rank } from './bm25.js';
import { normaliseName } from '../extract/names.js';

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

/** Sentences of the passages that best answer the question, each marked with its citation. */
export function bestSentences(question: string, passages: readonly Passage[], limit = 3): string[] {
  const sentences = passages.flatMap((p) =>
    p.text
      // A single line break inside a paragraph (wrapped prose) is not a sentence end; a blank
      // line, a list item, a table row or a heading is.
      .split(/(?<=[.!?])\s+|\n\s*\n|\n(?=\s*(?:[-*+|#>]|\d+[.)])\s?)/)
      .map((s) => s.replace(/\s*\n\s*/g, ' ').trim())
      .filter((s) => s.length > 15)
      .map((text) => ({ text, citation: p.citation })),
  );
  const seen = new Set<string>();
  return rank(question, sentences, (s) => s.text)
    .filter(({ item }) => !seen.has(item.text) && seen.add(item.text))
    .slice(0, limit)
    .map(({ item }) => `${item.text} [${item.citation}]`);
}

/** An extractive answer: graph facts first, then supporting sentences; says so when nothing matched. */
export function composeAnswer(facts: readonly string[], sentences: readonly string[]): string {
  if (facts.length === 0 && sentences.length === 0) return 'No indexed document answers this question.';
  return [...facts, ...sentences].join('\n');
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
