// HAProxy's runtime API (the stats socket at `level admin`) as far as routing needs it: send
// one command per connection, read the answer, and bring the routing maps to the desired
// content without a reload. `makeHaproxyMapSync` repeats that on a timer and on demand.
//
// One command per connection (HAProxy's non-interactive mode: it answers, then closes) rather
// than the `prompt` mode: no framing to parse, and a stuck connection only costs one command.
import { connect, type Socket } from 'node:net';
import { IrisError } from '../core/errors.js';
import {
  atomicCommands,
  diffMap,
  incrementalCommands,
  isEmptyDiff,
  isMapFile,
  MAP_NAMES,
  mapContents,
  parsePreparedVersion,
  parseShowBackend,
  parseShowMap,
  prepareCommand,
  withHeld,
  type DesiredRouting,
  type MapDiff,
  type MapName,
  type RefusedEntry,
} from './haproxy-map.js';

export const HaproxyErrorCodes = {
  /** The socket is not there or refuses connections (HAProxy down or restarting). */
  unreachable: 'haproxy_unreachable',
  /** No complete answer within the timeout. */
  timeout: 'haproxy_timeout',
  /** HAProxy answered with an error message (unknown map, bad level, version out of range). */
  refused: 'haproxy_refused',
  /** A command or map file that would not be safe to send; nothing was sent. */
  unsafe: 'haproxy_unsafe_command',
} as const;
export type HaproxyErrorCode = (typeof HaproxyErrorCodes)[keyof typeof HaproxyErrorCodes];

/** A runtime-API failure. `retryable`: the same sync may succeed later, unchanged. */
export class HaproxyRuntimeError extends IrisError {
  declare readonly code: HaproxyErrorCode;
  /** The command's verb and map (never its payload), for logs. */
  readonly command: string;

  constructor(
    code: HaproxyErrorCode,
    command: string,
    message: string,
    options: { retryable: boolean; cause?: unknown },
  ) {
    super(code, 502, message, { retryable: options.retryable, cause: options.cause, extensions: { command } });
    this.command = command;
  }
}

/** Where the runtime API listens: a UNIX socket path, or a TCP address. */
export type RuntimeAddress = { readonly path: string } | { readonly host: string; readonly port: number };

/** The port the sync works through; `makeHaproxyRuntime` implements it over `node:net`. */
export interface HaproxyRuntime {
  /** Sends one command (with its payload, if any) and resolves with HAProxy's whole answer. */
  execute(command: string): Promise<string>;
}

/** A runtime-API client; each command opens its own connection and times out on its own. */
export function makeHaproxyRuntime(address: RuntimeAddress, options: { timeoutMs?: number } = {}): HaproxyRuntime {
  const timeoutMs = options.timeoutMs ?? 5_000;
  return {
    execute: (command) =>
      new Promise((resolve, reject) => {
        const label = labelOf(command);
        const chunks: Buffer[] = [];
        let settled = false;
        const socket: Socket = 'path' in address ? connect(address.path) : connect(address.port, address.host);
        const finish = (err: HaproxyRuntimeError | null): void => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          socket.destroy();
          if (err === null) resolve(Buffer.concat(chunks).toString('utf8'));
          else reject(err);
        };
        const timer = setTimeout(
          () =>
            finish(
              new HaproxyRuntimeError(
                HaproxyErrorCodes.timeout,
                label,
                `HAProxy did not answer '${label}' in ${timeoutMs} ms.`,
                {
                  retryable: true,
                },
              ),
            ),
          timeoutMs,
        );
        // NOTE: no half-close after the command: HAProxy answers, then closes the connection itself.
        socket.on('connect', () => socket.write(command.endsWith('\n') ? command : `${command}\n`));
        socket.on('data', (chunk: Buffer) => chunks.push(chunk));
        socket.on('end', () => finish(null));
        socket.on('close', () => finish(null));
        socket.on('error', (cause: NodeJS.ErrnoException) => {
          const connecting = socket.connecting || cause.code === 'ENOENT' || cause.code === 'ECONNREFUSED';
          finish(
            new HaproxyRuntimeError(
              connecting ? HaproxyErrorCodes.unreachable : HaproxyErrorCodes.refused,
              label,
              connecting
                ? `HAProxy's runtime API is unreachable at ${describe(address)} (${cause.code ?? cause.message}).`
                : `HAProxy dropped the connection during '${label}' (${cause.code ?? cause.message}); a payload beyond its buffer does that.`,
              { retryable: true, cause },
            ),
          );
        });
      }),
  };
}

/** The map files as haproxy.cfg names them (the runtime API knows a map by that path). */
export type MapFiles = Readonly<Record<MapName, string>>;

