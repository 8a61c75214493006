// Sending a file to POST /v1/tenants/:tenantId/documents with upload progress: openapi-fetch
// (fetch) reports no upload progress, so this is an XMLHttpRequest carrying the session's
// CSRF token. The file travels as base64 so the server, not the browser, decides its format
// (an unsupported or binary file is its 415, an oversized one its 413 or 400, in words).
import { ApiError, describeFailure, headersWithCsrf, type paths, type Problem } from '../../api/client';

type SubmitReply = paths['/v1/tenants/{tenantId}/documents']['post']['responses']['202']['content']['application/json'];

/** The file's bytes as base64, read in slices so a large file does not build one huge string argument. */
export async function base64Of(file: Blob): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  const parts: string[] = [];
  // NOTE: String.fromCharCode takes its bytes as arguments; 32 KiB stays far below engines' limits.
  for (let i = 0; i < bytes.length; i += 0x8000)
    parts.push(String.fromCharCode(...bytes.subarray(i, Math.min(i + 0x8000, bytes.length))));
  return btoa(parts.join(''));
}

/**
 * Uploads `file` as a document of `tenantId` (its id is its name); `onProgress` receives the
 * fraction of the request body sent. Resolves to the server's reply (202: an ingest job was
 * queued; 200: the same bytes were already there), rejects with ApiError in words.
 */
export async function uploadDocument(
  tenantId: string,
  file: File,
  onProgress: (fraction: number) => void,
): Promise<SubmitReply> {
  const body = JSON.stringify({ name: file.name, contentBase64: await base64Of(file) });
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/v1/tenants/${encodeURIComponent(tenantId)}/documents`);
    for (const [k, v] of Object.entries(headersWithCsrf({ 'content-type': 'application/json' })))
      xhr.setRequestHeader(k, v);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable && e.total > 0) onProgress(e.loaded / e.total);
    };
    xhr.onerror = () =>
      reject(new ApiError(0, 'The upload did not reach the server. It may be restarting: try again in a moment.'));
    xhr.onload = () => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(xhr.responseText);
      } catch {
        parsed = undefined;
      }
      if (xhr.status >= 200 && xhr.status < 300 && parsed !== undefined) {
        onProgress(1);
        resolve(parsed as SubmitReply);
        return;
      }
      const problem = typeof parsed === 'object' && parsed !== null ? (parsed as Problem) : undefined;
      reject(new ApiError(xhr.status, describeFailure(xhr.status, problem), problem));
    };
    xhr.send(body);
  });
}
