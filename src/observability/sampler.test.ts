// LinkAwareSampler: a valid parent's sampled flag decides (local or remote, as OpenTelemetry's
// ParentBasedSampler); a root linking to a sampled span is sampled; other roots go by ratio,
// at most N a second.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { ROOT_CONTEXT, SpanKind, trace, TraceFlags, type Link, type SpanContext } from '@opentelemetry/api';
import { SamplingDecision } from '@opentelemetry/sdk-trace-node';
import { LinkAwareSampler } from './tracing.js';

const ctxOf = (flags: number, isRemote: boolean): SpanContext => ({
  traceId: randomBytes(16).toString('hex'),
  spanId: randomBytes(8).toString('hex'),
  traceFlags: flags,
  isRemote,
});
const decide = (s: LinkAwareSampler, parent?: SpanContext, links: Link[] = []): SamplingDecision =>
  s.shouldSample(
    parent === undefined ? ROOT_CONTEXT : trace.setSpanContext(ROOT_CONTEXT, parent),
    randomBytes(16).toString('hex'),
    'x',
    SpanKind.INTERNAL,
    {},
    links,
  ).decision;

describe('LinkAwareSampler', () => {
  test('a valid parent decides, whatever the ratio', () => {
    for (const ratio of [0, 0.5, 1]) {
      const s = new LinkAwareSampler(ratio);
      for (const remote of [true, false]) {
        assert.equal(
          decide(s, ctxOf(TraceFlags.SAMPLED, remote)),
          SamplingDecision.RECORD_AND_SAMPLED,
          `ratio ${ratio}, sampled parent`,
        );
        assert.equal(
          decide(s, ctxOf(TraceFlags.NONE, remote)),
          SamplingDecision.NOT_RECORD,
          `ratio ${ratio}, unsampled parent`,
        );
      }
    }
  });

  test('an invalid parent counts as none', () => {
    const invalid: SpanContext = {
      traceId: '0'.repeat(32),
      spanId: '0'.repeat(16),
      traceFlags: TraceFlags.NONE,
      isRemote: true,
    };
    assert.equal(decide(new LinkAwareSampler(1), invalid), SamplingDecision.RECORD_AND_SAMPLED);
    assert.equal(decide(new LinkAwareSampler(0), invalid), SamplingDecision.NOT_RECORD);
  });

  test('a root linking to a sampled span is sampled even at ratio 0; an unsampled link does not count', () => {
    const s = new LinkAwareSampler(0);
    assert.equal(
      decide(s, undefined, [{ context: ctxOf(TraceFlags.NONE, true) }, { context: ctxOf(TraceFlags.SAMPLED, true) }]),
      SamplingDecision.RECORD_AND_SAMPLED,
    );
    assert.equal(decide(s, undefined, [{ context: ctxOf(TraceFlags.NONE, true) }]), SamplingDecision.NOT_RECORD);
  });

  test('at most N new traces a second: a burst gets N, the budget refills with time; parents and links are not limited', () => {
    let now = 0;
    const s = new LinkAwareSampler(1, 5, () => now);
    const burst = Array.from({ length: 20 }, () => decide(s));
    assert.equal(burst.filter((d) => d === SamplingDecision.RECORD_AND_SAMPLED).length, 5);
    assert.equal(
      decide(s, ctxOf(TraceFlags.SAMPLED, true)),
      SamplingDecision.RECORD_AND_SAMPLED,
      'a sampled caller is followed over the limit',
    );
    assert.equal(
      decide(s, undefined, [{ context: ctxOf(TraceFlags.SAMPLED, false) }]),
      SamplingDecision.RECORD_AND_SAMPLED,
      'a job of a sampled request too',
    );
    now += 400; // two tokens' worth
    assert.deepEqual(
      [decide(s), decide(s), decide(s)],
      [SamplingDecision.RECORD_AND_SAMPLED, SamplingDecision.RECORD_AND_SAMPLED, SamplingDecision.NOT_RECORD],
    );
    now += 60_000; // idle: the budget caps at one second's worth
    assert.equal(
      Array.from({ length: 20 }, () => decide(s)).filter((d) => d === SamplingDecision.RECORD_AND_SAMPLED).length,
      5,
    );
    const unlimited = new LinkAwareSampler(1, 0, () => now);
    assert.ok(
      Array.from({ length: 1000 }, () => decide(unlimited)).every((d) => d === SamplingDecision.RECORD_AND_SAMPLED),
    );
  });

  test('roots go by the ratio', () => {
    assert.equal(decide(new LinkAwareSampler(1)), SamplingDecision.RECORD_AND_SAMPLED);
    assert.equal(decide(new LinkAwareSampler(0)), SamplingDecision.NOT_RECORD);
    const half = new LinkAwareSampler(0.25);
    let sampled = 0;
    for (let i = 0; i < 4000; i++) if (decide(half) === SamplingDecision.RECORD_AND_SAMPLED) sampled++;
    assert.ok(sampled > 800 && sampled < 1200, `${sampled} of 4000 at 0.25`);
  });
});
