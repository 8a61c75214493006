// `iris extract FILE... [--llm-response]`: runs only the parse/extract stage of the knowledge
// context on local files (no server, no database) and prints, per file, the entities and
// relations found. With --llm-response each file is a raw LLM reply to the extraction prompt.
// Documents are extracted on a worker thread with the parse budget's heap and time limits, so a
// hostile file (a zip bomb, an alias bomb) fails with its reason and the run goes on.
import { Option, type Command } from 'commander';
import { readFile } from 'node:fs/promises';
import type { ExtractionPool, extractFromReply, ReplyOutcome } from '../knowledge/index.js';
import { CommandFailedError } from './cli-errors.js';
import { makeOutput, OUTPUT_FORMATS, renderTable, type OutputFormat, type Streams } from './output.js';
import { errorMessage } from '../core/errors.js';

/** What `--output json` prints for one file (one JSON object per line). */
export interface ExtractedFile {
  readonly file: string;
  readonly entities: { name: string; type: string }[];
  readonly relations: { source: string; type: string; target: string }[];
  /** Present only when the file could not be read, parsed or (for a reply) used. */
  readonly error?: string;
}

interface ExtractFlags {
  readonly llmResponse?: boolean;
  readonly output?: OutputFormat;
}

function replyNote(file: string, outcome: ReplyOutcome): string | undefined {
  const parts: string[] = [];
  if (outcome.repairs.length > 0) parts.push(`repaired: ${outcome.repairs.join(', ')}`);
  if (outcome.rejected.length > 0)
    parts.push(`${outcome.rejected.length} record(s) rejected (${outcome.rejected.map((r) => r.reason).join('; ')})`);
  return parts.length === 0 ? undefined : `note: ${file}: ${parts.join('; ')}`;
}

/** Extracts one file; failures become an `error` entry rather than stopping the run. */
async function extractFile(
  file: string,
  llmResponse: boolean,
  note: (text: string) => void,
  pool: ExtractionPool,
  readReply: typeof extractFromReply,
): Promise<ExtractedFile> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (err) {
    return {
      file,
      entities: [],
      relations: [],
      error: `cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
    };
  }
  try {
    const result = llmResponse ? readReply(new TextDecoder().decode(bytes)) : await pool.extract(file, bytes);
    if ('outcome' in result) {
      const n = replyNote(file, result.outcome);
      if (n !== undefined) note(n);
      if (!result.outcome.ok)
        return {
          file,
          entities: [],
          relations: [],
          error: `${result.outcome.failure.kind}: ${result.outcome.failure.reason}`,
        };
    }
    return {
      file,
      entities: result.entities.map((e) => ({ name: e.name, type: e.type })),
      relations: result.relations.map((r) => ({ source: r.source, type: r.type, target: r.target })),
    };
  } catch (err) {
    return { file, entities: [], relations: [], error: errorMessage(err) };
  }
}

function fileTable(f: ExtractedFile): string {
  const head = `${f.file}: ${f.entities.length} entities, ${f.relations.length} relations${f.error === undefined ? '' : ` (error: ${f.error})`}\n`;
  if (f.error !== undefined) return head;
  return [
    head,
    renderTable(
      ['ENTITY', 'TYPE'],
      f.entities.map((e) => [e.name, e.type]),
      'No entities.',
    ),
    renderTable(
      ['SOURCE', 'RELATION', 'TARGET'],
      f.relations.map((r) => [r.source, r.type, r.target]),
      'No relations.',
    ),
  ].join('\n');
}

/**
 * Adds `iris extract`. `streams` is where results go (stdout) and notes go (stderr); tests pass
 * their own. With `--output json`, each file's result is one JSON object on its own line.
 */
export function registerExtractCommand(program: Command, streams: Streams = process): void {
  const cmd = program
    .command('extract')
    .description(
      'Run only the parse/extract stage on local files and print the entities and relations found. Formats: md, html, txt, csv, tsv, json, yaml, pdf, docx.',
    )
    .argument('<file...>', 'documents to read (or LLM replies, with --llm-response)')
    .option('--llm-response', 'each file is a raw LLM reply to the extraction prompt (JSON or GraphRAG tuples)')
    .addHelpText(
      'after',
      '\nExamples:\n  iris extract docs/catalog-info.yaml README.md --output json\n  iris extract reply.txt --llm-response --output json',
    );
  // NOTE: the program's global --output is used when it has one; a bare program gets its own.
  if (!program.options.some((o) => o.long === '--output'))
    cmd.addOption(
      new Option('-o, --output <format>', 'json prints one JSON object per file')
        .choices(OUTPUT_FORMATS)
        .default('table'),
    );

  cmd.action(async (files: string[], _flags: ExtractFlags, self: Command) => {
    const flags = self.optsWithGlobals<ExtractFlags>();
    const out = makeOutput(flags.output ?? 'table', streams);
    const failed: string[] = [];
    // One thread: files are read one after another; the thread is what a bomb may take down.
    // NOTE: the knowledge context (parsers, NLP) loads only when a file is to be read.
    const { extractFromReply, makeExtractionPool } = await import('../knowledge/index.js');
    const pool = makeExtractionPool({ threads: flags.llmResponse === true ? 0 : 1 });
    try {
      for (const file of files) {
        const result = await extractFile(
          file,
          flags.llmResponse === true,
          (text) => out.note(text),
          pool,
          extractFromReply,
        );
        if (result.error !== undefined) failed.push(`  - ${file}: ${result.error}`);
        if (out.format === 'json') streams.stdout.write(`${JSON.stringify(result)}\n`);
        else out.line(fileTable(result));
      }
    } finally {
      await pool.close();
    }
    if (failed.length > 0)
      throw new CommandFailedError(`${failed.length} of ${files.length} file(s) yielded nothing`, failed);
  });
}
