// The CLI's view of its environment: where the API is and which token to present. The one
// file of the CLI that reads process.env or the local admin-token file (see STYLE: config is
// compiled once); every command gets the frozen result.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const DEFAULT_API = 'http://127.0.0.1:8080';
/** Written by `iris up` into the data directory (see src/app/seed.ts). */
const ADMIN_TOKEN_FILE = 'admin-token';

export interface CliEnvironment {
  /** IRIS_API, if set. */
  readonly api: string | undefined;
  /** IRIS_TOKEN, if set. */
  readonly token: string | undefined;
  /** The data directory of a local server (IRIS_DATA_DIR, default .iris). */
  readonly dataDir: string;
}

type Env = Readonly<Record<string, string | undefined>>;

/** Reads the environment once (process.env by default). */
export function loadCliEnvironment(env: Env = process.env): CliEnvironment {
  const nonEmpty = (v: string | undefined): string | undefined =>
    v === undefined || v.trim() === '' ? undefined : v.trim();
  return Object.freeze({
    api: nonEmpty(env.IRIS_API),
    token: nonEmpty(env.IRIS_TOKEN),
    dataDir: resolve(nonEmpty(env.IRIS_DATA_DIR) ?? '.iris'),
  });
}

/** Path of the admin-token file a local `iris up` writes. */
export function adminTokenFile(env: CliEnvironment): string {
  return join(env.dataDir, ADMIN_TOKEN_FILE);
}

/** The local server's admin token, if its file exists and is readable. */
export function readLocalAdminToken(env: CliEnvironment): string | undefined {
  const file = adminTokenFile(env);
  if (!existsSync(file)) return undefined;
  try {
    const token = readFileSync(file, 'utf8').trim();
    return token === '' ? undefined : token;
  } catch {
    // NOTE: an unreadable file (permissions) is treated like no file; the 401 hint names it.
    return undefined;
  }
}

export interface Connection {
  readonly api: string;
  readonly token: string | undefined;
  /** Where the token came from, for hints on a 401. */
  readonly tokenSource: 'option' | 'env' | 'file' | 'none';
  readonly requestId: string | undefined;
}

/** Resolves flags over environment over defaults: --api, IRIS_API, the local server. */
export function resolveConnection(
  flags: { api?: string | undefined; token?: string | undefined; requestId?: string | undefined },
  env: CliEnvironment,
): Connection {
  const api = (flags.api ?? env.api ?? DEFAULT_API).replace(/\/+$/, '');
  if (flags.token !== undefined) return { api, token: flags.token, tokenSource: 'option', requestId: flags.requestId };
  if (env.token !== undefined) return { api, token: env.token, tokenSource: 'env', requestId: flags.requestId };
  const fromFile = readLocalAdminToken(env);
  return { api, token: fromFile, tokenSource: fromFile === undefined ? 'none' : 'file', requestId: flags.requestId };
}
