// Safety filters around knowledge questions and retrieved text: size limits and prompt-injection
// detection. Rules are phrase-precise on purpose (ops text says "ignore the noise" and "system
// prompt latency" all day); text is normalised (NFKC, zero-width stripped) and also read through
// a de-obfuscated view (look-alike letters, leetspeak, letter spacing) before matching.
// Retrieved sentences that read as instructions are withheld from a model (withholdInstructions).
import { IrisError, ValidationError } from '../../core/errors.js';

/** Longest question accepted, in UTF-16 code units after trimming. */
export const QUESTION_MAX_CHARS = 2000;

export interface InjectionFinding {
  /** Which rule matched (see INJECTION_RULES). */
  readonly rule: string;
  /** The matched words, clipped; never the whole text. */
  readonly excerpt: string;
}

/** A question that reads as an attempt to steer the model rather than ask about the graph. */
export class PromptInjectionError extends IrisError {
  readonly findings: readonly InjectionFinding[];

  constructor(findings: readonly InjectionFinding[]) {
    const rules = [...new Set(findings.map((f) => f.rule))];
    super(
      'prompt_injection',
      422,
      `The question was refused: it matched prompt-injection rules (${rules.join(', ')}).`,
      {
        extensions: { rules },
      },
    );
    // NOTE: excerpts stay on the object for logs; only rule names go into the problem document.
    this.findings = findings;
  }
}

interface InjectionRule {
  readonly rule: string;
  readonly patterns: readonly RegExp[];
}

const SENSITIVE = String.raw`(?:conversation|chat\s+(?:history|log|transcript)|system\s+prompt|prompt|secrets?|api\s+keys?|keys|tokens|passwords?|credentials|personal\s+data|everything(?:\s+above)?|all\s+(?:of\s+)?(?:the\s+)?(?:data|information))`;