/** What happened to one map in a sync. */
export interface MapSyncOutcome {
  readonly map: MapName;
  readonly file: string;
  /** `unchanged`: nothing sent; `applied`: the diff is live; `failed`: see `error`. */
  readonly status: 'unchanged' | 'applied' | 'failed';
  /** `atomic`: one committed version; `incremental`: one command per change (HAProxy < 2.4). */
  readonly mode: 'atomic' | 'incremental' | null;
  readonly added: number;
  readonly changed: number;
  readonly removed: number;
  readonly error?: HaproxyRuntimeError;
}

/** A sync's result: each map's outcome and the entries refused (never sent). */
export interface SyncResult {
  readonly maps: readonly MapSyncOutcome[];
  readonly refused: readonly RefusedEntry[];
  /** True when every map is live as desired (refused entries aside). */
  readonly ok: boolean;
}

export interface SyncOptions {
  /** `auto` (default): versions when HAProxy has them (≥ 2.4), else one command per change. */
  readonly atomic?: 'auto' | boolean;
}

/**
 * Brings both maps to `desired`: reads which backends HAProxy has (`show backend`; a colour
 * without its pool is refused and held), reads each map with `show map`, computes the minimal
 * diff and, if any, applies it (atomically where HAProxy supports it). Idempotent: a second
 * call with the same routing sends nothing but the three reads. Makes partial progress (one
 * map may be applied and the other fail), so it reports per map instead of throwing.
 * @throws HaproxyRuntimeError (`haproxy_unsafe_command`) when a map file path is not safe.
 */
export async function syncMaps(
  runtime: HaproxyRuntime,
  mapFiles: MapFiles,
  desired: DesiredRouting,
  options: SyncOptions = {},
): Promise<SyncResult> {
  for (const name of MAP_NAMES)
    if (!isMapFile(mapFiles[name]))
      throw new HaproxyRuntimeError(HaproxyErrorCodes.unsafe, 'sync', `Not a safe map file path for ${name}.map.`, {
        retryable: false,
      });
  let backends: Set<string>;
  try {
    const answer = await runtime.execute('show backend');
    try {
      backends = parseShowBackend(answer);
    } catch {
      throw refusal('show backend', answer);
    }
  } catch (err) {
    const error = asRuntimeError(err, 'show backend');
    const failed = (map: MapName): MapSyncOutcome => ({
      map,
      file: mapFiles[map],
      status: 'failed',
      mode: null,
      added: 0,
      changed: 0,
      removed: 0,
      error,
    });
    return { maps: MAP_NAMES.map(failed), refused: [], ok: false };
  }
  const contents = mapContents(desired, backends);
  const maps: MapSyncOutcome[] = [];
  // NOTE: two maps, two commits, milliseconds apart; tenants first. In between, a request that
  // names its tenant in the path is already routed anew, one routed by its key alone not yet.
  for (const name of MAP_NAMES) {
    const held = contents.refused.filter((r) => r.map === name && r.held).map((r) => r.key);
    maps.push(await syncOneMap(runtime, name, mapFiles[name], contents.maps[name], held, options.atomic ?? 'auto'));
  }
  return { maps, refused: contents.refused, ok: maps.every((m) => m.status !== 'failed') };
}

async function syncOneMap(
  runtime: HaproxyRuntime,
  map: MapName,
  file: string,
  wanted: ReadonlyMap<string, string>,
  held: readonly string[],
  atomic: 'auto' | boolean,
): Promise<MapSyncOutcome> {
  let diff: MapDiff = { add: [], set: [], del: [] };
  const outcome = (status: MapSyncOutcome['status'], mode: MapSyncOutcome['mode'], error?: HaproxyRuntimeError) => ({
    map,
    file,
    status,
    mode,
    added: diff.add.length,
    changed: diff.set.length,
    removed: diff.del.length,
    ...(error === undefined ? {} : { error }),
  });
  try {
    const current = await readMap(runtime, file);
    const desired = withHeld(wanted, current, held);
    diff = diffMap(current, desired);
    if (isEmptyDiff(diff)) return outcome('unchanged', null);
    if (atomic !== false) {
      const prepared = await runtime.execute(prepareCommand(file));
      const version = parsePreparedVersion(prepared);
      if (version !== null) {
        for (const command of atomicCommands(file, version, desired)) await expectSilence(runtime, command);
        return outcome('applied', 'atomic');
      }
      if (atomic === true || !/unknown command/i.test(prepared)) throw refusal(`prepare map ${file}`, prepared);
    }
    for (const command of incrementalCommands(file, diff)) await expectSilence(runtime, command);
    return outcome('applied', 'incremental');
  } catch (err) {
    return outcome('failed', null, asRuntimeError(err, file));
  }
}

async function readMap(runtime: HaproxyRuntime, file: string): Promise<Map<string, string>> {
  const answer = await runtime.execute(`show map ${file}`);
  try {
    return parseShowMap(answer);
  } catch {
    throw refusal(`show map ${file}`, answer);
  }
}

