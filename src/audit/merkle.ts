// The ledger's Merkle tree: RFC 6962 / RFC 9162 hashing (SHA-256 with 0x00 leaf and 0x01 node
// prefixes), tree heads, the O(log n) append frontier, and inclusion and consistency proofs with
// their verifiers. Pure functions over Buffers; storage lives elsewhere.
//
// Sizes and indices are JavaScript numbers; every one must be a non-negative safe integer, and
// bit arithmetic is done with division so trees past 2^32 leaves still work.
import { createHash } from 'node:crypto';

/** Bytes in every hash this module produces or accepts. */
const HASH_SIZE = 32;

const LEAF_PREFIX = Buffer.from([0x00]);
const NODE_PREFIX = Buffer.from([0x01]);

/** The RFC 6962 leaf hash: SHA-256(0x00 || data). */
export function leafHash(data: Uint8Array): Buffer {
  return createHash('sha256').update(LEAF_PREFIX).update(data).digest();
}

/** The RFC 6962 interior node hash: SHA-256(0x01 || left || right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return createHash('sha256').update(NODE_PREFIX).update(left).update(right).digest();
}

const EMPTY_ROOT = createHash('sha256').digest();

/** The tree head of the empty tree: SHA-256 of the empty string (a fresh copy: callers may write to it). */
export function emptyRoot(): Buffer {
  return Buffer.from(EMPTY_ROOT);
}

/**
 * MTH(D[n]) of RFC 9162 section 2.1.1 over leaves that are already leaf-hashed.
 * The empty list gives {@link emptyRoot}.
 */
export function rootFromLeaves(leafHashes: readonly Buffer[]): Buffer {
  return leafHashes.length === 0 ? emptyRoot() : subtreeRoot(leafHashes, 0, leafHashes.length);
}

/**
 * Appends one leaf hash to a compact-range frontier and returns the new frontier (the input is
 * not modified). A frontier of a tree of `size` leaves holds the roots of the perfect subtrees
 * of the binary decomposition of `size`, largest (leftmost) first; the empty tree's is `[]`.
 * Costs at most log2(size) + 1 node hashes.
 *
 * @throws RangeError if `size` is not a safe non-negative integer, `leaf` is not 32 bytes, or
 *   the frontier does not have one entry per set bit of `size`.
 */
export function appendLeaf(frontier: readonly Buffer[], size: number, leaf: Buffer): Buffer[] {
  assertSize(size, 'size');
  if (!isHash(leaf)) throw new RangeError(`a leaf hash is ${HASH_SIZE} bytes`);
  if (frontier.length !== popCount(size)) {
    throw new RangeError(`a frontier of ${size} leaves has ${popCount(size)} entries, not ${frontier.length}`);
  }
  const next = frontier.slice();
  let carry = leaf;
  // Every trailing 1 bit of `size` is a perfect subtree of the same height as `carry`: merge.
  for (let rest = size; rest % 2 === 1; rest = (rest - 1) / 2) {
    const left = next.pop();
    if (left === undefined) throw new RangeError('frontier is shorter than its size requires');
    carry = nodeHash(left, carry);
  }
  next.push(carry);
  return next;
}

/** The tree head for a frontier built by {@link appendLeaf}; equals {@link rootFromLeaves}. */
export function rootFromFrontier(frontier: readonly Buffer[]): Buffer {
  let root = frontier.at(-1);
  if (root === undefined) return emptyRoot();
  for (let i = frontier.length - 2; i >= 0; i--) root = nodeHash(frontier[i] as Buffer, root);
  return root;
}

/**
 * The audit path PATH(index, D[treeSize]) of RFC 9162 section 2.1.3.1: sibling hashes from the
 * leaf upwards, proving leaf `index` is in the tree of the first `treeSize` leaves.
 *
 * @throws RangeError unless 0 <= index < treeSize <= leafHashes.length.
 */
export function inclusionProof(leafHashes: readonly Buffer[], index: number, treeSize = leafHashes.length): Buffer[] {
  assertSize(treeSize, 'treeSize');
  if (treeSize > leafHashes.length) {
    throw new RangeError(`treeSize ${treeSize} exceeds the ${leafHashes.length} leaves given`);
  }
  assertSize(index, 'index');
  if (index >= treeSize) throw new RangeError(`index ${index} is outside a tree of ${treeSize}`);

  const proof: Buffer[] = [];
  // Descend from the root towards the leaf, collecting the other side at each split; the path
  // is then reversed into RFC order (leaf level first).
  let lo = 0;
  let hi = treeSize;
  while (hi - lo > 1) {
    const mid = lo + largestPowerOfTwoBelow(hi - lo);
    if (index < mid) {
      proof.push(subtreeRoot(leafHashes, mid, hi));
      hi = mid;
    } else {
      proof.push(subtreeRoot(leafHashes, lo, mid));
      lo = mid;
    }
  }
  return proof.reverse();
}

/**
 * Checks an inclusion proof with the algorithm of RFC 9162 section 2.1.3.2. Hashes may be any
 * Uint8Array of 32 bytes (Buffer or not). Returns false, never throws, for any malformed input
 * (wrong hash lengths, non-integer sizes, ...).
 *
 * The tree size is bound only through the root: a proof can also pass for another size whose
 * audit path has the same shape, against the same root. Always take size and root together
 * from one verified checkpoint.
 */
