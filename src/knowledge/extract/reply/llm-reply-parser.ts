// Parses an LLM's extraction reply defensively: reasoning blocks, code fences and prose around
// the payload are removed; JSON is repaired (jsonrepair) after diagnosing what was wrong;
// GraphRAG tuples are read as an alternative; the schema validates every record. The result
// is records plus the repairs made, or a typed failure whose reason can go back to the model.
import { jsonrepair } from 'jsonrepair';
import type { Span } from '../../parse/document-model.js';
import { diagnoseJson } from './json-diagnosis.js';
import { isolatePayload, stripThinking, unfence } from './reply-cleanup.js';
import type { FailureKind, RejectedRecord, RepairKind, ReplyOutcome } from './reply-outcome.js';
import { findLists, validateLists } from './reply-schema.js';
import { looksLikeTuples, parseTuples } from './tuple-reply.js';
import { arraysOfArrays, JSON_LINE, otherSerialisations } from './other-serialisations.js';
import { errorMessage } from '../../../core/errors.js';

/** Canonical field keys (after alias mapping) whose cut-off value makes a record unusable. */
const REQUIRED_FIELDS = new Set([
  'name',
  'entity',
  'entity_name',
  'type',
  'entity_type',
  'kind',
  'source',
  'source_entity',
  'target',
  'target_entity',
  'relation',
  'relationship',
]);

/** Replies longer than this are refused unread (a runaway generation, not an extraction). */
export const MAX_REPLY_CHARS = 2_000_000;

export interface ReplyParseOptions {
  /** The span of the source text the reply is about (the chunk), recorded as provenance. */
  readonly span?: Span;
}

/** Parses one reply to the extraction prompt. Never throws for bad replies: failures are values. */
export function parseLlmReply(reply: string, options: ReplyParseOptions = {}): ReplyOutcome {
  const span = options.span ?? { start: 0, end: 0 };
  const repairs = new Set<RepairKind>();
  const rejected: RejectedRecord[] = [];
  const fail = (kind: FailureKind, reason: string): ReplyOutcome => ({
    ok: false,
    failure: { kind, reason },
    repairs: [...repairs],
    rejected,
    raw: reply,
  });

  if (reply.trim() === '') return fail('empty', 'the reply was empty');
  if (reply.length > MAX_REPLY_CHARS)
    return fail('too_large', `the reply was ${reply.length} characters; at most ${MAX_REPLY_CHARS} are read`);
  const thought = stripThinking(reply);
  if (thought.changed) repairs.add('think_tags');
  const fenced = unfence(thought.text);
  if (fenced.changed) repairs.add('code_fence');
  let text = fenced.text;

  if (looksLikeTuples(text)) {
    const records = parseTuples(text, span, repairs, rejected);
    if (records.entities.length + records.relations.length === 0) {
      return fail('schema', rejected[0]?.reason ?? 'no entity or relationship tuple could be read');
    }
    return { ok: true, format: 'tuples', records, repairs: [...repairs], rejected };
  }

  // Another serialisation (JSON lines, YAML, tables, bullets, XML-ish): read, then validated like JSON.
  const other = (): ReplyOutcome | undefined => {
    for (const found of otherSerialisations(text)) {
      const tried = new Set<RepairKind>();
      const refused: RejectedRecord[] = [];
      const records = validateLists(found.lists, span, tried, refused);
      if (records.entities.length + records.relations.length === 0) continue;
      for (const r of ['other_serialisation', ...tried] as const) repairs.add(r);
      rejected.push(...refused);
      return { ok: true, format: 'other', records, repairs: [...repairs], rejected };
    }
    return undefined;
  };
  const lines = text.trim().split('\n');
  if (lines.filter((l) => JSON_LINE.test(l)).length > 1) {
    const read = other();
    if (read !== undefined) return read;
  }
  const payload = isolatePayload(text);
  if (payload === undefined) return other() ?? fail('no_payload', 'the reply contained no JSON object');
  if (payload.changed) repairs.add('surrounding_prose');
  text = payload.text;

  let value: unknown;
  let cut: { list: string | undefined; unusable: boolean } | undefined;
  try {
    value = JSON.parse(text);
  } catch {
    const diagnosis = diagnoseJson(text);
    if (diagnosis.trailingCommas) repairs.add('trailing_commas');
    if (diagnosis.singleQuotes) repairs.add('single_quotes');
    if (diagnosis.unquotedKeys) repairs.add('unquoted_keys');
    const t = diagnosis.truncation;
    if (t !== undefined) {
      repairs.add('truncated');
      const unusable =
        t.insideRecord &&
        (t.cutField === undefined ||
          REQUIRED_FIELDS.has(t.cutField.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase()));
      cut = { list: t.list, unusable: t.insideRecord && unusable };
    }
    if (!diagnosis.trailingCommas && !diagnosis.singleQuotes && !diagnosis.unquotedKeys && t === undefined)
      repairs.add('json_syntax');
    try {
      value = JSON.parse(jsonrepair(text));
    } catch (err) {
      return fail('unparseable', `the JSON could not be parsed or repaired (${errorMessage(err)})`);
    }
  }

  const arrays = arraysOfArrays(value);
  if (arrays !== undefined) repairs.add('other_serialisation');
  const lists = arrays ?? findLists(value, repairs);
  if (lists === undefined) return other() ?? fail('schema', 'the JSON has no "entities" or "relations" array');
  // The record the reply was cut inside of may hold a cut-off name or type: refuse it, say why.
  if (cut?.unusable === true) {
    const list = /^(relations|relationships|edges|links)$/i.test(cut.list ?? '') ? lists.relations : lists.entities;
    const lost = list.pop();
    if (lost !== undefined) rejected.push({ record: lost, reason: 'the reply was cut off inside this record' });
  }
  const records = validateLists(lists, span, repairs, rejected);
  if (records.entities.length + records.relations.length === 0 && rejected.length > 0) {
    return fail('schema', `no record passed validation: ${rejected[0]?.reason ?? ''}`);
  }
  return { ok: true, format: 'json', records, repairs: [...repairs], rejected };
}
