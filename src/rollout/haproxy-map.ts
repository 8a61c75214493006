// The HAProxy maps that route each tenant to its colour's replica pool, and the runtime-API
// commands that bring a live HAProxy's maps to the desired routing without a reload. Pure: no
// I/O; `haproxy-runtime.ts` sends what this computes.
//
// Two maps, keyed by what HAProxy can read from a request (see ops/haproxy/haproxy.cfg):
// - `tenants.map`: tenant id (the `/v1/tenants/<id>/…` path segment) → backend `pool_<colour>`;
// - `keys.map`: API key id (the public `iris_<keyId>_` prefix of the bearer token) → the
//   backend of the key's tenant. Platform keys name no tenant and stay on the default backend.
//
// Everything sent is checked against a strict charset first: the runtime API reads `;` as a
// command separator and a newline as the end of a command (or of a payload), so one hostile id
// could otherwise run `del map`, `set server … state maint` or `shutdown session` with admin
// rights. A refused entry is never sent, and it never deletes what HAProxy already has either.
import { isTenantSlug } from '../core/ids.js';

/** The two maps Iris keeps, by role. */
export const MapNames = { tenants: 'tenants', keys: 'keys' } as const;
export type MapName = (typeof MapNames)[keyof typeof MapNames];
export const MAP_NAMES: readonly MapName[] = [MapNames.tenants, MapNames.keys];

/** A colour as the release document allows it (`release-spec.ts`). */
const COLOUR_RE = /^[a-z][a-z0-9-]{0,31}$/;
/** An Iris key id (`api-key.ts`): `k` + 16 of [a-z0-9]; bootstrap key ids (`kb` + 15 hex) fit. */
const KEY_ID_RE = /^k[a-z0-9]{16}$/;
/** A map file as named in haproxy.cfg: an absolute path of plain characters. */
const MAP_FILE_RE = /^\/[A-Za-z0-9_./-]{1,255}$/;
/** A backend as Iris names them; also the only values accepted from a parsed map. */
const BACKEND_RE = /^pool_[a-z][a-z0-9-]{0,31}$/;

/**
 * Bytes of one `add map … <<` payload. HAProxy reads a command and its payload into one
 * buffer (tune.bufsize, 16 KiB by default) and resets the connection beyond it; half leaves
 * room for the command line and a smaller tune.bufsize.
 */
export const MAX_PAYLOAD_BYTES = 8 * 1024;

/** What routing should be: each tenant's colour, and each key's tenant (null: a platform key). */
export interface DesiredRouting {
  readonly tenants: ReadonlyMap<string, string>;
  readonly keys: ReadonlyMap<string, string | null>;
}

/** An entry that was not sent, and why. `held`: the key is valid, so its live entry is kept. */
export interface RefusedEntry {
  readonly map: MapName;
  readonly key: string;
  readonly reason: string;
  readonly held: boolean;
}

/** The desired content of both maps, and the entries refused on the way. */
export interface MapContents {
  readonly maps: Readonly<Record<MapName, ReadonlyMap<string, string>>>;
  readonly refused: readonly RefusedEntry[];
}

/** The minimal change from one map content to another. */
export interface MapDiff {
  readonly add: readonly (readonly [string, string])[];
  readonly set: readonly (readonly [string, string])[];
  readonly del: readonly string[];
}

export function isColour(value: string): boolean {
  return COLOUR_RE.test(value);
}

export function isKeyId(value: string): boolean {
  return KEY_ID_RE.test(value);
}

export function isMapFile(value: string): boolean {
  return MAP_FILE_RE.test(value) && !value.split('/').includes('..');
}

/**
 * The backend serving a colour: `pool_<colour>`.
 * @throws RangeError when the colour is not a valid colour (it would reach HAProxy verbatim).
 */
export function backendOf(colour: string): string {
  if (!isColour(colour)) throw new RangeError(`Not a colour: ${JSON.stringify(colour)}.`);
  return `pool_${colour}`;
}

