// Signed checkpoints: exact wire format, round trips, every way a note can be wrong, and
// interoperability with notes and keys made by the Go signed-note implementation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createPrivateKey, generateKeyPairSync, sign } from 'node:crypto';
import {
  checkpointBody,
  generateSigningKey,
  keyId,
  parseVerifierKey,
  privateKeyFromPem,
  privateKeyToPem,
  signCheckpoint,
  verifierKey,
  verifyCheckpoint,
} from './checkpoint.js';
import type { Checkpoint, CheckpointVerification } from './checkpoint.js';

const ORIGIN = 'iris.example/ledger/acme';
const NAME = 'iris.example/ledger/acme';
const ROOT = Buffer.from('5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328', 'hex');
const CHECKPOINT: Checkpoint = { origin: ORIGIN, size: 8, root: ROOT };
const KEYS = generateSigningKey();
const OTHER_KEYS = generateSigningKey();

// A real tree head of the Go checksum database and the public verifier key Go ships for it
// (cmd/go/internal/modfetch/key.go): a note signed by an independent implementation.
const SUMDB_VKEY = 'sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8';
const SUMDB_NOTE =
  'go.sum database tree\n65209736\n5+uGFjx6xBZG8ip1+wi77v+grwbhhukIrxEUS8PXvRo=\n\n' +
  '\u2014 sum.golang.org Az3grnbssgK7ubgFX36gVETtNv0U23qxyAhAMai2QUfeGa3nB/akvkMdlUErfcZz7l/' +
  'R3cVtYspg3dxXABkGZZKdsQ8=\n';
const SUMDB_NOTE_2 =
  'go.sum database tree\n31700353\nqINS1GRFhWHwdkUeqLEoP4yEMkTBBzxBkGwGQlVlVcs=\n\n' +
  '\u2014 sum.golang.org Az3grnmrIUEDFqHzAElIQCPNoRFRAAdFo47fooyWKMHb89k11GJh5zHIfNCOBmwn/' +
  'C3YI8oW9/C8DJ87F61QqspBYwM=\n';
// The example key pair of golang.org/x/mod/sumdb/note: its signer key holds 0x01 || seed.
const PETER_VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const PETER_SKEY = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
const PETER_NOTE =
  "If you think cryptography is the answer to your problem,\nthen you don't know what your " +
  'problem is.\n\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1F' +
  'FYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n';

function reasonOf(result: CheckpointVerification): string {
  return result.ok ? 'ok' : result.reason;
}

test('checkpointBody is origin, decimal size and base64 root, each on its own line', () => {
  assert.equal(
    checkpointBody(CHECKPOINT),
    'iris.example/ledger/acme\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n',
  );
  assert.equal(checkpointBody({ ...CHECKPOINT, size: 0 }).split('\n')[1], '0');
  for (const bad of [
    { ...CHECKPOINT, origin: '' },
    { ...CHECKPOINT, origin: 'two\nlines' },
    { ...CHECKPOINT, origin: 'tab\there' },
    { ...CHECKPOINT, size: -1 },
    { ...CHECKPOINT, size: 1.5 },
    { ...CHECKPOINT, size: 2 ** 53 },
    { ...CHECKPOINT, root: ROOT.subarray(1) },
  ]) {
    assert.throws(() => checkpointBody(bad), RangeError, JSON.stringify(bad.origin));
  }
});

test('keyId is the first 4 bytes of SHA-256(name || "\\n" || 0x01 || public key)', () => {
  const raw = Buffer.from(KEYS.publicKey.export({ format: 'jwk' }).x ?? '', 'base64url');
  const expected = createHash('sha256')
    .update(Buffer.concat([Buffer.from(`${NAME}\n`), Buffer.from([0x01]), raw]))
    .digest()
    .subarray(0, 4);
  assert.deepEqual(keyId(NAME, KEYS.publicKey), expected);
  assert.deepEqual(keyId(NAME, KEYS.privateKey), expected, 'a private key stands for its public half');
  assert.notDeepEqual(keyId('another-name', KEYS.publicKey), expected);
});

test('key ids and verifier keys match the Go signed-note implementation', () => {
  const sumdb = parseVerifierKey(SUMDB_VKEY);
  assert.equal(sumdb.name, 'sum.golang.org');
  assert.equal(keyId(sumdb.name, sumdb.publicKey).toString('hex'), '033de0ae');
  assert.equal(verifierKey(sumdb.name, sumdb.publicKey), SUMDB_VKEY);

  const peter = parseVerifierKey(PETER_VKEY);
  assert.equal(keyId('PeterNeumann', peter.publicKey).toString('hex'), 'c74f20a3');
  assert.equal(verifierKey(peter.name, peter.publicKey), PETER_VKEY);
});

