// Hostile documents, generated in the tests (never committed): a DOCX zip bomb, a YAML alias
// bomb, Markdown and HTML nested thousands deep, Markdown built to make the parser quadratic,
// a PDF claiming a huge page count, and binary data. Each is small on disk and enormous (or
// very slow) once parsed naively.
import { constants, crc32, deflateRawSync } from 'node:zlib';
import { writeDocx } from '../../bench/parse/docx-writer.js';

const W = 'http://schemas.openxmlformats.org/wordprocessingml/2006/main';

/**
 * Deflates `prefix + unit * n + suffix` without holding it in memory: each piece is compressed
 * on its own (a sync flush ends it on a byte boundary) and the pieces are concatenated, the
 * repeated piece's bytes reused; an empty final block ends the stream.
 */
function repeatedDeflate(
  prefix: string,
  unit: string,
  bytes: number,
  suffix: string,
): { data: Buffer; size: number; crc: number } {
  const chunk = Buffer.from(unit.repeat(Math.max(1, Math.floor((1024 * 1024) / unit.length))));
  const n = Math.max(1, Math.ceil(bytes / chunk.length));
  const flush = { finishFlush: constants.Z_SYNC_FLUSH };
  const head = Buffer.from(prefix);
  const tail = Buffer.from(suffix);
  let crc = crc32(head);
  for (let i = 0; i < n; i++) crc = crc32(chunk, crc);
  crc = crc32(tail, crc);
  const block = deflateRawSync(chunk, flush);
  const data = Buffer.concat([
    deflateRawSync(head, flush),
    ...Array.from({ length: n }, () => block),
    deflateRawSync(tail, flush),
    Buffer.from([0x03, 0x00]),
  ]);
  return { data, size: head.length + n * chunk.length + tail.length, crc };
}

/** A ZIP of already compressed entries (name -> deflated data, size, crc). */
function zipOf(entries: readonly { name: string; data: Buffer; size: number; crc: number }[]): Uint8Array {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(e.crc >>> 0, 14);
    local.writeUInt32LE(e.data.length, 18);
    local.writeUInt32LE(e.size, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(e.crc >>> 0, 16);
    central.writeUInt32LE(e.data.length, 20);
    central.writeUInt32LE(e.size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, e.data);
    centrals.push(central, name);
    offset += 30 + name.length + e.data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return new Uint8Array(Buffer.concat([...locals, directory, end]));
}

const small = (name: string, text: string): { name: string; data: Buffer; size: number; crc: number } => {
  const raw = Buffer.from(text);
  return { name, data: deflateRawSync(raw), size: raw.length, crc: crc32(raw) };
};

/**
 * A valid DOCX whose word/document.xml is `megabytes` MiB of paragraphs (about 1,000-fold
 * compression: 400 MiB packs into well under 1 MB). With `lie`, the directory declares the
 * document 1 KiB long, so only inflating it shows its size.
 */
export function zipBombDocx(megabytes: number, options: { lie?: boolean } = {}): Uint8Array {
  const body = repeatedDeflate(
    `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="${W}"><w:body>`,
    '<w:p><w:r><w:t>lol</w:t></w:r></w:p>',
    megabytes * 1024 * 1024,
    '<w:sectPr/></w:body></w:document>',
  );
  const doc = { name: 'word/document.xml', ...body, size: options.lie === true ? 1024 : body.size };
  return zipOf([
    small(
      '[Content_Types].xml',
      `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`,
    ),
    small(
      '_rels/.rels',
      `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`,
    ),
    doc,
  ]);
}

/** A normal DOCX, to show a parser still works after refusing a bomb. */
export const normalDocx = (): Uint8Array =>
  writeDocx('# Fleet report\n\nname | type | location\nTruck 17 | vehicle | Tacoma\n');

/** The YAML "billion laughs": nine levels of nine aliases, 342 bytes that expand to 9^9 strings. */
export function billionLaughs(): string {
  const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  const names = 'abcdefghi';
  for (let i = 1; i < names.length; i++) {
    const prev = `*${names[i - 1] ?? ''}`;
    lines.push(`${names[i] ?? ''}: &${names[i] ?? ''} [${Array.from({ length: 9 }, () => prev).join(',')}]`);
  }
  return `${lines.join('\n')}\n`;
}

/** Repeats `unit` to about `kilobytes` KiB. */
export const repeatTo = (unit: string, kilobytes: number): string =>
  unit.repeat(Math.ceil((kilobytes * 1024) / unit.length));

/** Block quotes nested one level deeper per line, about `kilobytes` KiB (210 KB took over 30 s of CPU). */
export function nestedQuotes(kilobytes: number): string {
  const lines: string[] = [];
  let size = 0;
  for (let depth = 1; size < kilobytes * 1024; depth++) {
    const line = `${'>'.repeat(depth)} level ${depth}`;
    lines.push(line);
    size += line.length + 1;
  }
  return lines.join('\n');
}

/** Lists nested one level deeper per line (by indentation). */
export function nestedLists(kilobytes: number): string {
  const lines: string[] = [];
  let size = 0;
  for (let depth = 0; size < kilobytes * 1024; depth++) {
    const line = `${'  '.repeat(depth)}- item ${depth}`;
    lines.push(line);
    size += line.length + 1;
  }
  return lines.join('\n');
}

/** `<div>`s nested to about `kilobytes` KiB (1.1 MB took over 30 s of CPU). */
export const nestedDivs = (kilobytes: number): string => {
  const n = Math.ceil((kilobytes * 1024) / 11);
  return `<html><body>${'<div>'.repeat(n)}deep${'</div>'.repeat(n)}</body></html>`;
};

/** A PDF whose page tree claims `pages` pages (each a tiny empty page object, shared). */
export function manyPagesPdf(pages: number): Uint8Array {
  const objects: string[] = [];
  objects.push('<< /Type /Catalog /Pages 2 0 R >>');
  const kids = Array.from({ length: pages }, () => '3 0 R').join(' ');
  objects.push(`<< /Type /Pages /Kids [${kids}] /Count ${pages} >>`);
  objects.push('<< /Type /Page /Parent 2 0 R /MediaBox [0 0 10 10] >>');
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return new TextEncoder().encode(out);
}

/** Deterministic binary noise with NUL bytes (what a compiled file or an image body looks like). */
export function binaryBlob(bytes: number): Uint8Array {
  const out = new Uint8Array(bytes);
  let x = 0x2545f491;
  for (let i = 0; i < bytes; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}