/** The rules, in reporting order. Each pattern runs against normalised text. */
export const INJECTION_RULES: readonly InjectionRule[] = [
  {
    rule: 'instruction_override',
    patterns: [
      /\b(?:ignore|disregard|forget|override|bypass)\s+(?:(?:all|any|the|your|my|of|these|those)\s+)*(?:previous|prior|above|earlier|preceding|foregoing|original|initial)\s+(?:instructions?|rules|prompts?|directions|directives|guidelines|commands)\b/i,
      /\b(?:ignore|disregard|forget)\s+(?:all|everything)\s+(?:(?:of\s+)?(?:the\s+)?(?:text\s+|said\s+|written\s+)?)(?:above|before)(?=\s*(?:[.,;:!]|$|and\b))/im,
      /\b(?:ignore|disregard|forget)\s+(?:all\s+)?(?:your|the)\s+(?:system\s+prompt|safety\s+(?:rules|guidelines)|guardrails)\b/i,
    ],
  },
  {
    rule: 'system_prompt_exfiltration',
    patterns: [
      /\b(?:reveal|print|show|display|output|repeat|leak|dump|recite|tell\s+me|give\s+me)\s+(?:me\s+|us\s+)?your\s+(?:(?:full|entire|original|hidden|initial|secret|exact|complete)\s+)*(?:system\s+prompt|system\s+message|prompt|instructions)\b/i,
      /\b(?:reveal|print|show|display|output|repeat|leak|dump|recite|tell\s+me|give\s+me)\s+(?:me\s+)?the\s+(?:(?:full|entire|original|hidden|initial|secret|exact|complete)\s+)*(?:system\s+prompt|system\s+message|initial\s+prompt)(?=\s*(?:[.,;:!?]|$|verbatim|word\s+for\s+word|in\s+full|above))/im,
      /\bwhat\s+(?:is|are|were)\s+your\s+(?:(?:full|original|hidden|initial|exact)\s+)*(?:system\s+prompt|instructions|initial\s+prompt)\b/i,
    ],
  },
  {
    rule: 'role_hijack',
    patterns: [
      /\byou\s+are\s+now\s+(?:(?:a|an|the|my)\s+)?(?:(?:unrestricted|unfiltered|uncensored|jailbroken|evil|rogue|different|new|free|unlimited|unbound)\s+)*(?:ai|assistant|chatbot|language\s+model|llm|dan|persona)\b/i,
      /\byou\s+are\s+now\s+(?:jailbroken|unrestricted|unfiltered|uncensored|free\s+(?:of|from)\s+(?:all\s+|any\s+)?(?:restrictions|rules|guidelines|filters)|no\s+longer\s+(?:bound|restricted|limited|an?\s+(?:ai|assistant)))/i,
      /\b(?:act|behave|respond|answer|pretend|roleplay|role-play)\s+(?:as|like|to\s+be)\b[^.\n]{0,80}?\b(?:without|with\s+no|free\s+of|ignoring)\s+(?:any\s+)?(?:restrictions|limits|limitations|filters|rules|guidelines|censorship|safety|ethics)\b/i,
      /\bpretend\s+(?:that\s+)?you\s+(?:have\s+no|are\s+not\s+bound\s+by|are\s+free\s+of)\s+(?:any\s+)?(?:restrictions|rules|guidelines|filters)\b/i,
      /\b(?:you\s+are|you're|act|respond|answer|enter|enable|activate)\b[^.\n]{0,40}?\b(?:developer|god|jailbreak)\s+mode\b[^.\n]{0,40}?\b(?:you|chatgpt|ai|assistant|model|enabled|output|responses?)\b/i,
      /\bwith\s+(?:developer|god|jailbreak)\s+mode\s+enabled\b/i,
      /\byou\s+are\s+(?:now\s+)?in\s+(?:developer|god|jailbreak|dan|unrestricted)\s+mode\b/i,
      /\b(?:developer|god|jailbreak)\s+mode\s+(?:output|response|prompt)\b/i,
      /\bdo\s+anything\s+now\b/i,
      // NOTE: case-sensitive: "Dan" is a colleague, "DAN" is the jailbreak persona.
      /\b(?:[Yy]ou\s+are(?:\s+now)?|[Aa]ct\s+as|[Pp]retend\s+to\s+be|[Bb]ecome|[Cc]alled|[Nn]amed)\s+(?:a\s+)?DAN\b|\bDAN\s+(?:mode|prompt|jailbreak)\b/,
    ],
  },
  {
    rule: 'chat_template',
    patterns: [
      /<\|\s*(?:im_start|im_end|im_sep|system|user|assistant|endoftext|begin_of_text|end_of_text|start_header_id|end_header_id|eot_id)\s*\|>/i,
      /\[\/?INST\]/i,
      /<<\/?SYS>>/i,
      /^[ \t]{0,3}#{1,6}[ \t]*(?:system|human|assistant)[ \t]*:/im,
      // `system: payments` (a YAML field) is data; `system: you must ...` reads as a turn.
      /^(?:system|assistant)[ \t]*:[ \t]*(?:\S+[ \t]+){2,}\S/im,
    ],
  },
  {
    rule: 'exfiltration',
    patterns: [
      new RegExp(
        String.raw`\b(?:send|post|upload|forward|transmit|exfiltrate|submit|leak|email)\s+(?:[\w'-]+\s+){0,4}?${SENSITIVE}\b[^\n]{0,80}?\bto\s+(?:https?:\/\/|ftp:\/\/|\/\/)`,
        'i',
      ),
      // A markdown image whose query carries a placeholder or a data-ish parameter.
      /!\[[^\]\n]{0,200}\]\(\s*<?(?:https?:)?\/\/[^)\s]{0,500}?[?&](?:[^)\s=&]{0,40}=(?:[^)\s&]{0,200}?(?:\{|\}|%7B|%3C|<|>|\$[A-Za-z_]|\[[A-Z_]+\]))|(?:data|conversation|chat|history|prompt|secret|exfil|payload|memory|summary|password|q)=)/i,
      /<\/?(?:tool_call|function_call|tool_use|tool_result)>/i,
    ],
  },
];

