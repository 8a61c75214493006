// `--checkpoint-file`: the checkpoints this client kept of each log, read from and written to a
// small JSON file, and the check of the log the server serves now against each of them with a
// consistency proof from the server, verified here with the trusted key.
import type { KeyObject } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  checkKeptCheckpoint,
  emptyKept,
  keepNote,
  keptFor,
  parseKeptCheckpoints,
  type KeptCheckpoints,
  type LogHead,
  type LogProblem,
} from '../audit/index.js';
import type { ApiClient } from './api-client.js';
import { logPath } from './audit-download.js';
import { CommandFailedError } from './cli-errors.js';
import { errorMessage } from '../core/errors.js';

export interface KeptReport {
  readonly file: string;
  /** Kept checkpoints of this log that were checked. */
  readonly checked: number;
  /** Of those, how many the current log extends. */
  readonly consistent: number;
  readonly problems: LogProblem[];
}

/** The kept checkpoints in `file`; an absent file is an empty document. */
export function readKept(file: string): KeptCheckpoints {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return emptyKept();
    throw new CommandFailedError(`cannot read ${file}: ${errorMessage(err)}`);
  }
  try {
    return parseKeptCheckpoints(text);
  } catch (err) {
    throw new CommandFailedError(`${file} is not a kept-checkpoints file: ${errorMessage(err)}`);
  }
}

/** Adds `note` for `origin` to `file` (written whole through a temporary file). */
export function keepInFile(file: string, origin: string, note: string): void {
  const next = keepNote(readKept(file), origin, note);
  try {
    mkdirSync(dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(next, null, 2)}\n`, { mode: 0o600 });
    renameSync(tmp, file);
  } catch (err) {
    throw new CommandFailedError(`cannot write ${file}: ${errorMessage(err)}`);
  }
}

/** Checks the log's signed `head` against every checkpoint of the log kept in `file`. */
export async function checkKept(
  api: ApiClient,
  log: string,
  key: { name: string; publicKey: KeyObject },
  head: LogHead | null,
  file: string,
): Promise<KeptReport> {
  const origin = `${key.name}/${log}`;
  const notes = keptFor(readKept(file), origin);
  const prove = async (first: number, second: number): Promise<readonly string[]> =>
    (await api.request<{ proof: string[] }>('GET', `${logPath(log)}/consistency`, { query: { first, second } })).proof;
  const problems: LogProblem[] = [];
  let consistent = 0;
  for (const kept of notes) {
    const r = await checkKeptCheckpoint({
      origin,
      keyName: key.name,
      publicKey: key.publicKey,
      kept,
      head: head?.checkpoint ?? null,
      prove,
    });
    if (r.problem === null) consistent++;
    else problems.push(r.problem);
  }
  return { file, checked: notes.length, consistent, problems };
}
