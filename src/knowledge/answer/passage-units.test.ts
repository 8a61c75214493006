// The units an extractive answer quotes: sentences of prose, records of tables, YAML and JSON.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { passageUnits } from './passage-units.js';

test('prose splits into sentences; a line wrapped inside a paragraph stays in its sentence', () => {
  assert.deepEqual(
    passageUnits('The billing team is led by\nYusuf Demir. He joined in 2018. Short.\n\nA new paragraph starts here.'),
    ['The billing team is led by Yusuf Demir.', 'He joined in 2018.', 'A new paragraph starts here.'],
  );
});

test('a table row is quoted with the header of its block', () => {
  const text =
    'The teams we have today\n\nTeam | Lead | Slack\nBilling | Yusuf Demir | #team-billing\nPayments | Rafael Sousa | –';
  assert.deepEqual(passageUnits(text), [
    'The teams we have today',
    'Team: Billing; Lead: Yusuf Demir; Slack: #team-billing',
    'Team: Payments; Lead: Rafael Sousa',
  ]);
  // Markdown pipes and the delimiter row.
  assert.deepEqual(passageUnits('| Name | Owner |\n|---|---|\n| Ledger | Payments Team |'), [
    'Name: Ledger; Owner: Payments Team',
  ]);
});

test('a YAML list item and a JSON object each become one record', () => {
  const yaml =
    'services:\n  - id: dd-service\n    name: Direct Debit Service\n    owner: payments\n  - id: meter-ingest\n    owner: metering';
  assert.deepEqual(passageUnits(yaml), [
    'services:',
    'id: dd-service; name: Direct Debit Service; owner: payments',
    'id: meter-ingest; owner: metering',
  ]);
  const json =
    '{\n  "incidents": [\n    {\n      "id": "INC-7",\n      "root_service": "dd-service",\n      "commander": "Tariq Mahmood"\n    },\n    {\n      "id": "INC-8"\n    }\n  ]\n}';
  assert.deepEqual(passageUnits(json), [
    'incidents: [',
    'id: "INC-7"; root_service: "dd-service"; commander: "Tariq Mahmood"',
    'id: "INC-8"',
  ]);
});
