// "Our": a document written by an organisation says "our lead programmer, X", "Freightline, our
// old TMS", "our tools team". The organisation the document names most often is the writer, and
// "our" ties people, things and units to it: a person with a head's role leads it and with any
// other role works for it, a thing is owned by it, a unit is part of it (bench/blind/NOTES.md:
// "a possessive ('our Y' in a document written by X) is X owns Y ... Y part_of X when Y is a team").
import type { GraphRecords } from './graph-records.js';
import type { ProseType } from './prose-lexicon.js';
import type { Mention, Sentence } from './prose-mentions.js';

type Relation = GraphRecords['relations'][number];

/** Roles whose holder leads what they belong to. */
const HEAD =
  /\b(?:chief executive|ceo|managing director|managing partner|senior partner|head|director|chair|chairman|chairwoman|president|principal|dean|leader)\b/;
/** Roles of people who work for an organisation. */
const ROLE =
  /\b(?:officer|cfo|coo|cto|cio|ciso|vp|manager|engineer|programmer|developer|designer|artist|lead|analyst|scientist|researcher|nurse|doctor|consultant|partner|associate|curator|editor|coordinator|specialist|architect|producer|writer|counsel|lawyer|solicitor|technician|planner|buyer|controller|treasurer|secretary|spokesperson|coach|captain|administrator|advisor|adviser|founder|co-founder|staff|colleague|employee)s?\b/;
/** Nouns of units: "our tools team" is part of the writer. */
const UNIT = /\b(?:team|squad|unit|department|group|lab|division|desk|office|committee|practice)\b/;
/** Types of things a writer owns. */
const OWNED: ReadonlySet<ProseType> = new Set([
  'service',
  'product',
  'datastore',
  'facility',
  'api',
  'project',
  'system',
]);

/** Characters from the document's start within which its writer is first named. */
const WRITER_WITHIN = 600;
/** Characters from the start that a title line takes. */
const TITLE_WITHIN = 40;

/**
 * The organisation a document is written by: the first organisation it names at least twice,
 * counting a first word used alone as the name it begins ("Ridgeway's" for Ridgeway Power
 * Networks), first named near the start: a press release, a letter or a blog opens with its
 * writer and comes back to it. A memo that never names its writer has none.
 */
export function writerOf(mentions: readonly Mention[], typeOfName: ReadonlyMap<string, ProseType>): string | undefined {
  const orgs = mentions
    .filter((m) => typeOfName.get(m.name.toLowerCase()) === 'organization')
    .sort((a, b) => a.start - b.start);
  const family = (name: string): number => {
    const k = name.toLowerCase();
    const head = k.split(/\s+/)[0] ?? k;
    return mentions.filter((m) => {
      const n = m.name.toLowerCase();
      return n === k || (n === head && n !== k);
    }).length;
  };
  // NOTE: a title that opens with an organisation ("Skylark Air — daily update") names the writer once is enough.
  return orgs.find((m) => m.start < WRITER_WITHIN && (family(m.name) >= 2 || m.start < TITLE_WITHIN))?.name;
}

/**
 * Relations "our" states between the writer and the names of a sentence: "our <role>, X" and "X,
 * our <role>" (a person), "our <noun> X" and "X, our <noun>" (a thing or a unit).
 */
