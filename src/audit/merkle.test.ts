// The Merkle tree against the RFC 6962 reference vectors shared by Certificate Transparency
// implementations, then exhaustively: every root, every proof, and every tampering of them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  appendLeaf,
  consistencyProof,
  emptyRoot,
  inclusionProof,
  leafHash,
  nodeHash,
  rootFromFrontier,
  rootFromLeaves,
  verifyConsistency,
  verifyInclusion,
} from './merkle.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const unhex = (s: string): Buffer => Buffer.from(s, 'hex');

// Reference data from transparency-dev/merkle (testonly/constants.go, proof/verify_test.go),
// the vectors every RFC 6962 implementation checks itself against.
const REFERENCE_INPUTS = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
].map(unhex);
const REFERENCE_LEAVES = REFERENCE_INPUTS.map((input) => leafHash(input));
/** Root of the tree of the first n reference inputs, for n = 0..8. */
const REFERENCE_ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
/** Perfect-subtree hashes of the reference tree by level (0 = leaves) and position. */
const NODE = [
  [
    '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
    '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
    '0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7',
    '07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7',
    'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    '4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658',
    'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
    '46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1',
  ],
  [
    'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
    '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
    '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
    'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
  ],
  [
    'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
  ],
  ['5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328'],
];
const node = (level: number, index: number): string => NODE[level]?.[index] ?? 'missing';
/** Compact-range frontiers of the reference tree for sizes 0..8, as [level, index] pairs. */
const REFERENCE_FRONTIERS: readonly (readonly [number, number])[][] = [
  [],
  [[0, 0]],
  [[1, 0]],
  [
    [1, 0],
    [0, 2],
  ],
  [[2, 0]],
  [
    [2, 0],
    [0, 4],
  ],
  [
    [2, 0],
    [1, 2],
  ],
  [
    [2, 0],
    [1, 2],
    [0, 6],
  ],
  [[3, 0]],
];
/** RFC 6962 inclusion proofs of the reference tree: 0-based leaf index, tree size, path. */
const REFERENCE_INCLUSION: readonly { index: number; size: number; proof: string[] }[] = [
  { index: 0, size: 1, proof: [] },
  { index: 0, size: 8, proof: [node(0, 1), node(1, 1), node(2, 1)] },
  { index: 5, size: 8, proof: [node(0, 4), node(1, 3), node(2, 0)] },
  { index: 2, size: 3, proof: [node(1, 0)] },
  { index: 1, size: 5, proof: [node(0, 0), node(1, 1), node(0, 4)] },
];
/** RFC 6962 consistency proofs of the reference tree. */
const REFERENCE_CONSISTENCY: readonly { oldSize: number; newSize: number; proof: string[] }[] = [
  { oldSize: 1, newSize: 1, proof: [] },
  { oldSize: 1, newSize: 8, proof: [node(0, 1), node(1, 1), node(2, 1)] },
  { oldSize: 6, newSize: 8, proof: [node(1, 2), node(1, 3), node(2, 0)] },
  { oldSize: 2, newSize: 5, proof: [node(1, 1), node(0, 4)] },
  { oldSize: 6, newSize: 7, proof: [node(1, 2), node(0, 6), node(2, 0)] },
];

/** Leaves for the exhaustive tests: distinct, deterministic. */
const LEAVES = Array.from({ length: 70 }, (_, i) => leafHash(Buffer.from(`audit event ${i}`)));
const MAX_PROOF_SIZE = 40;
const ROOTS = Array.from({ length: LEAVES.length + 1 }, (_, n) => rootFromLeaves(LEAVES.slice(0, n)));

/** A copy of `b` with one bit flipped. */
function flipped(b: Uint8Array): Buffer {
  const copy = Buffer.from(b);
  copy[0] = (copy[0] ?? 0) ^ 0x08;
  return copy;
}

function rootOf(n: number): Buffer {
  const root = ROOTS[n];
  if (root === undefined) throw new Error(`no root for size ${n}`);
  return root;
}

function leafAt(i: number): Buffer {
  const leaf = LEAVES[i];
  if (leaf === undefined) throw new Error(`no leaf ${i}`);
  return leaf;
}

test('hash primitives follow RFC 6962 domain separation', () => {
  assert.equal(hex(emptyRoot()), REFERENCE_ROOTS[0]);
  assert.equal(hex(leafHash(new Uint8Array())), node(0, 0));
  assert.equal(hex(nodeHash(unhex(node(0, 0)), unhex(node(0, 1)))), node(1, 0));
});

test('rootFromLeaves matches the reference roots for sizes 0..8', () => {
  for (let n = 0; n <= REFERENCE_LEAVES.length; n++) {
    assert.equal(hex(rootFromLeaves(REFERENCE_LEAVES.slice(0, n))), REFERENCE_ROOTS[n], `size ${n}`);
  }
});

