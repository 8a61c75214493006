// What a submitted file really is, before anything parses it: a listed extension, and bytes that
// agree with it. PDF and DOCX are the binary formats Iris reads (by their magic numbers); every
// other format is text, and text has no NUL bytes, little invalid UTF-8 and few control
// characters. Binary data (images, archives, executables) and unlisted extensions are refused
// with a reason instead of being read as text (a binary file once gave 191 chunks of garbage).
import type { DocumentFormat } from './document-model.js';
import { UnsupportedDocumentError } from './parse-budget.js';

/** Bytes examined: enough to judge, cheap for a 20 MB file. */
const SAMPLE_BYTES = 64 * 1024;
/** Text may hold a little invalid UTF-8 (a Latin-1 name) and a few control characters, not more. */
const MAX_INVALID_UTF8 = 0.02;
const MAX_CONTROL = 0.02;

const PDF = [0x25, 0x50, 0x44, 0x46, 0x2d]; // %PDF-
const ZIP = [0x50, 0x4b, 0x03, 0x04]; // PK\x03\x04

/** Signatures of common binary formats, to name what a refused file looks like. */
const BINARY_MAGIC: readonly { readonly name: string; readonly magic: readonly number[]; readonly at?: number }[] = [
  { name: 'a PNG image', magic: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] },
  { name: 'a JPEG image', magic: [0xff, 0xd8, 0xff] },
  { name: 'a GIF image', magic: [0x47, 0x49, 0x46, 0x38] },
  { name: 'a WebP image or RIFF media', magic: [0x52, 0x49, 0x46, 0x46] },
  { name: 'a TIFF image', magic: [0x49, 0x49, 0x2a, 0x00] },
  { name: 'a TIFF image', magic: [0x4d, 0x4d, 0x00, 0x2a] },
  { name: 'an MP4/QuickTime file', magic: [0x66, 0x74, 0x79, 0x70], at: 4 },
  { name: 'an MP3 file', magic: [0x49, 0x44, 0x33] },
  { name: 'an Ogg file', magic: [0x4f, 0x67, 0x67, 0x53] },
  { name: 'a ZIP archive', magic: ZIP },
  { name: 'a gzip archive', magic: [0x1f, 0x8b] },
  { name: 'a bzip2 archive', magic: [0x42, 0x5a, 0x68] },
  { name: 'an xz archive', magic: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00] },
  { name: 'a zstd archive', magic: [0x28, 0xb5, 0x2f, 0xfd] },
  { name: 'a 7-Zip archive', magic: [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c] },
  { name: 'a RAR archive', magic: [0x52, 0x61, 0x72, 0x21, 0x1a, 0x07] },
  { name: 'an ELF executable', magic: [0x7f, 0x45, 0x4c, 0x46] },
  { name: 'a Windows executable', magic: [0x4d, 0x5a] },
  { name: 'a Mach-O executable', magic: [0xcf, 0xfa, 0xed, 0xfe] },
  { name: 'a Java class file', magic: [0xca, 0xfe, 0xba, 0xbe] },
  { name: 'a WebAssembly module', magic: [0x00, 0x61, 0x73, 0x6d] },
  { name: 'an SQLite database', magic: [0x53, 0x51, 0x4c, 0x69, 0x74, 0x65, 0x20, 0x66] },
  { name: 'an OLE2 file (legacy .doc/.xls/.ppt)', magic: [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1] },
  { name: 'a PDF', magic: PDF },
];

const startsWith = (bytes: Uint8Array, magic: readonly number[], at = 0): boolean =>
  bytes.byteLength >= at + magic.length && magic.every((b, i) => bytes[at + i] === b);

/** The binary format `bytes` start like, if any. */
export function binarySignature(bytes: Uint8Array): string | undefined {
  return BINARY_MAGIC.find((m) => startsWith(bytes, m.magic, m.at))?.name;
}

export const isPdf = (bytes: Uint8Array): boolean => startsWith(bytes, PDF);
export const isZip = (bytes: Uint8Array): boolean => startsWith(bytes, ZIP);

/**
 * Why `bytes` are not text, or undefined when they are: NUL bytes, more than 2% invalid UTF-8,
 * or more than 2% control characters other than tab, line breaks and form feed.
 */
export function notTextReason(bytes: Uint8Array): string | undefined {
  const sample = bytes.subarray(0, SAMPLE_BYTES);
  if (startsWith(sample, [0xff, 0xfe]) || startsWith(sample, [0xfe, 0xff])) return 'it is UTF-16; send UTF-8';
  if (sample.includes(0)) return 'it contains NUL bytes';
  // NOTE: a cut at the sample's end may split a character; drop that partial sequence.
  const text = new TextDecoder('utf-8').decode(
    sample.byteLength < bytes.byteLength ? sample.subarray(0, sample.byteLength - 4) : sample,
  );
  let invalid = 0;
  let control = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0xfffd) invalid++;
    else if ((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d && c !== 0x0c) || c === 0x7f) control++;
  }
  const n = Math.max(1, text.length);
  if (invalid / n > MAX_INVALID_UTF8) return `${Math.round((invalid / n) * 100)}% of it is not valid UTF-8`;
  if (control / n > MAX_CONTROL) return `${Math.round((control / n) * 100)}% of it is control characters`;
  return undefined;
}

/**
 * Checks that `bytes` can be a document of `format` (picked from `name`); throws
 * UnsupportedDocumentError (415) saying why not. `format` undefined means the name's extension
 * is not one Iris reads.
 */
export function assertDocumentContent(
  name: string,
  bytes: Uint8Array,
  format: DocumentFormat | undefined,
  extension: string | undefined,
): void {
  const looksLike = binarySignature(bytes);
  if (format === undefined) {
    throw new UnsupportedDocumentError(
      `${name}: '.${extension ?? ''}' is not a format Iris reads${looksLike ? ` (the content looks like ${looksLike})` : ''}; send .md, .html, .txt, .csv, .tsv, .json, .yaml, .pdf or .docx`,
      { extension },
    );
  }
  switch (format) {
    case 'pdf':
      if (!isPdf(bytes))
        throw new UnsupportedDocumentError(
          `${name} is named as a PDF but does not start with %PDF-${looksLike ? ` (it looks like ${looksLike})` : ''}`,
          { format },
        );
      return;
    case 'docx':
      if (!isZip(bytes))
        throw new UnsupportedDocumentError(
          `${name} is named as a DOCX but is not a ZIP package${looksLike ? ` (it looks like ${looksLike})` : ''}`,
          { format },
        );
      return;
    case 'markdown':
    case 'html':
    case 'text':
    case 'csv':
    case 'tsv':
    case 'json':
    case 'yaml': {
      // A recognised binary signature with binary content: name the format. Text that merely
      // starts like one (a file beginning "MZ" or "BZh") passes the text test below.
      const reason = notTextReason(bytes);
      if (reason !== undefined)
        throw new UnsupportedDocumentError(
          `${name} is not text (${looksLike ? `it looks like ${looksLike}; ` : ''}${reason}); binary formats Iris reads are PDF and DOCX`,
          { format },
        );
      return;
    }
    default: {
      const never: never = format;
      throw new UnsupportedDocumentError(`unknown format ${String(never)}`);
    }
  }
}
