// Content sniffing at the door: text formats must be text, PDF and DOCX must carry their magic
// numbers, unlisted extensions are refused, and every refusal says why.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertIngestible } from './parse-document.js';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const noise = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 7919 + 13) % 256);
const PNG = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);

test('text, a PDF and a ZIP named as what they are pass, and report their format', () => {
  assert.equal(assertIngestible('notes.md', bytes('# Title\n\nCafé crème, naïve — fine UTF-8.\n')), 'markdown');
  assert.equal(assertIngestible('README', bytes('no extension, plain words\n')), 'text');
  assert.equal(assertIngestible('release-1.2', bytes('a numeric suffix is no extension\n')), 'text');
  assert.equal(assertIngestible('r.pdf', bytes('%PDF-1.7\n...')), 'pdf');
  assert.equal(assertIngestible('r.docx', bytes('PK\u0003\u0004...')), 'docx');
  // A Latin-1 name in otherwise ASCII text is a little invalid UTF-8, not binary.
  assert.equal(
    assertIngestible(
      'l.txt',
      Uint8Array.from([...bytes('Jos'), 0xe9, ...bytes(' works in the Payments Team and owns the ledger service.\n')]),
    ),
    'text',
  );
});

test('binary data is refused with a reason, named when its signature is known', () => {
  assert.throws(() => assertIngestible('data.txt', noise(4096)), {
    code: 'unsupported_document',
    status: 415,
    message: /data\.txt is not text \(.*(NUL bytes|not valid UTF-8|control characters)/,
  });
  assert.throws(() => assertIngestible('image.md', PNG), {
    code: 'unsupported_document',
    message: /image\.md is not text \(it looks like a PNG image; it contains NUL bytes\)/,
  });
  assert.throws(() => assertIngestible('blob', noise(4096)), {
    code: 'unsupported_document',
    message: /blob is not text/,
  });
  assert.throws(() => assertIngestible('u16.txt', Uint8Array.from([0xff, 0xfe, 0x41, 0x00])), {
    message: /UTF-16; send UTF-8/,
  });
});

test('an unlisted extension is refused, and a PDF or DOCX that is something else', () => {
  assert.throws(() => assertIngestible('tool.exe', bytes('MZ\u0090\u0000')), {
    code: 'unsupported_document',
    message: /'\.exe' is not a format Iris reads \(the content looks like a Windows executable\)/,
  });
  assert.throws(() => assertIngestible('notes.rst', bytes('Title\n=====\n')), {
    code: 'unsupported_document',
    message: /'\.rst' is not a format Iris reads/,
  });
  assert.throws(() => assertIngestible('scan.pdf', PNG), {
    message: /scan\.pdf is named as a PDF but does not start with %PDF- \(it looks like a PNG image\)/,
  });
  assert.throws(() => assertIngestible('memo.docx', bytes('just text')), {
    message: /memo\.docx is named as a DOCX but is not a ZIP package/,
  });
});
