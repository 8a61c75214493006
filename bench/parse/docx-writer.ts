// Writes a small DOCX (WordprocessingML in a ZIP) from the same light markup as pdf-writer:
// `# `/`## ` headings (Word's built-in heading styles), ` | ` table rows (first row = header),
// `- ` list paragraphs and plain paragraphs. Generated from committed text, never hand-made.
import { writeZip } from './zip-writer.js';

const W = 'http://schemas.openxmlformats.org/wordprocessingml/2006/main';

const escapeXml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const run = (text: string, bold = false): string =>
  `<w:r>${bold ? '<w:rPr><w:b/></w:rPr>' : ''}<w:t xml:space="preserve">${escapeXml(text)}</w:t></w:r>`;
const paragraph = (text: string, style?: string, bold = false): string =>
  `<w:p>${style === undefined ? '' : `<w:pPr><w:pStyle w:val="${style}"/></w:pPr>`}${run(text, bold)}</w:p>`;

function table(rows: readonly string[][]): string {
  const body = rows
    .map(
      (cells, r) =>
        `<w:tr>${cells.map((c) => `<w:tc><w:tcPr><w:tcW w:w="2400" w:type="dxa"/></w:tcPr>${paragraph(c, undefined, r === 0)}</w:tc>`).join('')}</w:tr>`,
    )
    .join('');
  return `<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="0" w:type="auto"/></w:tblPr>${body}</w:tbl>`;
}

function body(markup: string): string {
  const out: string[] = [];
  const lines = markup.replace(/\r\n?/g, '\n').split('\n');
  let para: string[] = [];
  const flush = (): void => {
    if (para.length > 0) out.push(paragraph(para.join(' ')));
    para = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').trim();
    const heading = /^(#{1,3}) (.*)$/.exec(line);
    if (line === '') flush();
    else if (heading) {
      flush();
      out.push(paragraph(heading[2] ?? '', `Heading${heading[1]?.length ?? 1}`));
    } else if (line.startsWith('- ')) {
      flush();
      out.push(paragraph(line.slice(2), 'ListParagraph'));
    } else if (line.includes(' | ')) {
      flush();
      const rows: string[][] = [];
      while (i < lines.length && (lines[i] ?? '').includes(' | '))
        rows.push((lines[i++] ?? '').split(' | ').map((c) => c.trim()));
      i--;
      out.push(table(rows));
    } else para.push(line);
  }
  flush();
  return out.join('');
}

const STYLES = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles xmlns:w="${W}">
<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/></w:style>
${[1, 2, 3].map((n) => `<w:style w:type="paragraph" w:styleId="Heading${n}"><w:name w:val="heading ${n}"/><w:basedOn w:val="Normal"/></w:style>`).join('\n')}
<w:style w:type="paragraph" w:styleId="ListParagraph"><w:name w:val="List Paragraph"/><w:basedOn w:val="Normal"/></w:style>
<w:style w:type="table" w:styleId="TableGrid"><w:name w:val="Table Grid"/></w:style>
</w:styles>`;

/** The DOCX bytes for `markup`. */
export function writeDocx(markup: string): Uint8Array {
  return writeZip(
    new Map([
      [
        '[Content_Types].xml',
        `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/></Types>`,
      ],
      [
        '_rels/.rels',
        `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`,
      ],
      [
        'word/_rels/document.xml.rels',
        `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>`,
      ],
      ['word/styles.xml', STYLES],
      [
        'word/document.xml',
        `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="${W}"><w:body>${body(markup)}<w:sectPr/></w:body></w:document>`,
      ],
    ]),
  );
}
