// The HTML scan: sloppy real markup (unclosed <p>, <li>, cells) measures as shallow as a browser
// builds it; nesting measures deep however it is written, including the ways markup can hide
// from a careless scanner (quotes, comments, elements an end tag cannot close, foreign content).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { scanHtml } from './html-scan.js';
import { DEFAULT_PARSE_BUDGET, parseBudget } from './parse-budget.js';

const unbounded = parseBudget({ htmlDepth: Number.MAX_SAFE_INTEGER, nodes: Number.MAX_SAFE_INTEGER });
const depthOf = (source: string): number => scanHtml('t.html', source, unbounded).depth;

test('well-formed and sloppy markup measure as deep as browsers build them', () => {
  assert.equal(depthOf('<html><body><div><p>a</p></div></body></html>'), 2 + 4);
  assert.ok(depthOf(`<body>${'<p>para'.repeat(2000)}`) <= 4);
  assert.ok(depthOf(`<ul>${'<li>item <b>x</b>'.repeat(2000)}</ul>`) <= 5);
  assert.ok(depthOf(`<table>${'<tr><td>a<td>b'.repeat(2000)}</table>`) <= 5);
  assert.ok(depthOf(`<select>${'<option>x'.repeat(2000)}</select>`) <= 4);
  assert.ok(depthOf(`<div>${'<img src=x><br><input>'.repeat(2000)}</div>`) <= 3);
  assert.ok(depthOf(`<script>${'<div>'.repeat(2000)}</script><p>x`) <= 3);
  assert.ok(depthOf(`<!-- ${'<div>'.repeat(2000)} -->`) <= 2);
});

test('nesting measures deep however it is written', () => {
  const n = 2000;
  const shapes = {
    divs: '<div>'.repeat(n),
    unclosedInline: '<b>'.repeat(n),
    endTagBlockedBySpecial: '<span><div></span>'.repeat(n),
    liInsideSection: `<ul>${'<li><section>'.repeat(n)}`,
    optionUnderInline: '<option><b>'.repeat(n),
    tableTagsInSvg: `<table><tr><td><svg>${'<tr>'.repeat(n)}`,
    unquotedSlashInSvg: `<svg>${'<g a=b/>'.repeat(n)}`,
    quoteOutsideValue: `<div x=a">${'<div>'.repeat(n)}">`,
    quoteInTagName: `<a="${'<div>'.repeat(n)}">`,
    abruptComment: `<!-->${'<div>'.repeat(n)}-->`,
    bangComment: `<!-- x --!>${'<div>'.repeat(n)}-->`,
    selfClosingHtml: '<div/>'.repeat(n),
  };
  for (const [what, source] of Object.entries(shapes)) assert.ok(depthOf(source) >= n, `${what}: ${depthOf(source)}`);
});

test('too deep or too many elements is refused with the budget named', () => {
  assert.throws(() => scanHtml('d.html', '<div>'.repeat(300), DEFAULT_PARSE_BUDGET), {
    code: 'document_over_budget',
    limit: 'htmlDepth',
    message: /d\.html nests HTML elements more than 256 deep/,
  });
  assert.throws(() => scanHtml('n.html', '<br>'.repeat(101), parseBudget({ nodes: 100 })), {
    code: 'document_over_budget',
    limit: 'nodes',
  });
});
