// Unit tests of PII and secret redaction: each kind positive and negative, checksums, overlaps
// between kinds, kind selection, and ordinary ops text passing through unchanged.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newKeyMaterial } from '../../tenants/index.js';
import { ibanValid, luhnValid, PII_KINDS, redactPii } from './pii.js';

function unchanged(text: string): void {
  const { text: out, counts } = redactPii(text);
  assert.equal(out, text);
  assert.deepEqual(counts, { email: 0, phone: 0, card: 0, iban: 0, secret: 0 });
}

test('emails are redacted in place', () => {
  const { text, counts } = redactPii('Contact jane.doe+oncall@payments.example.co.uk or ops@acme.io.');
  assert.equal(text, 'Contact [REDACTED:email] or [REDACTED:email].');
  assert.equal(counts.email, 2);
  unchanged('Mention @jane in #ops; the image is nginx@sha256 and the package is @acme/ui.');
});

test('cards are redacted only when Luhn passes', () => {
  for (const card of [
    '4111 1111 1111 1111',
    '5500-0000-0000-0004',
    '378282246310005',
    '4242424242424242',
    '6011 0009 9013 9424',
  ]) {
    const { text, counts } = redactPii(`Paid with ${card} yesterday.`);
    assert.equal(text, 'Paid with [REDACTED:card] yesterday.', card);
    assert.equal(counts.card, 1);
  }
  assert.equal(luhnValid('4111111111111112'), false);
  assert.equal(luhnValid('1234567890123456'), false);
  unchanged('Order 1234567890123456 shipped; card ending 4111 1111 1111 1112 was declined.');
});

test('IBANs are redacted when mod-97 and the country length agree', () => {
  const valid = [
    'DE89 3704 0044 0532 0130 00',
    'GB29 NWBK 6016 1331 9268 19',
    'FR14 2004 1010 0505 0001 3M02 606',
    'NL91ABNA0417164300',
    'ES91 2100 0418 4502 0005 1332',
    'IT60 X054 2811 1010 0000 0123 456',
    'CH93 0076 2011 6238 5295 7',
    'BE68 5390 0754 7034',
  ];
  for (const iban of valid) {
    assert.ok(ibanValid(iban.replace(/ /g, '')), iban);
    const { text, counts } = redactPii(`Refund to ${iban}, thanks.`);
    assert.equal(text, 'Refund to [REDACTED:iban], thanks.', iban);
    assert.equal(counts.iban, 1);
  }
  // A following currency code is not swallowed.
  assert.equal(redactPii('DE89 3704 0044 0532 0130 00 EUR').text, '[REDACTED:iban] EUR');
  assert.equal(ibanValid('DE88370400440532013000'), false);
  assert.equal(ibanValid('DE8937040044053201300'), false, 'one digit short for DE');
  unchanged('Wrong check digits: DE88 3704 0044 0532 0130 00 and GB28 NWBK 6016 1331 9268 19.');
  unchanged('Build ID AB12CDEF34567890XYZ and region EU12 are not accounts.');
});

test('phones: E.164 and national forms, not dates, versions, IPs or ids', () => {
  for (const phone of [
    '+49 30 12345678',
    '+1 (555) 123-4567',
    '+447911123456',
    '(555) 123-4567',
    '555-123-4567',
    '030 1234 5678',
    '01 23 45 67 89',
    '0171-2345678',
    '0049 30 1234567',
    '089/1234567',
    '+49 (0)30 1234567',
  ]) {
    const { text, counts } = redactPii(`Call ${phone} now`);
    assert.equal(text, 'Call [REDACTED:phone] now', phone);
    assert.equal(counts.phone, 1);
  }
  unchanged('Released 1.2.3 and 10.20.30 on 2024-01-15 at 10:30:00; 15.01.2024 too.');
  unchanged('Hosts 192.168.100.200 and 10.0.0.1 answered; 2001:db8::1 did not.');
  unchanged('Run 1700000000 took 123456789 ms; build 20240115103000; port 8080.');
  unchanged('The incident INC-2041 lasted 45 minutes at 99.95% availability.');
  unchanged('Shards 0301 and 0302 were rebalanced.');
  unchanged('Order #0123456789 and id=0123456789 are ids; 2024/01/15 is a date; ratio 1/2 of 123456789.');
  assert.equal(redactPii('tel:+14155552671').text, 'tel:[REDACTED:phone]');
});

test('a card or IBAN is never counted as a phone, even when only phones are asked for', () => {
  const text = 'Card 4111 1111 1111 1111, IBAN DE89 3704 0044 0532 0130 00, phone +49 30 12345678.';
  const phones = redactPii(text, ['phone']);
  assert.equal(phones.text, 'Card 4111 1111 1111 1111, IBAN DE89 3704 0044 0532 0130 00, phone [REDACTED:phone].');
  assert.deepEqual(phones.counts, { email: 0, phone: 1, card: 0, iban: 0, secret: 0 });
  const all = redactPii(text);
  assert.deepEqual(all.counts, { email: 0, phone: 1, card: 1, iban: 1, secret: 0 });
});

