// PII and secret redaction for text that leaves the tenant's store (answers, snippets, prompts).
// Detectors are checked, not just matched: cards pass Luhn, IBANs pass ISO 13616 mod-97 at the
// country's length, phones exclude dates, versions and IPs. Findings are resolved in priority
// order (secret, email, iban, card, phone) so one stretch of text is one finding.

export const PII_KINDS = ['email', 'phone', 'card', 'iban', 'secret'] as const;
export type PiiKind = (typeof PII_KINDS)[number];

interface Span {
  readonly start: number;
  readonly end: number;
  readonly kind: PiiKind;
}

const SECRET_PATTERNS: readonly RegExp[] = [
  /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----[\s\S]*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY-----/g,
  /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g,
  /\b(?:ghp|gho|ghs|ghu|ghr)_[A-Za-z0-9]{36,255}\b/g,
  /\bgithub_pat_[A-Za-z0-9_]{22,255}\b/g,
  /\bxox[abprs]-[A-Za-z0-9-]{10,}/g,
  // Iris API keys (tenants/api-key.ts): iris_k<16 lower-case alnum>_<43 base64url>.
  /\biris_k[a-z0-9]{16}_[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/g,
  /\bsk-(?:proj-|svcacct-|admin-|ant-)?(?=[A-Za-z0-9_-]*\d)(?=[A-Za-z0-9_-]*[A-Za-z])[A-Za-z0-9_-]{20,}(?![A-Za-z0-9_-])/g,
  /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}(?![A-Za-z0-9_-])/g,
];

// `password=…` / `api_key: …`: only the value (group 1, 2 or 3) is redacted.
const ASSIGNMENT_RE =
  /(?<![A-Za-z0-9_-])(?:[A-Za-z0-9]+[_-])*(?:password|passwd|pwd|passphrase|secret|client[_-]?secret|secret[_-]?key|api[_-]?key|apikey|access[_-]?key|access[_-]?token|auth[_-]?token|refresh[_-]?token|bearer[_-]?token|token|private[_-]?key)["']?[ \t]*([:=])[ \t]*(?:"([^"\n]+)"|'([^'\n]+)'|([^\s,;&"'<>)]+))/dgi;

const EMAIL_RE =
  /(?<![\w.%+-])[A-Za-z0-9_%+-]+(?:\.[A-Za-z0-9_%+-]+)*@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.[A-Za-z]{2,24}(?![\w-])/g;

const IBAN_RE = /(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?:[ -]?[A-Z0-9]){11,30}(?![A-Za-z0-9])/g;
const CARD_RE = /(?<![\w+.,/:-])\d(?:[ -]?\d){12,18}(?![\w/:]|[.,-]\d)/g;
const PHONE_RE = /(?:(?<=\btel:)|(?<![\w+.,/:=#-]))(?:\+|\()?\d[\d ()./-]{5,24}\d(?![\w/:@-]|[.,]\d)/g;

/** ISO 13616 IBAN lengths for the countries we know; others are checked by mod-97 alone. */
const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24,
  AE: 23,
  AL: 28,
  AT: 20,
  AZ: 28,
  BA: 20,
  BE: 16,
  BG: 22,
  BH: 22,
  BR: 29,
  CH: 21,
  CR: 22,
  CY: 28,
  CZ: 24,
  DE: 22,
  DK: 18,
  DO: 28,
  EE: 20,
  EG: 29,
  ES: 24,
  FI: 18,
  FO: 18,
  FR: 27,
  GB: 22,
  GE: 22,
  GI: 23,
  GL: 18,
  GR: 27,
  GT: 28,
  HR: 21,
  HU: 28,
  IE: 22,
  IL: 23,
  IS: 26,
  IT: 27,
  JO: 30,
  KW: 30,
  KZ: 20,
  LB: 28,
  LI: 21,
  LT: 20,
  LU: 20,
  LV: 21,
  MC: 27,
  MD: 24,
  ME: 22,
  MK: 19,
  MR: 27,
  MT: 31,
  MU: 30,
  NL: 18,
  NO: 15,
  PK: 24,
  PL: 28,
  PS: 29,
  PT: 25,
  QA: 29,
  RO: 24,
  RS: 22,
  SA: 24,
  SE: 24,
  SI: 19,
  SK: 24,
  SM: 27,
  TN: 24,
  TR: 26,
  UA: 29,
  VG: 24,
  XK: 20,
};

/** True when `digits` (only 0-9) passes the Luhn check. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return digits.length > 0 && sum % 10 === 0;
}

/** True when `iban` (upper-case, no separators) passes ISO 13616 mod-97 and its country's length. */
export function ibanValid(iban: string): boolean {
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(iban)) return false;
  const expected = IBAN_LENGTHS[iban.slice(0, 2)];
  if (expected !== undefined && iban.length !== expected) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let rest = 0;
  for (const ch of rearranged) {
    const value = ch >= 'A' ? ch.charCodeAt(0) - 55 : ch.charCodeAt(0) - 48;
    rest = (value > 9 ? rest * 100 + value : rest * 10 + value) % 97;
  }
  return rest === 1;
}

function* matches(re: RegExp, text: string): Generator<RegExpExecArray> {
  re.lastIndex = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    yield m;
    if (m[0] === '') re.lastIndex++;
  }
}

