import assert from 'node:assert/strict';
import { test } from 'node:test';
import { selectPrunable } from './backup-retention.js';

const now = new Date('2026-12-06T12:00:00Z');
const day = (d: number): string => new Date(now.getTime() - d * 86_400_000).toISOString();
const b = (id: string, age: number, verified = false) => ({ id, createdAt: day(age), verified });

test('keeps the newest `keep` and removes the rest', () => {
  const backups = [b('a', 3), b('b', 2), b('c', 1), b('d', 0)];
  assert.deepEqual(selectPrunable(backups, { keep: 2 }, now), ['b', 'a']);
});

test('removes backups older than maxAgeDays even within keep', () => {
  const backups = [b('old', 40), b('mid', 10), b('new', 1)];
  assert.deepEqual(selectPrunable(backups, { keep: 10, maxAgeDays: 30 }, now), ['old']);
});

test('never removes the newest backup nor the newest verified one', () => {
  const backups = [b('verified-old', 90, true), b('x', 50), b('newest', 45)];
  assert.deepEqual(selectPrunable(backups, { keep: 0, maxAgeDays: 30 }, now), ['x']);
});

test('an empty catalog prunes nothing', () => {
  assert.deepEqual(selectPrunable([], { keep: 0, maxAgeDays: 0 }, now), []);
});