export function ourRelations(
  sentence: Sentence,
  writer: string,
  typeOfName: ReadonlyMap<string, ProseType>,
): Relation[] {
  const out: Relation[] = [];
  const text = sentence.text;
  for (const m of sentence.mentions) {
    if (m.name.toLowerCase() === writer.toLowerCase()) continue;
    const start = m.start - sentence.start;
    const before = /\bour\s+((?:[\p{Ll}-]+\s+){0,4}[\p{Ll}-]+),?\s+$/iu.exec(
      text.slice(Math.max(0, start - 60), start),
    );
    const after =
      /^(?:\s+\p{Ll}+)?,\s+our\s+((?:[\p{Ll}\w-]+\s+){0,4}[\p{Ll}\w-]+)(?=\s*[,.;:()—–]|\s+(?:which|that|who)\b|$)/iu.exec(
        text.slice(m.end - sentence.start),
      );
    const words = (before?.[1] ?? after?.[1])?.toLowerCase();
    if (words === undefined) continue;
    const type = typeOfName.get(m.name.toLowerCase());
    const relation = (source: string, rel: string, target: string): Relation => ({
      source,
      target,
      type: rel,
      method: 'prose',
      span: { start: sentence.start, end: sentence.end },
    });
    if (type === 'person') {
      // NOTE: "our head of infrastructure" leads a unit, "our vice president" is no head: both work for the writer.
      if (HEAD.test(words) && !/\b(?:of|for|vice|deputy|assistant|associate)\b/.test(words))
        out.push(relation(m.name, 'leads', writer));
      else if (ROLE.test(words) || HEAD.test(words)) out.push(relation(m.name, 'works_for', writer));
    } else if (type === 'team' && UNIT.test(words)) out.push(relation(m.name, 'part_of', writer));
    else if (type !== undefined && OWNED.has(type)) out.push(relation(writer, 'owns', m.name));
  }
  return out;
}

/** Characters from the document's end within which a letter or a memo is signed. */
const SIGNED_WITHIN = 250;

/**
 * The person who signs a document: the last person named in its closing lines, on a line of
 * their own (a signature: the name, then a line break or the end).
 */
export function signatoryOf(
  found: readonly { readonly m: Mention; readonly sentence: Sentence }[],
  typeOfName: ReadonlyMap<string, ProseType>,
  end: number,
): string | undefined {
  const signed = found.filter(({ m, sentence }) => {
    if (typeOfName.get(m.name.toLowerCase()) !== 'person' || m.start < end - SIGNED_WITHIN) return false;
    const before = sentence.text.slice(0, m.start - sentence.start);
    const after = sentence.text.slice(m.end - sentence.start);
    return /(?:^|\n)[ \t]*$/.test(before) && /^[ \t]*(?:\n|$)/.test(after);
  });
  return signed.sort((a, b) => b.m.start - a.m.start)[0]?.m.name;
}

/** Auxiliaries and adverbs between "I" or a name and its verb ("I will continue to report to"). */
const AUX = '(?:(?:will|shall|now|also|still|continue to|continues to|will continue to)\\s+)*';
const TO_ME = new RegExp(`^\\s*${AUX}(?:report|reports|reporting) to me\\b`, 'i');
const I_REPORT = new RegExp(
  `\\bI\\s+${AUX}(?:report|am reporting) to\\s+(?:(?:our|the|my)\\s+[\\w\\s-]{0,40}?,\\s*)?$`,
);
const I_LEAD = new RegExp(`\\bI\\s+${AUX}(?:lead|head|run|manage|chair)\\s+(?:the\\s+|our\\s+)?$`);

/**
 * Relations of the signatory, "me" and "I" in the text: "X will report to me" (X reports to the
 * signatory), "I report to our CEO, Y", "I will lead the Z" (bench/blind/NOTES.md: "me" = the signatory).
 */
export function signatoryRelations(
  sentence: Sentence,
  signatory: string,
  typeOfName: ReadonlyMap<string, ProseType>,
): Relation[] {
  const out: Relation[] = [];
  const text = sentence.text;
  const relation = (source: string, type: string, target: string): Relation => ({
    source,
    target,
    type,
    method: 'prose',
    span: { start: sentence.start, end: sentence.end },
  });
  for (const m of sentence.mentions) {
    if (m.name === signatory) continue;
    const type = typeOfName.get(m.name.toLowerCase());
    const start = m.start - sentence.start;
    const before = text.slice(Math.max(0, start - 80), start);
    if (type === 'person' && TO_ME.test(text.slice(m.end - sentence.start)))
      out.push(relation(m.name, 'reports_to', signatory));
    else if (type === 'person' && I_REPORT.test(before)) out.push(relation(signatory, 'reports_to', m.name));
    else if ((type === 'team' || type === 'organization') && I_LEAD.test(before))
      out.push(relation(signatory, 'leads', m.name));
    else if (type === 'project' && I_LEAD.test(before)) out.push(relation(signatory, 'manages', m.name));
  }
  return out;
}