/**
 * Both maps' entries from the desired routing. A tenant with an invalid id or colour, or a key
 * with an invalid id, is refused; a key follows its tenant, so a key of an unknown or refused
 * tenant is refused too (held when its tenant is held, so the pair never splits). With
 * `backends` (what HAProxy has, `show backend`), a colour without its pool is refused and held:
 * HAProxy answers 503 for a map value naming no backend, it does not fall back to the default.
 */
export function mapContents(desired: DesiredRouting, backends?: ReadonlySet<string>): MapContents {
  const tenants = new Map<string, string>();
  const keys = new Map<string, string>();
  const refused: RefusedEntry[] = [];
  const heldTenants = new Set<string>();
  // Why sorted: the same routing always yields the same commands, whatever the input order.
  for (const [tenantId, colour] of [...desired.tenants].sort(byKey)) {
    if (!isTenantSlug(tenantId))
      refused.push({ map: 'tenants', key: tenantId, reason: 'invalid tenant id', held: false });
    else if (!isColour(colour)) {
      heldTenants.add(tenantId);
      refused.push({ map: 'tenants', key: tenantId, reason: `invalid colour ${JSON.stringify(colour)}`, held: true });
    } else if (backends !== undefined && !backends.has(backendOf(colour))) {
      heldTenants.add(tenantId);
      refused.push({
        map: 'tenants',
        key: tenantId,
        reason: `HAProxy has no backend ${backendOf(colour)}`,
        held: true,
      });
    } else tenants.set(tenantId, backendOf(colour));
  }
  for (const [keyId, tenantId] of [...desired.keys].sort(byKey)) {
    if (tenantId === null) continue;
    const backend = tenants.get(tenantId);
    if (!isKeyId(keyId)) refused.push({ map: 'keys', key: keyId, reason: 'invalid key id', held: false });
    else if (backend !== undefined) keys.set(keyId, backend);
    else if (heldTenants.has(tenantId))
      refused.push({ map: 'keys', key: keyId, reason: "its tenant's entry is refused", held: true });
    else refused.push({ map: 'keys', key: keyId, reason: 'its tenant has no colour', held: false });
  }
  return { maps: { tenants, keys }, refused };
}

/**
 * The entries of a `show map <file>` answer (`0x55d1c0a0e0c0 <key> <value>` per line).
 * @throws RangeError on any other line: HAProxy answered with an error message (an unknown map,
 * a wrong level), so the answer must not be read as an empty map.
 */
export function parseShowMap(text: string): Map<string, string> {
  const entries = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const m = /^0x[0-9a-f]+ (\S+) (.*)$/.exec(line);
    if (m === null) throw new RangeError(`Not a map entry: ${JSON.stringify(line.slice(0, 200))}.`);
    // NOTE: a key added twice (possible with `add map`) matches its first entry only; keep that one.
    if (!entries.has(m[1] as string)) entries.set(m[1] as string, m[2] as string);
  }
  return entries;
}

/**
 * The backend names of a `show backend` answer (a `# name` header, then one name a line).
 * @throws RangeError on a line that is no proxy name (an error message).
 */
export function parseShowBackend(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    if (!/^[A-Za-z0-9_.:-]+$/.test(line))
      throw new RangeError(`Not a backend name: ${JSON.stringify(line.slice(0, 200))}.`);
    names.add(line);
  }
  return names;
}

/**
 * The desired content of one map once held entries keep their live value: a refused-but-held
 * key is neither changed nor deleted.
 */
export function withHeld(
  desired: ReadonlyMap<string, string>,
  current: ReadonlyMap<string, string>,
  held: Iterable<string>,
): Map<string, string> {
  const result = new Map(desired);
  for (const key of held) {
    const live = current.get(key);
    // NOTE: a live value that Iris would not write itself is not kept (it could not be resent).
    if (live !== undefined && BACKEND_RE.test(live)) result.set(key, live);
  }
  return result;
}