test('appendLeaf builds the reference compact frontiers and roots', () => {
  let frontier: Buffer[] = [];
  for (let n = 0; n <= REFERENCE_LEAVES.length; n++) {
    const expected = (REFERENCE_FRONTIERS[n] ?? []).map(([level, index]) => node(level, index));
    assert.deepEqual(frontier.map(hex), expected, `frontier of size ${n}`);
    assert.equal(hex(rootFromFrontier(frontier)), REFERENCE_ROOTS[n], `root of size ${n}`);
    const next = REFERENCE_LEAVES[n];
    if (next !== undefined) frontier = appendLeaf(frontier, n, next);
  }
});

test('rootFromFrontier equals rootFromLeaves for every size 0..70', () => {
  let frontier: Buffer[] = [];
  for (let n = 0; n <= LEAVES.length; n++) {
    assert.ok(rootFromFrontier(frontier).equals(rootOf(n)), `size ${n}`);
    // Perfect subtrees of the binary decomposition of n: one per set bit.
    assert.equal(frontier.length, n.toString(2).replaceAll('0', '').length, `entries at ${n}`);
    if (n < LEAVES.length) frontier = appendLeaf(frontier, n, leafAt(n));
  }
});

test('appendLeaf leaves its input alone and refuses a frontier of the wrong shape', () => {
  const one = appendLeaf([], 0, leafAt(0));
  const two = appendLeaf(one, 1, leafAt(1));
  assert.equal(one.length, 1);
  assert.ok(one[0]?.equals(leafAt(0)));
  assert.equal(two.length, 1);
  assert.throws(() => appendLeaf([], 1, leafAt(0)), RangeError);
  assert.throws(() => appendLeaf(two, 3, leafAt(2)), RangeError);
  assert.throws(() => appendLeaf([], -1, leafAt(0)), RangeError);
  assert.throws(() => appendLeaf([], 0.5, leafAt(0)), RangeError);
  assert.throws(() => appendLeaf([], 0, leafAt(0).subarray(1)), RangeError);
});

test('appendLeaf uses no 32-bit arithmetic: a tree of 2^32 - 1 leaves grows to 2^32', () => {
  const size = 2 ** 32 - 1;
  // Any 32 hashes stand in for the 32 perfect subtrees of 2^32 - 1 leaves.
  const frontier = Array.from({ length: 32 }, (_, i) => leafAt(i));
  const grown = appendLeaf(frontier, size, leafAt(40));
  assert.equal(grown.length, 1);
  assert.ok(grown[0]?.equals(rootFromFrontier([...frontier, leafAt(40)])));
  const next = appendLeaf(grown, size + 1, leafAt(41));
  assert.equal(next.length, 2);
});

test('inclusionProof and verifyInclusion agree with the reference proofs', () => {
  for (const { index, size, proof } of REFERENCE_INCLUSION) {
    const generated = inclusionProof(REFERENCE_LEAVES, index, size);
    assert.deepEqual(generated.map(hex), proof, `PATH(${index}, ${size})`);
    const leaf = REFERENCE_LEAVES[index] ?? Buffer.alloc(0);
    const root = unhex(REFERENCE_ROOTS[size] ?? '');
    assert.equal(verifyInclusion(leaf, index, size, proof.map(unhex), root), true);
  }
});

test('every inclusion proof of every size 1..40 verifies, and every alteration fails', () => {
  for (let n = 1; n <= MAX_PROOF_SIZE; n++) {
    const root = rootOf(n);
    for (let i = 0; i < n; i++) {
      const leaf = leafAt(i);
      const proof = inclusionProof(LEAVES, i, n);
      const where = `leaf ${i} of ${n}`;
      assert.deepEqual(proof, inclusionProof(LEAVES.slice(0, n), i), `${where}: prefix-only`);
      assert.equal(verifyInclusion(leaf, i, n, proof, root), true, where);
      assert.equal(verifyInclusion(Uint8Array.from(leaf), i, n, proof, Uint8Array.from(root)), true);

      assert.equal(verifyInclusion(flipped(leaf), i, n, proof, root), false, `${where}: leaf`);
      assert.equal(verifyInclusion(leafAt(n), i, n, proof, root), false, `${where}: other leaf`);
      assert.equal(verifyInclusion(leaf, i, n, proof, flipped(root)), false, `${where}: root`);
      for (let j = 0; j <= n; j++) {
        if (j === i) continue;
        assert.equal(verifyInclusion(leaf, j, n, proof, root), false, `${where}: index ${j}`);
      }
      // A size is only ever trusted together with its root (a signed checkpoint pairs them),
      // so the alteration that matters is moving the proof to another (size, root) pair.
      // NOTE: the bare size is not bound by RFC 9162 verification: leaf 0's proof in a tree of
      // 3 also "verifies" for size 4 against the size-3 root, since both paths take the same
      // sides. No honest checkpoint signs that pair, which is what makes it harmless.
      for (let m = 0; m <= MAX_PROOF_SIZE + 1; m++) {
        if (m === n) continue;
        assert.equal(verifyInclusion(leaf, i, m, proof, rootOf(m)), false, `${where}: size ${m}`);
      }
      for (const m of [n * 2, Math.floor(n / 2), n + 2 ** 32]) {
        assert.equal(verifyInclusion(leaf, i, m, proof, root), false, `${where}: bare size ${m}`);
      }
      for (let k = 0; k < proof.length; k++) {
        const altered = proof.map((p, at) => (at === k ? flipped(p) : p));
        assert.equal(verifyInclusion(leaf, i, n, altered, root), false, `${where}: proof[${k}]`);
      }
      if (proof.length > 0) {
        assert.equal(verifyInclusion(leaf, i, n, proof.slice(0, -1), root), false, `${where}: short`);
      }
      assert.equal(verifyInclusion(leaf, i, n, [...proof, root], root), false, `${where}: long`);
      assert.equal(verifyInclusion(leaf, i, n, [root, ...proof], root), false, `${where}: prefixed`);
    }
  }
});