test('token formats are redacted as secrets', () => {
  const iris = newKeyMaterial().token;
  const samples = [
    'AKIAIOSFODNN7EXAMPLE',
    'ASIAY34FZKBOKMUTVV7A',
    `ghp_${'a1B2c3D4e5'.repeat(4).slice(0, 36)}`,
    `gho_${'Z9y8X7w6V5'.repeat(4).slice(0, 36)}`,
    `ghs_${'Q1w2E3r4T5'.repeat(4).slice(0, 36)}`,
    `github_pat_11ABCDEFG0${'x'.repeat(40)}_${'Y'.repeat(20)}`,
    'xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx',
    'xoxp-2222222222-3333333333-abcdefabcdef',
    'sk-proj-Abc123Def456Ghi789Jkl012Mno345',
    'sk-3xAmPlE0000000000000000000000000000000000000000',
    iris,
    'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
  ];
  for (const secret of samples) {
    const { text, counts } = redactPii(`token ${secret} leaked`);
    assert.equal(text, 'token [REDACTED:secret] leaked', secret);
    assert.equal(counts.secret, 1);
  }
  unchanged('We use scikit-learn and sk-learn-style pipelines; the ghp_ prefix marks GitHub tokens; AKIA is AWS.');
  unchanged('The iris_changes channel carries tenant updates; eyJ starts base64 JSON.');
});

test('PEM private key blocks are redacted whole; public certificates are kept', () => {
  const pem = [
    '-----BEGIN RSA PRIVATE KEY-----',
    'MIIEowIBAAKCAQEA1c7+abc',
    'q9Zy+def==',
    '-----END RSA PRIVATE KEY-----',
  ].join('\n');
  const { text, counts } = redactPii(`key:\n${pem}\nend`);
  assert.equal(text, 'key:\n[REDACTED:secret]\nend');
  assert.equal(counts.secret, 1);
  const cert = '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----';
  unchanged(cert);
});

test('assignments keep the key and lose the value', () => {
  assert.equal(redactPii('password=hunter2 user=admin').text, 'password=[REDACTED:secret] user=admin');
  assert.equal(redactPii('api_key: 9f8e7d6c5b4a').text, 'api_key: [REDACTED:secret]');
  assert.equal(redactPii('{"client_secret": "s3cr3t value"}').text, '{"client_secret": "[REDACTED:secret]"}');
  assert.equal(redactPii("DB_PASSWORD='Tr0ub4dor&3'").text, "DB_PASSWORD='[REDACTED:secret]'");
  assert.equal(redactPii('API-KEY=abc').counts.secret, 1);
  unchanged('password: required');
  unchanged('password=${DB_PASSWORD} and api_key: <your key>');
  unchanged('Rotate the password: see the vault runbook.');
});

test('kinds select what is redacted; counts always list every kind', () => {
  const text = 'Mail ops@acme.io or call +49 30 12345678; password=hunter2';
  const onlyEmail = redactPii(text, ['email']);
  assert.equal(onlyEmail.text, 'Mail [REDACTED:email] or call +49 30 12345678; password=hunter2');
  assert.deepEqual(Object.keys(onlyEmail.counts).sort(), [...PII_KINDS].sort());
  assert.deepEqual(redactPii(text, []).text, text);
  assert.deepEqual(redactPii(text).counts, { email: 1, phone: 1, card: 0, iban: 0, secret: 1 });
});

test('ordinary ops text is unchanged', () => {
  const corpus = [
    'The payments service is owned by team-finance and depends on the ledger API.',
    'Deploy 2024-03-01T12:00:00Z rolled out v2.14.0 to ring canary (3 of 120 pods).',
    'p99 latency rose from 120 ms to 480 ms between 10:05 and 10:20 UTC.',
    'Kafka topic orders.v1 has 48 partitions and a retention of 604800 seconds.',
    'See RFC 9457 and ISO 8601; error budget 0.1% per 30 days.',
    'Commit 4f1c2a9d8e7b6a5c4d3e2f1a0b9c8d7e6f5a4b3c fixed the retry loop.',
    'UUID 123e4567-e89b-12d3-a456-426614174000 names the tenant export.',
    'Memory limit 2147483648 bytes; CPU request 500m.',
  ];
  for (const text of corpus) unchanged(text);
});

test('redaction of large adversarial text stays fast (no catastrophic backtracking)', () => {
  for (const text of [
    'a_b_c_d_'.repeat(20_000),
    '1 2 3 4 5 6 7 8 9 0 '.repeat(20_000),
    'AB12 '.repeat(40_000),
    'a.'.repeat(100_000),
  ]) {
    const started = performance.now();
    redactPii(text);
    assert.ok(performance.now() - started < 2_000, `${text.slice(0, 12)}… took too long`);
  }
});