test('real sum.golang.org checkpoints verify offline from the published verifier key', () => {
  const { name, publicKey } = parseVerifierKey(SUMDB_VKEY);
  const result = verifyCheckpoint(SUMDB_NOTE, name, publicKey);
  assert.equal(reasonOf(result), 'ok');
  assert.ok(result.ok);
  assert.equal(result.checkpoint.origin, 'go.sum database tree');
  assert.equal(result.checkpoint.size, 65209736);
  const root = result.checkpoint.root.toString('base64');
  assert.equal(root, '5+uGFjx6xBZG8ip1+wi77v+grwbhhukIrxEUS8PXvRo=');
  assert.equal(reasonOf(verifyCheckpoint(SUMDB_NOTE_2, name, publicKey)), 'ok');

  const edited = SUMDB_NOTE.replace('65209736', '65209737');
  assert.match(reasonOf(verifyCheckpoint(edited, name, publicKey)), /does not verify/);
});

test('a Go-signed note that is not a checkpoint passes the signature, then fails the body', () => {
  const { name, publicKey } = parseVerifierKey(PETER_VKEY);
  // The signature check comes first, so this reason proves the Go signature was accepted.
  assert.match(reasonOf(verifyCheckpoint(PETER_NOTE, name, publicKey)), /needs origin, size and root/);
  const edited = PETER_NOTE.replace('cryptography', 'cryptographY');
  assert.match(reasonOf(verifyCheckpoint(edited, name, publicKey)), /does not verify/);
});

test('the Go example signer key signs checkpoints its published verifier key accepts', () => {
  const seed = Buffer.from(PETER_SKEY.split('+').slice(4).join('+'), 'base64').subarray(1);
  const { publicKey } = parseVerifierKey(PETER_VKEY);
  const x = publicKey.export({ format: 'jwk' }).x;
  const privateKey = createPrivateKey({
    key: { kty: 'OKP', crv: 'Ed25519', d: seed.toString('base64url'), x },
    format: 'jwk',
  });
  const note = signCheckpoint(CHECKPOINT, 'PeterNeumann', privateKey);
  assert.match(note, /\n\n\u2014 PeterNeumann x08go/, 'the key id bytes c74f20a3 lead the signature');
  assert.equal(reasonOf(verifyCheckpoint(note, 'PeterNeumann', publicKey)), 'ok');
});

test('signCheckpoint writes a C2SP signed note that verifyCheckpoint opens', () => {
  const note = signCheckpoint(CHECKPOINT, NAME, KEYS.privateKey);
  const [body, signatureLine, ...rest] = note.split('\n\n');
  assert.equal(`${body ?? ''}\n`, checkpointBody(CHECKPOINT));
  assert.deepEqual(rest, []);
  const match = /^\u2014 (\S+) ([A-Za-z0-9+/]+=*)\n$/.exec(signatureLine ?? '');
  assert.ok(match, `signature line: ${JSON.stringify(signatureLine)}`);
  assert.equal(match[1], NAME);
  const blob = Buffer.from(match[2] ?? '', 'base64');
  assert.equal(blob.length, 4 + 64);
  assert.deepEqual(blob.subarray(0, 4), keyId(NAME, KEYS.publicKey));
  // Ed25519 is deterministic: the same checkpoint and key give the same note.
  assert.equal(signCheckpoint(CHECKPOINT, NAME, KEYS.privateKey), note);

  const result = verifyCheckpoint(note, NAME, KEYS.publicKey);
  assert.ok(result.ok, reasonOf(result));
  assert.equal(result.checkpoint.origin, ORIGIN);
  assert.equal(result.checkpoint.size, 8);
  assert.deepEqual(result.checkpoint.root, ROOT);
});

test('an edited body fails: origin, size, root or an added line', () => {
  const note = signCheckpoint(CHECKPOINT, NAME, KEYS.privateKey);
  const rootText = ROOT.toString('base64');
  const otherRoot = Buffer.from(ROOT).fill(7, 0, 1).toString('base64');
  const edits = [
    note.replace(ORIGIN, 'iris.example/ledger/other'),
    note.replace('\n8\n', '\n9\n'),
    note.replace('\n8\n', '\n80\n'),
    note.replace(rootText, otherRoot),
    note.replace(`${rootText}\n`, `${rootText}\nextra\n`),
  ];
  for (const edited of edits) {
    assert.notEqual(edited, note);
    assert.match(reasonOf(verifyCheckpoint(edited, NAME, KEYS.publicKey)), /does not verify/);
  }
});