test('inclusionProof refuses indices and sizes outside the tree', () => {
  const leaves = LEAVES.slice(0, 5);
  assert.throws(() => inclusionProof(leaves, 5), RangeError);
  assert.throws(() => inclusionProof(leaves, -1), RangeError);
  assert.throws(() => inclusionProof(leaves, 1.5), RangeError);
  assert.throws(() => inclusionProof(leaves, 3, 3), RangeError);
  assert.throws(() => inclusionProof(leaves, 0, 6), RangeError);
  assert.throws(() => inclusionProof([], 0), RangeError);
  assert.throws(() => inclusionProof(leaves, Number.NaN), RangeError);
});

test('verifyInclusion returns false, never throws, for malformed input', () => {
  const leaf = leafAt(0);
  const proof = inclusionProof(LEAVES, 0, 4);
  const root = rootOf(4);
  const bad: [unknown, unknown, unknown, unknown, unknown][] = [
    [leaf, -1, 4, proof, root],
    [leaf, 0.5, 4, proof, root],
    [leaf, Number.NaN, 4, proof, root],
    [leaf, 0, Number.POSITIVE_INFINITY, proof, root],
    [leaf, 0, 2 ** 60, proof, root],
    [leaf, 0, 0, [], root],
    [leaf.subarray(0, 31), 0, 4, proof, root],
    [leaf, 0, 4, proof, root.subarray(0, 16)],
    [leaf, 0, 4, [...proof.slice(0, 1), Buffer.alloc(33), ...proof.slice(2)], root],
    [leaf, 0, 4, 'not a proof', root],
    [leaf, 0, 4, [null, null], root],
    [null, 0, 4, proof, root],
    [leaf, '0', 4, proof, root],
  ];
  for (const args of bad) {
    const call = verifyInclusion as (...a: unknown[]) => boolean;
    assert.equal(call(...args), false, JSON.stringify(args.slice(1, 3)));
  }
});

test('verifyInclusion works past 2^32 leaves', () => {
  // Leaf 2^32 of a 2^32 + 1 tree: its only sibling is the root of the first 2^32 leaves.
  const index = 2 ** 32;
  const left = leafAt(1);
  const leaf = leafAt(2);
  const root = nodeHash(left, leaf);
  assert.equal(verifyInclusion(leaf, index, index + 1, [left], root), true);
  assert.equal(verifyInclusion(leaf, index, index + 2, [left], root), false);
});

test('consistencyProof and verifyConsistency agree with the reference proofs', () => {
  for (const { oldSize, newSize, proof } of REFERENCE_CONSISTENCY) {
    const generated = consistencyProof(REFERENCE_LEAVES, oldSize, newSize);
    assert.deepEqual(generated.map(hex), proof, `PROOF(${oldSize}, ${newSize})`);
    const oldRoot = unhex(REFERENCE_ROOTS[oldSize] ?? '');
    const newRoot = unhex(REFERENCE_ROOTS[newSize] ?? '');
    assert.equal(verifyConsistency(oldSize, newSize, oldRoot, newRoot, proof.map(unhex)), true);
  }
});

