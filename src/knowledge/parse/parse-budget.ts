// The budgets every parser runs under, in one place, and the typed errors that say which one a
// document broke. A hostile document (a zip bomb, a YAML alias bomb, nesting thousands deep, a
// paragraph built to make the Markdown parser quadratic) fails its own parse with a reason: it
// never takes the thread, the process or other tenants' work with it.
// NOTE: the checks before a parser runs (archive sizes, nesting, inline work) are what protect
// in-process extraction; worker threads add a hard heap limit and a hard time limit on top.
import { IrisError, ValidationError } from '../../core/errors.js';

export interface ParseBudget {
  /** Bytes an archive (DOCX) may expand to, over all its entries. */
  readonly expandedBytes: number;
  /** Entries an archive may hold. */
  readonly archiveEntries: number;
  /** Largest uncompressed/compressed ratio of one archive entry, checked once it passes 1 MiB (Apache POI's zip-bomb rule). */
  readonly compressionRatio: number;
  /** YAML aliases, as the yaml library counts them (`maxAliasCount`: uses of an anchor times the aliases inside it). */
  readonly aliases: number;
  /** Nesting of Markdown containers (quotes, lists) and of YAML/JSON collections. */
  readonly depth: number;
  /** Nesting of HTML elements (browsers stop at 512). */
  readonly htmlDepth: number;
  /** Values of a YAML/JSON document, elements of an HTML document. */
  readonly nodes: number;
  /**
   * Markdown inline work: per paragraph, its length times its delimiters (`[ ] * _ ~`, plus
   * one in 64 word starts). The parser's cost grows with that product (see markdown-scan.ts).
   */
  readonly inlineWork: number;
  /** PDF pages. */
  readonly pages: number;
  /** Characters of text a document may yield (PDF text runs, DOCX HTML). */
  readonly textChars: number;
  /** Wall time of one parse, or of one parse-and-extract task on a worker thread, in ms. */
  readonly timeMs: number;
  /** Heap (V8 old generation) of an extraction worker thread, in MiB. */
  readonly memoryMb: number;
}

/** The defaults: generous for real documents (20 MB of Markdown, a 2,000-page PDF), fatal to bombs. */
export const DEFAULT_PARSE_BUDGET: ParseBudget = Object.freeze({
  expandedBytes: 128 * 1024 * 1024,
  archiveEntries: 10_000,
  compressionRatio: 100,
  aliases: 100,
  depth: 64,
  htmlDepth: 256,
  nodes: 2_000_000,
  inlineWork: 100_000_000,
  pages: 5_000,
  textChars: 64 * 1024 * 1024,
  timeMs: 120_000,
  memoryMb: 1024,
});

/** Which budget a document broke (stable names: they appear in job errors and problem documents). */
export const BUDGET_LIMITS = [
  'expandedBytes',
  'archiveEntries',
  'compressionRatio',
  'aliases',
  'depth',
  'htmlDepth',
  'nodes',
  'inlineWork',
  'pages',
  'textChars',
  'timeMs',
  'memoryMb',
] as const;
export type BudgetLimit = (typeof BUDGET_LIMITS)[number] & keyof ParseBudget;

/** A budget with some limits overridden (tests, the CLI, configuration). */
export function parseBudget(overrides: Partial<ParseBudget> = {}): ParseBudget {
  return Object.freeze({ ...DEFAULT_PARSE_BUDGET, ...overrides });
}

/**
 * 422: the document is over one of its parse budgets. Not retryable: the same bytes break the
 * same budget again. `limit` names the budget; the message says what was found.
 */
export class ParseBudgetError extends IrisError {
  readonly limit: BudgetLimit;
  constructor(limit: BudgetLimit, message: string, extensions: Record<string, unknown> = {}) {
    super('document_over_budget', 422, message, { extensions: { limit, ...extensions } });
    this.limit = limit;
  }
}

/** 415: the content is not a document Iris reads (binary data, an unlisted extension, a mislabelled file). */
export class UnsupportedDocumentError extends IrisError {
  constructor(message: string, extensions: Record<string, unknown> = {}) {
    super('unsupported_document', 415, message, { extensions });
  }
}

/** Whether `err` is the document's own fault (unreadable, unsupported, over budget): fail it for good, never retry. */
export function isDocumentFault(err: unknown): err is IrisError {
  return err instanceof ValidationError || err instanceof ParseBudgetError || err instanceof UnsupportedDocumentError;
}

/** The same error again from its fields (errors lose their class crossing a worker thread). */
export function documentFaultFrom(code: string | null, message: string, extensions: Record<string, unknown>): Error {
  switch (code) {
    case 'validation_failed':
      return new ValidationError(message, extensions);
    case 'unsupported_document':
      return new UnsupportedDocumentError(message, extensions);
    case 'document_over_budget': {
      const limit = BUDGET_LIMITS.find((l) => l === extensions.limit) ?? 'timeMs';
      return new ParseBudgetError(limit, message, extensions);
    }
    default:
      return new Error(`extraction failed: ${message}`);
  }
}

/**
 * A wall-clock deadline checked between units of work (pages, elements, blocks). It cannot stop
 * a library call that is already running; the checks before parsing and the worker thread's
 * hard limit cover that.
 */
export class Deadline {
  private readonly at: number;
  private readonly ms: number;
  private readonly now: () => number;

  constructor(ms: number, now: () => number = Date.now) {
    this.ms = ms;
    this.now = now;
    this.at = now() + ms;
  }

  /** Throws ParseBudgetError('timeMs') once the deadline has passed. `what` names the work. */
  check(what: string): void {
    if (this.now() > this.at)
      throw new ParseBudgetError('timeMs', `${what} took longer than the ${this.ms} ms parse budget`, {
        budget: this.ms,
      });
  }
}

/** The limits and the deadline one parse runs under. */
export interface ParseLimits {
  readonly budget: ParseBudget;
  readonly deadline: Deadline;
}

/** Limits for one parse starting now (the default budget unless given). */
export function startParse(budget: ParseBudget = DEFAULT_PARSE_BUDGET): ParseLimits {
  return { budget, deadline: new Deadline(budget.timeMs) };
}

/** Throws ParseBudgetError(limit) when `found` is over the budget's `limit`. */
export function within(budget: ParseBudget, limit: BudgetLimit, found: number, what: string): void {
  const max = budget[limit];
  if (found > max)
    throw new ParseBudgetError(limit, `${what} (${found}) is over the ${limit} budget of ${max}`, {
      budget: max,
      found,
    });
}