test('the wrong key or the wrong name finds no signature', () => {
  const note = signCheckpoint(CHECKPOINT, NAME, KEYS.privateKey);
  assert.match(reasonOf(verifyCheckpoint(note, NAME, OTHER_KEYS.publicKey)), /no signature by/);
  const renamed = verifyCheckpoint(note, 'iris.example/other', KEYS.publicKey);
  assert.match(reasonOf(renamed), /no signature by/);
  const sumdb = parseVerifierKey(SUMDB_VKEY);
  assert.match(reasonOf(verifyCheckpoint(SUMDB_NOTE, sumdb.name, KEYS.publicKey)), /no signature by/);
});

test('a cosigned note verifies for each signer; a bad line under our key fails it', () => {
  const note = signCheckpoint(CHECKPOINT, NAME, KEYS.privateKey);
  const witnessLine = signCheckpoint(CHECKPOINT, 'witness.example', OTHER_KEYS.privateKey).split('\n\n')[1];
  const cosigned = note + (witnessLine ?? '');
  assert.equal(reasonOf(verifyCheckpoint(cosigned, NAME, KEYS.publicKey)), 'ok');
  assert.equal(reasonOf(verifyCheckpoint(cosigned, 'witness.example', OTHER_KEYS.publicKey)), 'ok');

  // Same name and key id, signature of some other text: refused although a good line exists.
  const id = keyId(NAME, KEYS.publicKey);
  const forged = sign(null, Buffer.from('something else\n'), KEYS.privateKey);
  const badLine = `\u2014 ${NAME} ${Buffer.concat([id, forged]).toString('base64')}\n`;
  assert.match(reasonOf(verifyCheckpoint(note + badLine, NAME, KEYS.publicKey)), /does not verify/);
});

test('extension lines are covered by the signature and otherwise ignored', () => {
  const body = `${checkpointBody(CHECKPOINT)}timestamp 1700000000\n`;
  const blob = Buffer.concat([keyId(NAME, KEYS.publicKey), sign(null, Buffer.from(body), KEYS.privateKey)]).toString(
    'base64',
  );
  const result = verifyCheckpoint(`${body}\n\u2014 ${NAME} ${blob}\n`, NAME, KEYS.publicKey);
  assert.ok(result.ok, reasonOf(result));
  assert.equal(result.checkpoint.size, 8);
});

test('malformed notes are refused with a reason, never an exception', () => {
  const note = signCheckpoint(CHECKPOINT, NAME, KEYS.privateKey);
  const signatureLine = note.split('\n\n')[1] ?? '';
  const cases: readonly [unknown, RegExp][] = [
    ['', /no blank line/],
    [checkpointBody(CHECKPOINT), /no blank line/],
    [note.slice(0, -1), /end with a newline/],
    [note.replace('\u2014', '-'), /malformed signature line/],
    [note.replace(`\u2014 ${NAME} `, `\u2014 ${NAME}  `), /malformed signature line/],
    [note.replace(/ [A-Za-z0-9+/=]+\n$/, ' not*base64\n'), /malformed signature line/],
    [note.replace(/ [A-Za-z0-9+/=]+\n$/, ' AAAA\n'), /malformed signature line/],
    [`${note}\n`, /no signature lines/],
    [note.replace('\n8\n', '\n08\n'), /does not verify/],
    [note.replace(ORIGIN, `${ORIGIN}\u0000`), /control characters/],
    [note.replace(ORIGIN, `${ORIGIN}\ud800`), /not valid Unicode/],
    [`${note}${signatureLine.repeat(100)}`, /too many signatures/],
    [42, /not a string/],
  ];
  for (const [input, reason] of cases) {
    const result = verifyCheckpoint(input as string, NAME, KEYS.publicKey);
    assert.match(reasonOf(result), reason, JSON.stringify(input));
  }
  // Unusable verifier keys are a refusal too.
  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey;
  assert.match(reasonOf(verifyCheckpoint(note, NAME, rsa)), /unusable verifier key/);
  assert.match(reasonOf(verifyCheckpoint(note, 'has space', KEYS.publicKey)), /unusable verifier key/);
});