/** Runs a command whose success is an empty answer (add, set, del, commit). */
async function expectSilence(runtime: HaproxyRuntime, command: string): Promise<void> {
  const answer = await runtime.execute(command);
  if (answer.trim() !== '') throw refusal(labelOf(command), answer);
}

function refusal(label: string, answer: string): HaproxyRuntimeError {
  const text = answer.trim().split('\n')[0]?.slice(0, 200) ?? '';
  // NOTE: another writer committed a newer version between our prepare and commit; the next sync
  // reads that version and converges, so it is worth retrying.
  const raced = /version number out of range/i.test(text);
  return new HaproxyRuntimeError(
    HaproxyErrorCodes.refused,
    label,
    `HAProxy refused '${label}': ${text || 'no answer'}`,
    {
      retryable: raced,
    },
  );
}

function asRuntimeError(err: unknown, file: string): HaproxyRuntimeError {
  if (err instanceof HaproxyRuntimeError) return err;
  if (err instanceof RangeError)
    return new HaproxyRuntimeError(HaproxyErrorCodes.unsafe, `sync ${file}`, err.message, {
      retryable: false,
      cause: err,
    });
  return new HaproxyRuntimeError(HaproxyErrorCodes.refused, `sync ${file}`, String(err), {
    retryable: false,
    cause: err,
  });
}

/** The first line of a command, for errors and logs (a payload never leaves this module). */
function labelOf(command: string): string {
  return (command.split('\n')[0] ?? '').replace(/ <<$/, '').slice(0, 200);
}

function describe(address: RuntimeAddress): string {
  return 'path' in address ? address.path : `${address.host}:${address.port}`;
}

export interface HaproxyMapSyncOptions {
  readonly runtime: HaproxyRuntime;
  readonly mapFiles: MapFiles;
  /** The routing as it should be now (read from the tenant directory and the releases). */
  readonly desired: () => Promise<DesiredRouting> | DesiredRouting;
  /** Between the end of one timed sync and the start of the next; 0: only on `sync()`. */
  readonly intervalMs: number;
  /** Each failure: a map that failed, or `desired()` that threw. Never throws out of a timer. */
  readonly onError: (err: unknown) => void;
  /** Each finished sync, for logs and metrics. */
  readonly onSynced?: (result: SyncResult) => void;
  readonly atomic?: SyncOptions['atomic'];
}

export interface HaproxyMapSync {
  /**
   * Syncs now. While a sync runs, callers share one follow-up sync that starts when it ends
   * (it reads `desired()` afresh), so two never overlap and no request for a change is lost.
   * Rejects only when `desired()` throws; HAProxy failures are in the result.
   */
  sync(): Promise<SyncResult>;
  /** Starts the timer (no-op when `intervalMs` is 0 or already started). */
  start(): void;
  /** Stops the timer and waits for a sync in flight. */
  stop(): Promise<void>;
}

/** Keeps HAProxy's maps current: on `sync()` and every `intervalMs`, never two at once. */
export function makeHaproxyMapSync(options: HaproxyMapSyncOptions): HaproxyMapSync {
  let running: Promise<SyncResult> | undefined;
  let queued: Promise<SyncResult> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let started = false;

  const once = async (): Promise<SyncResult> => {
    let desired: DesiredRouting;
    try {
      desired = await options.desired();
    } catch (err) {
      options.onError(err);
      throw err;
    }
    let result: SyncResult;
    try {
      result = await syncMaps(options.runtime, options.mapFiles, desired, { atomic: options.atomic ?? 'auto' });
    } catch (err) {
      options.onError(err);
      throw err;
    }
    for (const m of result.maps) if (m.error !== undefined) options.onError(m.error);
    options.onSynced?.(result);
    return result;
  };

  const launch = (): Promise<SyncResult> => {
    const p = once();
    running = p;
    const clear = (): void => {
      if (running === p) running = undefined;
    };
    p.then(clear, clear);
    return p;
  };

  const sync = (): Promise<SyncResult> => {
    if (queued !== undefined) return queued;
    if (running === undefined) return launch();
    const next = running.then(noop, noop).then(() => {
      queued = undefined;
      return launch();
    });
    queued = next;
    return next;
  };

  const tick = (): void => {
    timer = undefined;
    // NOTE: onError has seen every failure already; the timer only has to stay alive.
    void sync()
      .catch(noop)
      .then(() => {
        if (started) schedule();
      });
  };

  const schedule = (): void => {
    timer = setTimeout(tick, options.intervalMs);
    timer.unref();
  };

  return {
    sync,
    start() {
      if (started || options.intervalMs <= 0) return;
      started = true;
      schedule();
    },
    async stop() {
      started = false;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      await (queued ?? running)?.then(noop, noop);
    },
  };
}

function noop(): void {}