test('every consistency proof for 1 <= m <= n <= 40 verifies, and every alteration fails', () => {
  for (let n = 1; n <= MAX_PROOF_SIZE; n++) {
    const newRoot = rootOf(n);
    for (let m = 1; m <= n; m++) {
      const oldRoot = rootOf(m);
      const proof = consistencyProof(LEAVES, m, n);
      const where = `${m} -> ${n}`;
      const check = (oldSize: number, newSize: number, a: Buffer, b: Buffer, p: readonly Buffer[]): boolean =>
        verifyConsistency(oldSize, newSize, a, b, p);

      assert.deepEqual(proof, consistencyProof(LEAVES.slice(0, n), m, n), `${where}: prefix-only`);
      assert.equal(check(m, n, oldRoot, newRoot, proof), true, where);
      assert.equal(proof.length === 0, m === n, `${where}: proof is empty only for equal sizes`);

      assert.equal(check(m, n, flipped(oldRoot), newRoot, proof), false, `${where}: old root`);
      assert.equal(check(m, n, oldRoot, flipped(newRoot), proof), false, `${where}: new root`);
      if (m !== n) assert.equal(check(m, n, newRoot, oldRoot, proof), false, `${where}: swapped`);
      // As with inclusion, sizes are altered together with their roots (see the NOTE there).
      for (let m2 = 0; m2 <= n + 1; m2++) {
        // The empty proof of m == n is also the (true) proof that the empty tree is a prefix.
        if (m2 === m || (m2 === 0 && proof.length === 0)) continue;
        const altered = check(m2, n, rootOf(m2), newRoot, proof);
        assert.equal(altered, false, `${where}: old size ${m2}`);
      }
      for (let n2 = 0; n2 <= MAX_PROOF_SIZE + 1; n2++) {
        if (n2 === n) continue;
        const altered = check(m, n2, oldRoot, rootOf(n2), proof);
        assert.equal(altered, false, `${where}: new size ${n2}`);
      }
      const bareSizes = [
        [m, n * 2],
        [m, Math.floor(n / 2)],
        [m * 2, n],
        [m + 2 ** 32, n],
      ] as const;
      for (const [m2, n2] of bareSizes) {
        const altered = check(m2, n2, oldRoot, newRoot, proof);
        assert.equal(altered, false, `${where}: bare sizes ${m2} -> ${n2}`);
      }
      for (let k = 0; k < proof.length; k++) {
        const altered = proof.map((p, at) => (at === k ? flipped(p) : p));
        assert.equal(check(m, n, oldRoot, newRoot, altered), false, `${where}: proof[${k}]`);
      }
      if (proof.length > 0) {
        assert.equal(check(m, n, oldRoot, newRoot, proof.slice(0, -1)), false, `${where}: short`);
        assert.equal(check(m, n, oldRoot, newRoot, []), false, `${where}: empty`);
      }
      assert.equal(check(m, n, oldRoot, newRoot, [...proof, newRoot]), false, `${where}: long`);
      assert.equal(check(m, n, oldRoot, newRoot, [oldRoot, ...proof]), false, `${where}: prefixed`);
    }
  }
});

test('the empty tree is consistent with every tree, with an empty proof only', () => {
  for (const n of [0, 1, 7, 40]) {
    assert.deepEqual(consistencyProof(LEAVES, 0, n), []);
    assert.equal(verifyConsistency(0, n, emptyRoot(), rootOf(n), []), true, `0 -> ${n}`);
    assert.equal(verifyConsistency(0, n, rootOf(1), rootOf(n), []), false, `0 -> ${n}: old root`);
    assert.equal(verifyConsistency(0, n, emptyRoot(), rootOf(n), [emptyRoot()]), false);
  }
});

test('consistencyProof refuses sizes outside the tree', () => {
  const leaves = LEAVES.slice(0, 8);
  assert.throws(() => consistencyProof(leaves, 5, 4), RangeError);
  assert.throws(() => consistencyProof(leaves, 1, 9), RangeError);
  assert.throws(() => consistencyProof(leaves, -1, 4), RangeError);
  assert.throws(() => consistencyProof(leaves, 1, 2.5), RangeError);
});

test('verifyConsistency returns false, never throws, for malformed input', () => {
  const proof = consistencyProof(LEAVES, 3, 7);
  const call = verifyConsistency as (...a: unknown[]) => boolean;
  const oldRoot = rootOf(3);
  const newRoot = rootOf(7);
  const bad: unknown[][] = [
    [3, 7, oldRoot, newRoot, 'proof'],
    [3, 7, oldRoot, newRoot, [null]],
    [3, 7, oldRoot, newRoot, proof.map((p) => p.subarray(1))],
    [3, 7, oldRoot.subarray(1), newRoot, proof],
    [3, 7, oldRoot, undefined, proof],
    [-3, 7, oldRoot, newRoot, proof],
    [3, Number.NaN, oldRoot, newRoot, proof],
    [3.5, 7, oldRoot, newRoot, proof],
    [7, 3, oldRoot, newRoot, proof],
  ];
  for (const args of bad) assert.equal(call(...args), false, JSON.stringify(args.slice(0, 2)));
});
