// The archive layout alone: what writeArchive writes openArchive reads back, and every way a
// file can be wrong is refused with its own error before any part is trusted.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import { ArchiveInvalidError, ArchiveTooNewError, ArchiveUntrustedError } from './tenant-archive-errors.js';
import { openArchive, writeArchive, type PartContent } from './tenant-archive-format.js';
import { newEd25519Keys } from '../core/ed25519.js';

const { privateKey, publicKey } = newEd25519Keys();
const verifier = { vkey: 'iris.local/ledger+00000000+AAAA', publicKey };
const header = {
  schemaVersion: 10,
  irisVersion: '0.1.0',
  tenantId: 'acme',
  homeRegion: 'eu-west',
  exportedAt: '2026-12-06T12:00:00.000Z',
  signer: { name: 'iris.local/ledger', vkey: verifier.vkey },
  ledger: { size: 1, root: 'ab', checkpoint: 'note' },
};
const parts: PartContent[] = [
  {
    table: 'tenants',
    columns: ['tenant_id', 'display_name'],
    lines: ['{"tenant_id": "acme", "display_name": "Ä\\n"}'],
  },
  { table: 'api_keys', columns: ['tenant_id', 'key_id'], lines: [] },
  {
    table: 'kg_sources',
    columns: ['tenant_id', 'content'],
    lines: ['{"content": "\\\\x00ff", "tenant_id": "acme"}', '{}'],
  },
];

test('an archive reads back as written: manifest, counts, digests and every line', () => {
  const file = writeArchive(header, parts, privateKey);
  const opened = openArchive(file, verifier, 10);
  assert.equal(opened.manifest.tenantId, 'acme');
  assert.deepEqual(
    opened.manifest.parts.map((p) => [p.table, p.rows]),
    [
      ['tenants', 1],
      ['api_keys', 0],
      ['kg_sources', 2],
    ],
  );
  for (const p of parts) assert.deepEqual(opened.parts.get(p.table), p.lines);
  assert.match(opened.sha256, /^[0-9a-f]{64}$/);
  // An older schema reads; a newer one does not.
  assert.equal(openArchive(file, verifier, 11).manifest.schemaVersion, 10);
  assert.throws(() => openArchive(file, verifier, 9), ArchiveTooNewError);
});

test('damage is refused by kind: gzip, layout, signature, digests, trailing bytes, format version', () => {
  const file = writeArchive(header, parts, privateKey);
  const raw = gunzipSync(file);
  assert.throws(() => openArchive(file.subarray(0, file.length - 5), verifier, 10), ArchiveInvalidError);
  assert.throws(() => openArchive(gzipSync(Buffer.concat([raw, Buffer.from('x')])), verifier, 10), ArchiveInvalidError);
  assert.throws(() => openArchive(gzipSync(raw.subarray(0, raw.length - 3)), verifier, 10), ArchiveInvalidError);
  const other = newEd25519Keys().publicKey;
  assert.throws(
    () => openArchive(file, { vkey: 'someone+1+2', publicKey: other }, 10),
    (e: unknown) => e instanceof ArchiveUntrustedError && /names the signer iris\.local\/ledger/.test(e.message),
  );
  const edited = Buffer.from(raw.toString('utf8').replace('"display_name": "Ä\\n"', '"display_name": "B\\n"'));
  assert.throws(
    () => openArchive(gzipSync(edited), verifier, 10),
    (e: unknown) => e instanceof ArchiveUntrustedError && e.code === 'archive_tampered',
  );
  const v2 = Buffer.from(raw.toString('utf8').replace('iris-tenant-archive/1\n', 'iris-tenant-archive/2\n'));
  assert.throws(() => openArchive(gzipSync(v2), verifier, 10), ArchiveTooNewError);
  assert.throws(() => openArchive(gzipSync('PK\u0003\u0004'), verifier, 10), /not an Iris tenant archive/);
});
