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
