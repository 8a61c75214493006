// Downloads one audit log for verification in the browser, as the CLI does
// (src/cli/audit-download.ts): witness records and checkpoints first, then the signed head,
// then every event, so appends racing the download only add rows past the head.
import { api, call } from '../../api/client';
import type { LogHead, LogRow, ProofBundle, WitnessRow } from './log-verify';

const PAGE = 1000;

export interface EventItem {
  readonly seq: number;
  readonly event: AuditEvent;
  readonly leafHash: string;
  readonly recordedAt: string;
}

/** The fields of an audit event the console shows (the whole event is hashed, not only these). */
export interface AuditEvent extends Record<string, unknown> {
  readonly log: string;
  readonly seq: number;
  readonly id: string;
  readonly time: string;
  readonly action: string;
  readonly actor: {
    readonly keyId: string;
    readonly role: string;
    readonly tenantId: string;
    readonly agent?: { readonly name: string | null; readonly crew: string | null; readonly run: string | null };
  };
  readonly resource: { readonly kind: string; readonly id: string };
  readonly requestId: string;
  readonly traceId: string | null;
}

export interface EventPage {
  readonly log: string;
  readonly size: number;
  readonly items: EventItem[];
  readonly next?: number;
}

export interface HeadDocument {
  readonly log: string;
  readonly origin: string;
  readonly size: number;
  readonly root: string | null;
  readonly checkpoint: string | null;
  readonly vkey: string;
}

export interface DownloadedLog {
  readonly head: LogHead | null;
  readonly rows: LogRow[];
  readonly checkpoints: { size: number; note: string }[];
  readonly witnesses: WitnessRow[];
}

/** A page of events from `from` (the API filters on agent and run; nothing else). */
export async function eventPage(
  log: string,
  from: number,
  limit: number,
  filter: { agent?: string; run?: string } = {},
): Promise<EventPage> {
  const query = {
    from,
    limit,
    ...(filter.agent ? { agent: filter.agent } : {}),
    ...(filter.run ? { run: filter.run } : {}),
  };
  return await call(api.GET('/v1/audit/logs/{log}/events', { params: { path: { log }, query } }));
}

export async function logHead(log: string): Promise<HeadDocument> {
  return await call(api.GET('/v1/audit/logs/{log}/head', { params: { path: { log } } }));
}

export async function proofOf(log: string, seq: number): Promise<ProofBundle> {
  return await call(api.GET('/v1/audit/logs/{log}/proof/{seq}', { params: { path: { log, seq } } }));
}

async function allWitnesses(log: string): Promise<WitnessRow[]> {
  const rows: WitnessRow[] = [];
  for (let from: number | undefined = 0; from !== undefined;) {
    const page = (await call(
      api.GET('/v1/audit/logs/{log}/witnesses', { params: { path: { log }, query: { from, limit: PAGE } } }),
    )) as unknown as { items: WitnessRow[]; next?: number };
    rows.push(...page.items);
    from = page.next;
  }
  return rows;
}

/**
 * Every row of a log, its signed head, kept checkpoints and witness records. `progress` hears
 * how many events have arrived.
 */
export async function downloadLog(log: string, progress: (events: number) => void): Promise<DownloadedLog> {
  for (let attempt = 0; ; attempt++) {
    const witnesses = await allWitnesses(log);
    const checkpoints = (
      (await call(api.GET('/v1/audit/logs/{log}/checkpoints', { params: { path: { log } } }))) as unknown as {
        items: { size: number; note: string }[];
      }
    ).items;
    const h = await logHead(log);
    const rows: LogRow[] = [];
    for (let from = 0; ;) {
      const page = await eventPage(log, from, PAGE);
      rows.push(...page.items.map((i) => ({ seq: i.seq, event: i.event, leafHash: i.leafHash })));
      progress(rows.length);
      const last = page.items.at(-1);
      // NOTE: page on until a short page rather than trusting `next`, which stops at the signed
      // head: rows beyond it (inserted behind Iris's back) must be verified too.
      if (page.items.length < PAGE || last === undefined || last.seq + 1 <= from) break;
      from = last.seq + 1;
    }
    if (rows.length > h.size && attempt < 3 && (await logHead(log)).size !== h.size) continue;
    const head =
      h.size === 0 || h.root === null || h.checkpoint === null
        ? null
        : { size: h.size, root: h.root, checkpoint: h.checkpoint };
    return { head, rows, checkpoints, witnesses };
  }
}
