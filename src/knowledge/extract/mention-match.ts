// Whether two mentions (name and type) denote the same thing, from the mentions alone: a slug
// and its title, a Backstage reference and its entity, an email and the person, honorifics,
// articles, possessives, plurals, versions, legal suffixes, diacritics, '&'/'and', dashes and
// invisible characters; declared-style acronyms; a short form of a person or organisation.
// Different types keep things apart unless they are names for one kind (group/team,
// user/person, component/service). Scored on bench/blind/resolution/pairs.json by bench:parse.
import { normaliseType } from './names.js';

const HONORIFICS = /^(dr|prof|professor|sister|matron|councillor|mayor|captain|ms|mr|mrs|miss|sir|dame)\.? /;
const LEGAL = / (llp|ltd|limited|inc|incorporated|gmbh|plc|llc|ag|sa|bv)$/;
/** Types that name one kind of thing; the first is the family's name in entity ids. */
const KIND_GROUPS: readonly (readonly string[])[] = [
  ['team', 'group'],
  ['person', 'user'],
  ['service', 'component', 'application'],
];

/** The family of a type (`group` -> team, `user` -> person, `component` -> service), else the type. */
export function typeFamily(type: string): string {
  const t = normaliseType(type);
  return KIND_GROUPS.find((g) => g.includes(t))?.[0] ?? t;
}

/** The comparison form of a mention's name. */
export function mentionKey(name: string): string {
  let n = name
    .replace(/[\u200B-\u200D\u2060\uFEFF]/g, '')
    .normalize('NFKC')
    .trim();
  n = n.replace(/^[a-z]+:(?:[\w-]+\/)?/i, ''); // a Backstage reference: kind:[namespace/]name
  const email = /^([^@\s]+)@[^@\s]+$/.exec(n);
  if (email !== null) n = (email[1] ?? '').replace(/[._]/g, ' ');
  n = n.replace(/\s+v?\d+(\.\d+)*$/i, ''); // versions: Quill 3.0, Godot 4
  n = n
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/&|\band\b/g, ' ')
    .replace(/['’]s\b/g, '')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim()
    .replace(/^(the|a|an) /, '')
    .replace(HONORIFICS, '')
    .replace(/\s+/g, ' ')
    .replace(LEGAL, '')
    .trim();
  return n;
}

const singularWord = (w: string): string => (w.length > 3 && /[^s]s$/.test(w) ? w.slice(0, -1) : w);
const initials = (key: string): string =>
  key
    .split(' ')
    .filter((w) => !['of', 'and', 'the', 'for'].includes(w))
    .map((w) => w[0] ?? '')
    .join('');

/** Whether two types can name the same thing. */
export function typesCompatible(a: string, b: string): boolean {
  const [x, y] = [normaliseType(a), normaliseType(b)];
  return x === y || KIND_GROUPS.some((g) => g.includes(x) && g.includes(y));
}

/** Whether mentions `a` and `b` denote the same thing, judged from the mentions alone. */
export function sameThing(a: { name: string; type: string }, b: { name: string; type: string }): boolean {
  if (!typesCompatible(a.type, b.type)) return false;
  const [x, y] = [mentionKey(a.name), mentionKey(b.name)];
  if (x === '' || y === '') return false;
  const words = (k: string): string[] => k.split(' ').map(singularWord);
  const [wx, wy] = [words(x), words(y)];
  if (wx.join(' ') === wy.join(' ')) return true;
  const [short, long] = wx.length <= wy.length ? [wx, wy] : [wy, wx];
  const type = normaliseType(a.type);
  // An acronym of the other's words (SRE, NOC, BHRT).
  if (short.length === 1 && (short[0] ?? '').length >= 2 && initials(long.join(' ')) === short[0]) return true;
  // A person by first name or surname alone; an organisation or place by its leading words.
  if (['person', 'user'].includes(type) && short.length === 1)
    return long.length >= 2 && (long[0] === short[0] || long.at(-1) === short[0]);
  if (short.length >= long.length) return false;
  if (type === 'location') return isPrefix(short, long) || isSuffix(short, long);
  if (['organization', 'organisation', 'project'].includes(type))
    return (short.length === 1 && isPrefix(short, long)) || isSuffix(short, long);
  if (type === 'facility') return isPrefix(short, long);
  return false;
}

const isPrefix = (s: readonly string[], l: readonly string[]): boolean => s.every((w, i) => l[i] === w);
const isSuffix = (s: readonly string[], l: readonly string[]): boolean =>
  s.every((w, i) => l[l.length - s.length + i] === w);
