// Downloads one audit log (witness records, checkpoints, signed head, every event) so the CLI
// can verify it locally with the same pure verifyLog the server uses, trusting only a verifier
// key.
import type { KeyObject } from 'node:crypto';
import {
  parseVerifierKey,
  verifyLog,
  type LogHead,
  type LogRow,
  type LogVerification,
  type WitnessRow,
} from '../audit/index.js';
import type { ApiClient } from './api-client.js';
import { UsageError } from './cli-errors.js';
import { errorMessage } from '../core/errors.js';

const PAGE = 1000;

export interface EventItem {
  readonly seq: number;
  readonly event: Record<string, unknown>;
  readonly leafHash: string;
  readonly recordedAt: string;
}

export interface EventPage {
  readonly log: string;
  readonly size: number;
  readonly items: EventItem[];
  readonly next?: number;
}

interface HeadDocument {
  readonly size: number;
  readonly root: string | null;
  readonly checkpoint: string | null;
}

export interface DownloadedLog {
  readonly head: LogHead | null;
  readonly rows: LogRow[];
  readonly checkpoints: { size: number; note: string }[];
  /** A tenant log: its witness records; the platform log: every log's. */
  readonly witnesses: WitnessRow[];
}

interface WitnessPage {
  readonly items: WitnessRow[];
  readonly next?: number;
}

export const logPath = (log: string): string => `/v1/audit/logs/${encodeURIComponent(log)}`;

/** Every event row of a log, oldest first, paging until a short page. */
async function allEvents(api: ApiClient, log: string): Promise<LogRow[]> {
  const rows: LogRow[] = [];
  for (let from = 0; ;) {
    const page = await api.request<EventPage>('GET', `${logPath(log)}/events`, { query: { from, limit: PAGE } });
    rows.push(...page.items.map((i) => ({ seq: i.seq, event: i.event, leafHash: i.leafHash })));
    const last = page.items[page.items.length - 1];
    // NOTE: page on until a short page rather than trusting `next`, which stops at the signed
    // head: rows beyond it (inserted behind Iris's back) must reach verifyLog too.
    if (page.items.length < PAGE || last === undefined || last.seq + 1 <= from) return rows;
    from = last.seq + 1;
  }
}

/** Every witness record the server shows for a log, page by page. */
async function allWitnesses(api: ApiClient, log: string): Promise<WitnessRow[]> {
  const rows: WitnessRow[] = [];
  for (let from: number | undefined = 0; from !== undefined;) {
    const page: WitnessPage = await api.request<WitnessPage>('GET', `${logPath(log)}/witnesses`, {
      query: { from, limit: PAGE },
    });
    rows.push(
      ...page.items.map((w) => ({
        log: w.log,
        size: w.size,
        root: w.root,
        checkpoint: w.checkpoint,
        platformSeq: w.platformSeq,
        kind: w.kind,
      })),
    );
    from = page.next;
  }
  return rows;
}

/**
 * Downloads a log. Witness records and checkpoints are read before the head and the head before
 * the events, so appends racing the download only add rows past the head; if the head then
 * moved, read again.
 */
export async function downloadLog(api: ApiClient, log: string): Promise<DownloadedLog> {
  for (let attempt = 0; ; attempt++) {
    const witnesses = await allWitnesses(api, log);
    const checkpoints = (
      await api.request<{ items: { size: number; note: string }[] }>('GET', `${logPath(log)}/checkpoints`)
    ).items;
    const h = await api.request<HeadDocument>('GET', `${logPath(log)}/head`);
    const rows = await allEvents(api, log);
    if (rows.length > h.size && attempt < 3) {
      const again = await api.request<HeadDocument>('GET', `${logPath(log)}/head`);
      if (again.size !== h.size) continue;
    }
    const head =
      h.size === 0 || h.root === null || h.checkpoint === null
        ? null
        : { size: h.size, root: h.root, checkpoint: h.checkpoint };
    return { head, rows, checkpoints, witnesses };
  }
}

/** Parses a verifier key given by the user (the value, or @file holding it). */
export function parseTrustedKey(
  vkey: string,
  readFile: (path: string) => string,
): { vkey: string; name: string; publicKey: KeyObject } {
  let value = vkey.trim();
  if (value.startsWith('@')) {
    try {
      value = readFile(value.slice(1)).trim();
    } catch (err) {
      throw new UsageError(`cannot read the verifier key file ${value.slice(1)}: ${errorMessage(err)}`);
    }
  }
  try {
    return { vkey: value, ...parseVerifierKey(value) };
  } catch (err) {
    throw new UsageError(`--vkey is not a signed-note verifier key (name+hash+key): ${errorMessage(err)}`);
  }
}

/** Verifies a downloaded log against a trusted verifier key; the log's origin is `<key name>/<log>`. */
export function verifyDownloadedLog(
  log: string,
  data: DownloadedLog,
  key: { name: string; publicKey: KeyObject },
): LogVerification {
  const witnessed = log === 'platform' ? { witnessIndex: data.witnesses } : { witnesses: data.witnesses };
  return verifyLog({
    log,
    origin: `${key.name}/${log}`,
    keyName: key.name,
    publicKey: key.publicKey,
    rows: data.rows,
    head: data.head,
    checkpoints: data.checkpoints,
    ...witnessed,
  });
}
