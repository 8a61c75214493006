// Unit tests of the graph export: GraphML escaping and nodes for bare relation ends.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderGraphMl } from './graph-export.js';

test('GraphML escapes names, drops characters XML cannot carry, and adds nodes for bare relation ends', () => {
  const xml = renderGraphMl({
    tenantId: 'acme',
    graphVersion: 3,
    entities: [
      {
        id: 'service:a',
        name: 'A & <B> "quoted"\u0001',
        type: 'service',
        description: null,
        aliases: [],
        mentions: 2,
        documents: ['d'],
      },
    ],
    relations: [
      {
        id: 'a|calls|c',
        source: 'A & <B> "quoted"\u0001',
        type: 'calls',
        target: 'C',
        weight: 2,
        description: "it's late",
        mentions: 1,
        documents: ['d'],
      },
    ],
    communities: [{ id: 'c0', level: 0, parentId: null, title: 't', report: 'r', rank: 1, members: ['c'] }],
  });
  assert.match(xml, /<data key="d_name">A &amp; &lt;B&gt; &quot;quoted&quot;<\/data>/);
  assert.ok(!xml.includes(String.fromCharCode(1)));
  assert.match(
    xml,
    /<node id="c">\n {6}<data key="d_name">C<\/data>\n {6}<data key="d_type">unknown<\/data>\n {6}<data key="d_community">c0<\/data>/,
  );
  assert.match(xml, /<data key="e_description">it&apos;s late<\/data>/);
  assert.equal((xml.match(/<node /g) ?? []).length, 2);
  assert.equal((xml.match(/<edge /g) ?? []).length, 1);
});