test('a signed body that is not a checkpoint is refused after its signature checks', () => {
  const signNote = (body: string): string => {
    const blob = Buffer.concat([keyId(NAME, KEYS.publicKey), sign(null, Buffer.from(body), KEYS.privateKey)]).toString(
      'base64',
    );
    return `${body}\n\u2014 ${NAME} ${blob}\n`;
  };
  const root = ROOT.toString('base64');
  const cases: readonly [string, RegExp][] = [
    [`${ORIGIN}\n8\n`, /needs origin, size and root/],
    [`\n8\n${root}\n`, /origin is empty/],
    [`${ORIGIN}\n08\n${root}\n`, /size is not a decimal/],
    [`${ORIGIN}\n-1\n${root}\n`, /size is not a decimal/],
    [`${ORIGIN}\n9007199254740993\n${root}\n`, /size is too large/],
    [`${ORIGIN}\n8\n${root.slice(0, -4)}\n`, /root is not 32 bytes/],
    [`${ORIGIN}\n8\n${root.replace('=', '')}\n`, /root is not 32 bytes/],
    [`${ORIGIN}\n8\n${root}\nextension\n\nmore\n`, /empty extension line/],
  ];
  for (const [body, reason] of cases) {
    assert.match(reasonOf(verifyCheckpoint(signNote(body), NAME, KEYS.publicKey)), reason, body);
  }
});

test('verifierKey and parseVerifierKey round trip and verify offline from one string', () => {
  const vkey = verifierKey(NAME, KEYS.publicKey);
  const hash = keyId(NAME, KEYS.publicKey).toString('hex');
  assert.ok(vkey.startsWith(`${NAME}+${hash}+`));
  assert.equal(Buffer.from(vkey.slice(NAME.length + 10), 'base64')[0], 0x01);
  const parsed = parseVerifierKey(vkey);
  assert.equal(parsed.name, NAME);
  assert.equal(verifierKey(parsed.name, parsed.publicKey), vkey);
  const note = signCheckpoint(CHECKPOINT, NAME, KEYS.privateKey);
  assert.equal(reasonOf(verifyCheckpoint(note, parsed.name, parsed.publicKey)), 'ok');
});

test('parseVerifierKey refuses malformed or inconsistent keys', () => {
  const vkey = verifierKey(NAME, KEYS.publicKey);
  const [, hash = ''] = vkey.split('+');
  const encoded = vkey.slice(vkey.indexOf('+', NAME.length + 1) + 1);
  const typed = Buffer.from(encoded, 'base64');
  const withType = (type: number): string => Buffer.concat([Buffer.from([type]), typed.subarray(1)]).toString('base64');
  const bad = [
    '',
    NAME,
    `${NAME}+${hash}`,
    `+${hash}+${encoded}`,
    `has space+${hash}+${encoded}`,
    PETER_VKEY.replace('c74f20a3', 'C74F20A3'),
    `${NAME}+00000000+${encoded}`,
    `other+${hash}+${encoded}`,
    `${NAME}+${hash}+${withType(0x02)}`,
    `${NAME}+${hash}+${typed.subarray(0, 32).toString('base64')}`,
    `${NAME}+${hash}+${encoded.slice(0, -1)}`,
    verifierKey(NAME, OTHER_KEYS.publicKey).replace(/\+[0-9a-f]{8}\+/, `+${hash}+`),
  ];
  for (const candidate of bad) {
    assert.throws(() => parseVerifierKey(candidate), Error, candidate);
  }
});

test('signing refuses unusable names and keys', () => {
  for (const name of ['', 'has space', 'has+plus', 'new\nline', 'tab\t']) {
    assert.throws(() => signCheckpoint(CHECKPOINT, name, KEYS.privateKey), RangeError, name);
    assert.throws(() => verifierKey(name, KEYS.publicKey), RangeError, name);
  }
  assert.throws(() => signCheckpoint(CHECKPOINT, NAME, KEYS.publicKey), TypeError);
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  assert.throws(() => signCheckpoint(CHECKPOINT, NAME, ec.privateKey), TypeError);
  assert.throws(() => verifierKey(NAME, ec.publicKey), TypeError);
});

test('private keys survive a PEM round trip; other key types are refused', () => {
  const pem = privateKeyToPem(KEYS.privateKey);
  assert.match(pem, /^-----BEGIN PRIVATE KEY-----\n/);
  const loaded = privateKeyFromPem(pem);
  assert.equal(signCheckpoint(CHECKPOINT, NAME, loaded), signCheckpoint(CHECKPOINT, NAME, KEYS.privateKey));
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  assert.throws(() => privateKeyFromPem(privateKeyToPem(ec.privateKey)), TypeError);
  assert.throws(() => privateKeyFromPem('not a pem'));
});

test('generateSigningKey makes distinct Ed25519 pairs', () => {
  assert.equal(KEYS.privateKey.asymmetricKeyType, 'ed25519');
  assert.equal(KEYS.publicKey.type, 'public');
  assert.notEqual(verifierKey(NAME, KEYS.publicKey), verifierKey(NAME, OTHER_KEYS.publicKey));
});