const ZERO_WIDTH = /[\u00AD\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/g;

// Cyrillic and Greek letters that render like Latin ones.
const LOOKALIKES: Readonly<Record<string, string>> = {
  а: 'a',
  е: 'e',
  о: 'o',
  р: 'p',
  с: 'c',
  у: 'y',
  х: 'x',
  і: 'i',
  ј: 'j',
  ѕ: 's',
  һ: 'h',
  ԁ: 'd',
  ɡ: 'g',
  А: 'A',
  В: 'B',
  Е: 'E',
  К: 'K',
  М: 'M',
  Н: 'H',
  О: 'O',
  Р: 'P',
  С: 'C',
  Т: 'T',
  Х: 'X',
  І: 'I',
  Ѕ: 'S',
  ο: 'o',
  ι: 'i',
  α: 'a',
  ν: 'v',
  Α: 'A',
  Β: 'B',
  Ε: 'E',
  Ι: 'I',
  Κ: 'K',
  Μ: 'M',
  Ν: 'N',
  Ο: 'O',
  Ρ: 'P',
  Τ: 'T',
  Χ: 'X',
};
const LOOKALIKE_RE = new RegExp(`[${Object.keys(LOOKALIKES).join('')}]`, 'gu');
const LEET: Readonly<Record<string, string>> = {
  '0': 'o',
  '1': 'i',
  '3': 'e',
  '4': 'a',
  '5': 's',
  '7': 't',
  '@': 'a',
  $: 's',
};
const LEET_RE = /(?<=\p{L})[013457@$]|[013457@$](?=\p{L})/gu;
// "i g n o r e" / "i.g.n.o.r.e": runs of single letters with one separator between them.
const SPACED_RE = /(?<![\p{L}\p{N}])(?:\p{L}[ .\-_*]){2,}\p{L}(?![\p{L}\p{N}])/gu;

/** NFKC, zero-width and bidi controls removed. The text every rule reads. */
export function normaliseForScreening(text: string): string {
  return text.normalize('NFKC').replace(ZERO_WIDTH, '');
}

function deobfuscate(normalised: string): string {
  return normalised
    .replace(LOOKALIKE_RE, (c) => LOOKALIKES[c] ?? c)
    .replace(SPACED_RE, (run) => run.replace(/[ .\-_*]/g, ''))
    .replace(LEET_RE, (c) => LEET[c] ?? c);
}

const EXCERPT_MAX = 80;

function excerptOf(match: string): string {
  const flat = match.replace(/\s+/g, ' ').trim();
  return flat.length > EXCERPT_MAX ? `${flat.slice(0, EXCERPT_MAX - 1)}…` : flat;
}

function firstMatch(rule: InjectionRule, text: string): string | undefined {
  for (const pattern of rule.patterns) {
    const m = pattern.exec(text);
    if (m) return m[0];
  }
  return undefined;
}

/**
 * Prompt-injection findings in `text`, at most one per rule, plus an `obfuscation` finding
 * when a rule matched only once zero-width characters or disguises were removed.
 */
export function detectInjection(text: string): InjectionFinding[] {
  const normalised = normaliseForScreening(text);
  // NOTE: a zero-width space may stand for a word break ("ignore\u200Ball"), so read it both ways.
  const spaced = text.normalize('NFKC').replace(ZERO_WIDTH, ' ');
  const views = [normalised, spaced, deobfuscate(normalised)];
  const findings: InjectionFinding[] = [];
  let hidden: string | undefined;
  for (const rule of INJECTION_RULES) {
    for (const view of views) {
      const match = firstMatch(rule, view);
      if (match === undefined) continue;
      findings.push({ rule: rule.rule, excerpt: excerptOf(match) });
      if (hidden === undefined && firstMatch(rule, text) === undefined) hidden = match;
      break;
    }
  }
  if (hidden !== undefined) findings.push({ rule: 'obfuscation', excerpt: excerptOf(hidden) });
  return findings;
}

/**
 * The trimmed question, or a ValidationError (empty, longer than QUESTION_MAX_CHARS) or a
 * PromptInjectionError (422) naming the rules that matched.
 */
export function checkQuestion(question: string): string {
  const trimmed = question.trim();
  if (trimmed === '') throw new ValidationError('The question is empty.', { field: 'question' });
  if (trimmed.length > QUESTION_MAX_CHARS) {
    throw new ValidationError(
      `The question has ${trimmed.length} characters; at most ${QUESTION_MAX_CHARS} are accepted.`,
      {
        field: 'question',
        maxChars: QUESTION_MAX_CHARS,
      },
    );
  }
  const findings = detectInjection(trimmed);
  if (findings.length > 0) throw new PromptInjectionError(findings);
  return trimmed;
}

/**
 * Splits retrieved items into those safe to quote to a model and those whose text carries
 * injection findings. Retrieved text is data: callers leave flagged items out of any prompt.
 */
export function screenRetrieved<T>(
  items: readonly T[],
  textOf: (item: T) => string,
): { kept: T[]; flagged: { item: T; findings: InjectionFinding[] }[] } {
  const kept: T[] = [];
  const flagged: { item: T; findings: InjectionFinding[] }[] = [];
  for (const item of items) {
    const findings = detectInjection(textOf(item));
    if (findings.length === 0) kept.push(item);
    else flagged.push({ item, findings });
  }
  return { kept, flagged };
}

/**
 * Sources for the model with every sentence that reads as an instruction removed; a source left
 * empty is dropped. Returns how many sentences were withheld.
 */
export function withholdInstructions<T extends { text: string }>(
  sources: readonly T[],
): { kept: T[]; withheld: number } {
  let withheld = 0;
  const kept: T[] = [];
  for (const source of sources) {
    if (detectInjection(source.text).length === 0) {
      kept.push(source);
      continue;
    }
    const pieces = source.text.split(/\n\s*\n|(?<=[.!?])\s+/).filter((p) => p.trim() !== '');
    const clean = pieces.filter((p) => detectInjection(p).length === 0);
    withheld += pieces.length - clean.length;
    // An instruction spread over sentences is still caught on the whole: then the source goes.
    const text = clean.join(' ');
    if (clean.length === 0 || detectInjection(text).length > 0) {
      withheld += clean.length;
      continue;
    }
    kept.push({ ...source, text });
  }
  return { kept, withheld };
}