export function verifyInclusion(
  leaf: Uint8Array,
  index: number,
  treeSize: number,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  if (!isSize(index) || !isSize(treeSize) || index >= treeSize) return false;
  if (!isHash(leaf) || !isHash(root) || !Array.isArray(proof) || !proof.every(isHash)) return false;

  let fn = index;
  let sn = treeSize - 1;
  let r: Uint8Array = leaf;
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      // A right-edge node with no sibling at this level: climb until it has one.
      while (fn % 2 === 0 && fn !== 0) {
        fn = fn / 2;
        sn = Math.floor(sn / 2);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && sameBytes(r, root);
}

/**
 * The consistency proof PROOF(oldSize, D[newSize]) of RFC 9162 section 2.1.4.1, proving the
 * tree of the first `oldSize` leaves is a prefix of the tree of the first `newSize`. Empty when
 * oldSize is 0 or equals newSize (those need no proof; see {@link verifyConsistency}).
 *
 * @throws RangeError unless 0 <= oldSize <= newSize <= leafHashes.length.
 */
export function consistencyProof(leafHashes: readonly Buffer[], oldSize: number, newSize: number): Buffer[] {
  assertSize(oldSize, 'oldSize');
  assertSize(newSize, 'newSize');
  if (oldSize > newSize) throw new RangeError(`oldSize ${oldSize} exceeds newSize ${newSize}`);
  if (newSize > leafHashes.length) {
    throw new RangeError(`newSize ${newSize} exceeds the ${leafHashes.length} leaves given`);
  }
  if (oldSize === 0 || oldSize === newSize) return [];

  // SUBPROOF(m, D[lo:hi], wholeOldTree), unrolled: descend until the old tree's last node is
  // the whole current range, collecting the sibling at each split.
  const proof: Buffer[] = [];
  let m = oldSize;
  let lo = 0;
  let hi = newSize;
  let wholeOldTree = true;
  while (m !== hi - lo) {
    const k = largestPowerOfTwoBelow(hi - lo);
    if (m <= k) {
      proof.push(subtreeRoot(leafHashes, lo + k, hi));
      hi = lo + k;
    } else {
      proof.push(subtreeRoot(leafHashes, lo, lo + k));
      m -= k;
      lo += k;
      wholeOldTree = false;
    }
  }
  // The verifier knows the old root, so a range that is the entire old tree is left out.
  if (!wholeOldTree) proof.push(subtreeRoot(leafHashes, lo, hi));
  return proof.reverse();
}

/**
 * Checks a consistency proof with the algorithm of RFC 9162 section 2.1.4.2. The cases the RFC
 * leaves out are decided strictly: equal sizes need an empty proof and equal roots; an old size
 * of 0 needs an empty proof and an old root equal to {@link emptyRoot}. As with
 * {@link verifyInclusion}, sizes are bound only through their roots. Hashes may be any 32-byte
 * Uint8Array. Returns false, never throws, for any malformed input.
 */
export function verifyConsistency(
  oldSize: number,
  newSize: number,
  oldRoot: Uint8Array,
  newRoot: Uint8Array,
  proof: readonly Uint8Array[],
): boolean {
  if (!isSize(oldSize) || !isSize(newSize) || oldSize > newSize) return false;
  if (!isHash(oldRoot) || !isHash(newRoot) || !Array.isArray(proof) || !proof.every(isHash)) {
    return false;
  }
  if (oldSize === newSize) return proof.length === 0 && sameBytes(oldRoot, newRoot);
  if (oldSize === 0) return proof.length === 0 && sameBytes(oldRoot, emptyRoot());
  if (proof.length === 0) return false;

  const path = isPowerOfTwo(oldSize) ? [oldRoot, ...proof] : proof;
  let fn = oldSize - 1;
  let sn = newSize - 1;
  while (fn % 2 === 1) {
    fn = (fn - 1) / 2;
    sn = Math.floor(sn / 2);
  }
  let fr = path[0] as Uint8Array;
  let sr = fr;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (fn % 2 === 0 && fn !== 0) {
        fn = fn / 2;
        sn = Math.floor(sn / 2);
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && sameBytes(fr, oldRoot) && sameBytes(sr, newRoot);
}

/** MTH(D[lo:hi]) for hi > lo, splitting at the largest power of two below the size. */
function subtreeRoot(leafHashes: readonly Buffer[], lo: number, hi: number): Buffer {
  if (hi - lo === 1) return leafHashes[lo] as Buffer;
  const mid = lo + largestPowerOfTwoBelow(hi - lo);
  return nodeHash(subtreeRoot(leafHashes, lo, mid), subtreeRoot(leafHashes, mid, hi));
}

/** The largest power of two strictly less than n, for n >= 2 (RFC 9162's split point k). */
function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function isPowerOfTwo(n: number): boolean {
  let k = 1;
  while (k < n) k *= 2;
  return k === n;
}

function popCount(n: number): number {
  let count = 0;
  for (let rest = n; rest > 0; rest = Math.floor(rest / 2)) count += rest % 2;
  return count;
}

function isSize(n: unknown): n is number {
  return Number.isSafeInteger(n) && (n as number) >= 0;
}

// Verifiers take Uint8Array, not only Buffer: PGlite hands bytea back as a plain Uint8Array.
function isHash(b: unknown): b is Uint8Array {
  return b instanceof Uint8Array && b.length === HASH_SIZE;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(a, b) === 0;
}

function assertSize(n: number, name: string): void {
  if (!isSize(n)) {
    throw new RangeError(`${name} must be a non-negative safe integer, not ${String(n)}`);
  }
}