function secretSpans(text: string): Span[] {
  const spans: Span[] = [];
  for (const re of SECRET_PATTERNS) {
    for (const m of matches(re, text)) spans.push({ start: m.index, end: m.index + m[0].length, kind: 'secret' });
  }
  for (const m of matches(ASSIGNMENT_RE, text)) {
    const group = [2, 3, 4].find((g) => m[g] !== undefined) ?? 4;
    const value = m[group] ?? '';
    const range = m.indices?.[group];
    if (range === undefined || !assignedSecret(value, m[1] === '=', group !== 4)) continue;
    spans.push({ start: range[0], end: range[1], kind: 'secret' });
  }
  return spans;
}

/** Whether an assigned value is worth redacting: not a reference, and for `key: word` prose, not a plain word. */
function assignedSecret(value: string, equals: boolean, quoted: boolean): boolean {
  if (
    /^(?:\$\{.*\}|\{\{.*\}\}|\$[A-Z_]+|\*+|\[REDACTED(?::\w+)?\]|<[^>]*>|null|none|true|false|changeme)$/i.test(value)
  )
    return false;
  if (equals || quoted) return value.length > 0;
  // NOTE: `password: required` is documentation; a secret has a digit, a symbol, mixed case or length.
  return value.length >= 12 || /[\d\W_]/.test(value) || (/[a-z]/.test(value) && /[A-Z]/.test(value));
}

function emailSpans(text: string): Span[] {
  return [...matches(EMAIL_RE, text)].map((m) => ({ start: m.index, end: m.index + m[0].length, kind: 'email' }));
}

function ibanSpans(text: string): Span[] {
  const spans: Span[] = [];
  for (const m of matches(IBAN_RE, text)) {
    // Positions of each IBAN character, so a valid prefix can end before trailing codes.
    const positions: number[] = [];
    for (let i = 0; i < m[0].length; i++) if (/[A-Z0-9]/.test(m[0][i] ?? '')) positions.push(m.index + i);
    const compact = m[0].replace(/[ -]/g, '');
    const expected = IBAN_LENGTHS[compact.slice(0, 2)];
    const lengths =
      expected !== undefined ? [expected] : Array.from({ length: compact.length - 14 }, (_, i) => compact.length - i);
    for (const length of lengths) {
      if (length > compact.length || !ibanValid(compact.slice(0, length))) continue;
      const end = (positions[length - 1] ?? 0) + 1;
      // The IBAN must end at a separator, not inside a longer token.
      if (/[A-Za-z0-9]/.test(text[end] ?? '')) continue;
      spans.push({ start: m.index, end, kind: 'iban' });
      break;
    }
  }
  return spans;
}

function cardSpans(text: string): Span[] {
  const spans: Span[] = [];
  for (const m of matches(CARD_RE, text)) {
    const digits = m[0].replace(/[ -]/g, '');
    if (digits.length >= 13 && digits.length <= 19 && luhnValid(digits))
      spans.push({ start: m.index, end: m.index + m[0].length, kind: 'card' });
  }
  return spans;
}

function phoneSpans(text: string): Span[] {
  const spans: Span[] = [];
  for (const m of matches(PHONE_RE, text)) {
    if (isPhone(m[0])) spans.push({ start: m.index, end: m.index + m[0].length, kind: 'phone' });
  }
  return spans;
}

function isPhone(candidate: string): boolean {
  const digits = candidate.replace(/\D/g, '').length;
  const opens = candidate.split('(').length - 1;
  if (opens !== candidate.split(')').length - 1 || opens > 1) return false;
  if (/[ ./-]{2,}/.test(candidate.replace(/[()]/g, '')) || candidate.split('/').length > 2) return false;
  if (/^\d{1,3}(?:\.\d{1,3}){3}$/.test(candidate)) return false;
  if (
    /^(?:19|20)\d{2}[-./]\d{1,2}[-./]\d{1,2}(?!\d)/.test(candidate) ||
    /^\d{1,2}[-./]\d{1,2}[-./](?:19|20)\d{2}(?!\d)/.test(candidate)
  )
    return false;
  if (candidate.startsWith('+')) return digits >= 8 && digits <= 15;
  if (candidate.startsWith('00')) return digits >= 10 && digits <= 17;
  if (digits < 9 || digits > 12) return false;
  // National forms: a trunk prefix 0, an area code in parentheses, or the NANP 3-3-4 shape.
  return candidate.startsWith('0') || /^\(\d{2,5}\)/.test(candidate) || /^\d{3}[-. ]\d{3}[-. ]\d{4}$/.test(candidate);
}

function findSpans(text: string): Span[] {
  const accepted: Span[] = [];
  for (const detect of [secretSpans, emailSpans, ibanSpans, cardSpans, phoneSpans]) {
    for (const span of detect(text)) {
      if (!accepted.some((a) => span.start < a.end && a.start < span.end)) accepted.push(span);
    }
  }
  return accepted.sort((a, b) => a.start - b.start);
}

/**
 * `text` with each finding of `kinds` replaced by `[REDACTED:<kind>]`, and how many of each
 * kind were replaced. Overlaps resolve by priority even for kinds not asked for, so a card
 * number is never redacted as a phone number.
 */
export function redactPii(
  text: string,
  kinds: readonly PiiKind[] = PII_KINDS,
): { text: string; counts: Record<PiiKind, number> } {
  const counts: Record<PiiKind, number> = { email: 0, phone: 0, card: 0, iban: 0, secret: 0 };
  const wanted = new Set(kinds);
  let out = '';
  let at = 0;
  for (const span of findSpans(text)) {
    if (!wanted.has(span.kind)) continue;
    out += `${text.slice(at, span.start)}[REDACTED:${span.kind}]`;
    at = span.end;
    counts[span.kind]++;
  }
  return { text: out + text.slice(at), counts };
}
