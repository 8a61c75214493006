// The Markdown scan: nesting is measured per line, inline work per paragraph; real shapes (big
// tables, long link lists, many paragraphs, code) measure small, and the shapes that made the
// parser blow up measure large, including when split so that only a careless reading of
// CommonMark would see several paragraphs where the parser sees one.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { scanMarkdown } from './markdown-scan.js';
import { DEFAULT_PARSE_BUDGET, parseBudget } from './parse-budget.js';

const unbounded = parseBudget({ depth: Number.MAX_SAFE_INTEGER, inlineWork: Number.MAX_SAFE_INTEGER });
const measure = (source: string): { depth: number; inlineWork: number } => scanMarkdown('t.md', source, unbounded);
const lines = (n: number, line: (i: number) => string): string =>
  Array.from({ length: n }, (_, i) => line(i)).join('\n');

test('nesting counts block quotes, list markers and list indentation', () => {
  assert.equal(measure('plain\n').depth, 0);
  assert.equal(measure('> > > quoted\n').depth, 3);
  assert.equal(measure('- a\n  - b\n    - c\n').depth, 3);
  assert.equal(measure('> - > 1. x\n').depth, 4);
  assert.equal(measure(lines(300, (i) => `${'  '.repeat(i)}- item`)).depth, 300);
});

test('deep nesting is refused with the depth budget named', () => {
  const quotes = lines(600, (i) => `${'>'.repeat(i + 1)} level`);
  assert.throws(() => scanMarkdown('q.md', quotes, DEFAULT_PARSE_BUDGET), {
    code: 'document_over_budget',
    limit: 'depth',
    message: /q\.md nests Markdown block quotes and lists more than 64 deep/,
  });
  assert.throws(() => scanMarkdown('l.md', `${'- '.repeat(2000)}x`, DEFAULT_PARSE_BUDGET), { limit: 'depth' });
});

test('real shapes measure far below the inline budget', () => {
  const table = `| Name | Type | Owner |\n|---|---|---|\n${lines(5000, (i) => `| svc_${i} [x] | service | team_${i % 50} |`)}\n`;
  const links = lines(5000, (i) => `- [Item ${i}](https://example.com/${i}) - a short *description* of item ${i}.`);
  const paragraphs = lines(2000, (i) => `Paragraph ${i} with *emphasis*, a [link](http://x.y/${i}) and words.\n`);
  const code = `\`\`\`js\n${lines(3000, (i) => `const a_${i} = [b[${i}], c * d_${i}];`)}\n\`\`\`\n`;
  for (const [what, source] of [
    ['table', table],
    ['links', links],
    ['paragraphs', paragraphs],
    ['code', code],
  ] as const) {
    assert.ok(
      measure(source).inlineWork < DEFAULT_PARSE_BUDGET.inlineWork / 20,
      `${what}: ${measure(source).inlineWork}`,
    );
  }
});

test('paragraphs that make the parser quadratic are refused with the inlineWork budget named', () => {
  for (const unit of ['[a]', 'a*', '](a ', '*a **a ']) {
    const source = unit.repeat(Math.ceil(100_000 / unit.length));
    assert.throws(
      () => scanMarkdown('p.md', source, DEFAULT_PARSE_BUDGET),
      { code: 'document_over_budget', limit: 'inlineWork' },
      unit,
    );
  }
});

test('lines that continue one paragraph are measured as one, however they are dressed', () => {
  const one = measure('[a]'.repeat(20_000)).inlineWork;
  // Each of these is a single paragraph to CommonMark: an ordered marker other than 1 cannot
  // interrupt a paragraph, "**" is text, a pipe row without a matching delimiter row is no table,
  // an indented marker is a continuation line, a fence in a list item ends with the item.
  const dressed = {
    lazyOrdered: `x\n${lines(5000, () => '2. [a][a][a][a]')}`,
    stars: lines(5000, (i) => (i % 2 === 0 ? '[a][a][a][a][a][a][a][a]' : '**')),
    notATable: `|a|b|\n|-|\n${lines(5000, () => '|[a][a][a][a]|')}`,
    indentedMarkers: `1.   x\n${lines(5000, () => '    - [a][a][a][a]')}`,
    fenceInItem: `- a\n  \`\`\`\n${lines(5000, () => '[a][a][a][a]')}`,
  };
  for (const [what, source] of Object.entries(dressed)) {
    assert.ok(measure(source).inlineWork > one / 4, `${what}: ${measure(source).inlineWork} vs ${one}`);
  }
});

test('a real table, a real list and a top-level fence split the work', () => {
  const rows = lines(5000, () => '| [a][a][a][a] | b |');
  assert.ok(measure(`| x | y |\n|---|---|\n${rows}`).inlineWork < measure(rows).inlineWork / 100);
  const items = lines(5000, () => '- [a][a][a][a]');
  assert.ok(measure(items).inlineWork < 1_000_000);
  const fenced = `\`\`\`\n${lines(5000, () => '[a][a][a][a]')}\n\`\`\`\n`;
  assert.equal(measure(fenced).inlineWork, 0);
});
