// Writes a small text PDF (PDF 1.4, standard Helvetica fonts, no embedded fonts) from a light
// markup, so the benchmark's and tests' PDF fixtures are generated from committed text rather
// than hand-made blobs. Markup: `# ` heading lines, ` | `-separated table rows (laid out in
// columns), blank lines between paragraphs, other lines wrapped as paragraph text.

const PAGE = { width: 595, height: 842, margin: 56 } as const;
const BODY = 10;
const HEADING = 15;
const LEADING = 1.35;
/** Average Helvetica glyph width as a fraction of the font size (for wrapping and columns). */
const GLYPH = 0.52;

interface Run {
  readonly text: string;
  readonly x: number;
  readonly size: number;
  readonly bold: boolean;
}
/** One printed line: its runs, and how far below the previous line it sits. */
interface Line {
  readonly runs: readonly Run[];
  readonly advance: number;
}

function wrap(text: string, size: number): string[] {
  const perLine = Math.floor((PAGE.width - 2 * PAGE.margin) / (size * GLYPH));
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line !== '' && line.length + 1 + word.length > perLine) {
      out.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') out.push(line);
  return out;
}

/** Lays out the markup as lines of runs. */
function layout(markup: string): Line[] {
  const lines: Line[] = [];
  let gap = 0;
  const source = markup.replace(/\r\n?/g, '\n').split('\n');
  for (let i = 0; i < source.length; i++) {
    const raw = (source[i] ?? '').trim();
    if (raw === '') {
      gap = BODY;
      continue;
    }
    if (raw.startsWith('# ')) {
      lines.push({
        runs: [{ text: raw.slice(2), x: PAGE.margin, size: HEADING, bold: true }],
        advance: HEADING * LEADING + gap + 6,
      });
      gap = 4;
      continue;
    }
    if (raw.includes(' | ')) {
      // A table: this row and the following ones, columns as wide as their widest cell.
      const rows: string[][] = [];
      while (i < source.length && (source[i] ?? '').includes(' | '))
        rows.push((source[i++] ?? '').split(' | ').map((c) => c.trim()));
      i--;
      const widths = rows.reduce<number[]>((w, r) => r.map((c, k) => Math.max(w[k] ?? 0, c.length)), []);
      rows.forEach((row, r) => {
        let x = PAGE.margin;
        const runs = row.map((cell, k) => {
          const run = { text: cell, x, size: BODY, bold: r === 0 };
          x += ((widths[k] ?? 0) + 4) * BODY * GLYPH;
          return run;
        });
        lines.push({ runs: runs.filter((run) => run.text !== ''), advance: BODY * LEADING + (r === 0 ? gap : 0) });
      });
      gap = 0;
      continue;
    }
    wrap(raw, BODY).forEach((text, k) =>
      lines.push({
        runs: [{ text, x: PAGE.margin, size: BODY, bold: false }],
        advance: BODY * LEADING + (k === 0 ? gap : 0),
      }),
    );
    gap = 0;
  }
  return lines;
}

/** A PDF string literal in WinAnsi (Latin-1); other characters become '?'. */
function pdfString(text: string): string {
  let out = '';
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 63;
    const c = code > 255 ? '?' : ch;
    out += c === '(' || c === ')' || c === '\\' ? `\\${c}` : c;
  }
  return `(${out})`;
}

/** The PDF bytes for `markup`, paginated. */
export function writePdf(markup: string): Uint8Array {
  const pages: string[] = [];
  let ops: string[] = [];
  let y = PAGE.height - PAGE.margin;
  for (const line of layout(markup)) {
    if (y - line.advance < PAGE.margin) {
      pages.push(ops.join('\n'));
      ops = [];
      y = PAGE.height - PAGE.margin;
    }
    y -= line.advance;
    for (const run of line.runs)
      ops.push(
        `BT /${run.bold ? 'F2' : 'F1'} ${run.size} Tf ${run.x.toFixed(2)} ${y.toFixed(2)} Td ${pdfString(run.text)} Tj ET`,
      );
  }
  pages.push(ops.join('\n'));

  const objects: string[] = [];
  const add = (body: string): number => objects.push(body);
  add('<< /Type /Catalog /Pages 2 0 R >>');
  add('PAGES');
  add('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>');
  add('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>');
  const kids: number[] = [];
  for (const content of pages) {
    const stream = add(`<< /Length ${Buffer.byteLength(content, 'latin1')} >>\nstream\n${content}\nendstream`);
    kids.push(
      add(
        `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${PAGE.width} ${PAGE.height}] /Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents ${stream} 0 R >>`,
      ),
    );
  }
  objects[1] = `<< /Type /Pages /Kids [${kids.map((k) => `${k} 0 R`).join(' ')}] /Count ${kids.length} >>`;

  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(Buffer.byteLength(out, 'latin1'));
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = Buffer.byteLength(out, 'latin1');
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return new Uint8Array(Buffer.from(out, 'latin1'));
}
