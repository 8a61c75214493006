// Whether an answer's text states an expected fact, the way bench/blind/NOTES.md asks facts to
// be matched: case-, punctuation- and slug-insensitively ("Metering Platform" is found in
// "metering-platform"), dates in any of the usual forms ("2025-03-03", "3 Mar 2025",
// "2025-03-03T18:02:00Z", "03/03/2025") read as one ISO date, and digit groups without their
// separators ("1,832" is "1832"). A fact is found when its words occur as one run of words.

const MONTHS = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
] as const;

/** The month number (1-12) of an English month name or its three-letter abbreviation. */
function monthOf(word: string): number | undefined {
  const w = word.toLowerCase().replace(/\.$/, '');
  const i = MONTHS.findIndex((m) => m === w || (w.length >= 3 && m.startsWith(w)));
  return i < 0 ? undefined : i + 1;
}

const pad = (n: number): string => String(n).padStart(2, '0');
const iso = (y: number, m: number, d: number): string => `${y}-${pad(m)}-${pad(d)}`;
const MONTH_WORD =
  '(Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\\.?';

/** `text` with every date it holds written as an ISO date (yyyy-mm-dd); a time after an ISO date is dropped. */
export function isoDates(text: string): string {
  return (
    text
      // 2025-03-03T18:02:00Z, 2025-03-03 18:02
      .replace(
        /\b(\d{4})-(\d{2})-(\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?\b/g,
        (_, y, m, d) => iso(Number(y), Number(m), Number(d)),
      )
      // 3 March 2025, 3rd Mar. 2025
      .replace(new RegExp(`\\b(\\d{1,2})(?:st|nd|rd|th)?\\s+${MONTH_WORD},?\\s+(\\d{4})\\b`, 'gi'), (_, d, m, y) =>
        iso(Number(y), monthOf(m) ?? 0, Number(d)),
      )
      // March 3, 2025
      .replace(new RegExp(`\\b${MONTH_WORD}\\s+(\\d{1,2})(?:st|nd|rd|th)?,?\\s+(\\d{4})\\b`, 'gi'), (_, m, d, y) =>
        iso(Number(y), monthOf(m) ?? 0, Number(d)),
      )
      // 03/03/2025 (day first, as the British documents write it)
      .replace(/\b(\d{1,2})\/(\d{1,2})\/(\d{4})\b/g, (_, d, m, y) => iso(Number(y), Number(m), Number(d)))
  );
}

/** The words a text is compared in: dates as ISO, digit groups joined, lower case, letters and digits only. */
export function factWords(text: string): string[] {
  return isoDates(text.normalize('NFKC'))
    .replace(/(\d),(?=\d{3}\b)/g, '$1')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w !== '');
}

/** Whether the words of `fact` occur, in order and side by side, among the words of `text`. */
export function factFound(fact: string, text: string): boolean {
  const want = factWords(fact);
  if (want.length === 0) return false;
  const have = factWords(text);
  for (let i = 0; i + want.length <= have.length; i++) if (want.every((w, j) => have[i + j] === w)) return true;
  return false;
}

/** How many of `facts` the text states. */
export const factsFound = (facts: readonly string[], text: string): number =>
  facts.filter((f) => factFound(f, text)).length;
