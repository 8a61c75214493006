// The MCP resources of a role: the operator runbooks (ops/runbooks/*.md, for every role) and,
// for a role whose tools read documents, the tenant's documents, read through the Iris API with
// the caller's own key like every tool call. The role's tools are the ceiling here too: a role
// without `documents_get` sees no document resources.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { RoleTool } from './mcp-tools.js';

export interface McpResource {
  readonly uri: string;
  readonly name: string;
  readonly title?: string;
  readonly description?: string;
  readonly mimeType: string;
}

/** Where the runbooks live in a checkout or an installed package (dist/src/mcp → repo root). */
export const RUNBOOK_DIR = resolve(import.meta.dirname, '../../../ops/runbooks');

const RUNBOOK_URI = /^iris:\/\/runbooks\/([A-Za-z0-9_-]{1,100})$/;
const DOCUMENT_URI = /^iris:\/\/tenants\/([a-z][a-z0-9-]{1,62})\/documents\/([^/]{1,300})$/;
export const DOCUMENT_TEMPLATE = 'iris://tenants/{tenantId}/documents/{documentId}';

/** The runbooks, one resource each (names without the .md). */
export function runbookResources(dir = RUNBOOK_DIR): McpResource[] {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.md') && f !== 'README.md');
  } catch {
    return [];
  }
  return files.sort().map((f) => {
    const name = f.slice(0, -3);
    return {
      uri: `iris://runbooks/${name}`,
      name,
      title: `Runbook: ${name}`,
      description: `What to do when the alert ${name} fires.`,
      mimeType: 'text/markdown',
    };
  });
}

/** The text of a runbook resource, or undefined when the URI names none. */
export function readRunbook(uri: string, dir = RUNBOOK_DIR): string | undefined {
  const m = RUNBOOK_URI.exec(uri);
  if (m === null) return undefined;
  try {
    return readFileSync(join(dir, `${m[1] as string}.md`), 'utf8');
  } catch {
    return undefined;
  }
}

/** Whether the role's tools let it read documents (the ceiling for document resources). */
export function readsDocuments(tools: readonly RoleTool[]): boolean {
  return tools.some((t) => t.name === 'documents_get') && tools.some((t) => t.name === 'documents_list');
}

/** The API path of a document resource, or undefined when the URI is not one. */
export function documentPath(uri: string): string | undefined {
  const m = DOCUMENT_URI.exec(uri);
  if (m === null) return undefined;
  try {
    return `/v1/tenants/${m[1] as string}/documents/${encodeURIComponent(decodeURIComponent(m[2] as string))}`;
  } catch {
    return undefined; // a malformed escape is no document
  }
}

/** A document resource for one item of GET /v1/tenants/{t}/documents. */
export function documentResource(
  tenantId: string,
  doc: { documentId: string; name?: string; status?: string },
): McpResource {
  return {
    uri: `iris://tenants/${tenantId}/documents/${encodeURIComponent(doc.documentId)}`,
    name: doc.name ?? doc.documentId,
    description: `Document ${doc.documentId} of tenant ${tenantId}${doc.status === undefined ? '' : ` (${doc.status})`}.`,
    mimeType: 'application/json',
  };
}