/** The minimal change from `current` to `desired`; empty when they hold the same entries. */
export function diffMap(current: ReadonlyMap<string, string>, desired: ReadonlyMap<string, string>): MapDiff {
  const add: [string, string][] = [];
  const set: [string, string][] = [];
  const del: string[] = [];
  for (const [key, value] of desired) {
    const live = current.get(key);
    if (live === undefined) add.push([key, value]);
    else if (live !== value) set.push([key, value]);
  }
  for (const key of current.keys()) if (!desired.has(key)) del.push(key);
  return { add, set, del };
}

export function isEmptyDiff(diff: MapDiff): boolean {
  return diff.add.length === 0 && diff.set.length === 0 && diff.del.length === 0;
}

/**
 * One runtime command per change (`add map`, `set map`, `del map`), for an HAProxy without
 * map versions (< 2.4). Each lands on its own, so a reader may see a half-applied change.
 * A live entry whose key Iris would never write (added by hand) is left alone: deleting it
 * would mean sending that key.
 * @throws RangeError when the file or an entry would not be safe to send.
 */
export function incrementalCommands(file: string, diff: MapDiff): string[] {
  checkFile(file);
  return [
    ...diff.del.filter(isSafeKey).map((key) => `del map ${file} ${key}`),
    ...diff.set.map(([key, value]) => `set map ${file} ${safeKey(key)} ${safeValue(value)}`),
    ...diff.add.map(([key, value]) => `add map ${file} ${safeKey(key)} ${safeValue(value)}`),
  ];
}

/** `prepare map <file>`: opens a new, empty version of the map (HAProxy ≥ 2.4). */
export function prepareCommand(file: string): string {
  checkFile(file);
  return `prepare map ${file}`;
}

/**
 * The version number in a `prepare map` answer (`New version created: 7`), or null when the
 * answer is anything else (an older HAProxy says `Unknown command`).
 */
export function parsePreparedVersion(text: string): number | null {
  const m = /^New version created: (\d+)\s*$/.exec(text.trim());
  return m === null ? null : Number(m[1]);
}

/**
 * Fills version `version` of `file` with the whole desired content, then commits it: readers
 * switch from the old content to the new in one step. The `add map @<ver> <file> <<` payloads
 * are cut below MAX_PAYLOAD_BYTES; the commit comes last.
 * @throws RangeError when the file or an entry would not be safe to send.
 */
export function atomicCommands(file: string, version: number, entries: ReadonlyMap<string, string>): string[] {
  checkFile(file);
  if (!Number.isSafeInteger(version) || version < 0) throw new RangeError(`Not a map version: ${version}.`);
  const head = `add map @${version} ${file} <<\n`;
  const commands: string[] = [];
  let lines: string[] = [];
  let bytes = head.length;
  // Why a loop that cuts: one payload beyond HAProxy's buffer resets the connection.
  for (const [key, value] of entries) {
    const line = `${safeKey(key)} ${safeValue(value)}\n`;
    if (lines.length > 0 && bytes + line.length + 1 > MAX_PAYLOAD_BYTES) {
      commands.push(`${head}${lines.join('')}\n`);
      lines = [];
      bytes = head.length;
    }
    lines.push(line);
    bytes += line.length;
  }
  if (lines.length > 0) commands.push(`${head}${lines.join('')}\n`);
  commands.push(`commit map @${version} ${file}`);
  return commands;
}

function byKey(a: readonly [string, unknown], b: readonly [string, unknown]): number {
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}

function checkFile(file: string): void {
  if (!isMapFile(file)) throw new RangeError(`Not a safe map file path: ${JSON.stringify(file)}.`);
}

// NOTE: the last line of defence: every key and value that reaches a command passes here, also
// those read back from HAProxy (a foreign entry is deleted only when its key is plain).
function isSafeKey(key: string): boolean {
  return isTenantSlug(key) || isKeyId(key);
}

function safeKey(key: string): string {
  if (!isSafeKey(key)) throw new RangeError(`Not a safe map key: ${JSON.stringify(key)}.`);
  return key;
}

function safeValue(value: string): string {
  if (!BACKEND_RE.test(value)) throw new RangeError(`Not a safe map value: ${JSON.stringify(value)}.`);
  return value;
}
