// The ledger's Merkle tree in the browser: RFC 6962 / RFC 9162 hashing with WebCrypto SHA-256
// (0x00 leaf and 0x01 node prefixes), the append frontier that gives the root of every prefix,
// and the inclusion proof verifier. Mirrors src/audit/merkle.ts; async because SubtleCrypto is.

const HASH_SIZE = 32;

/** Bytes backed by an ArrayBuffer (what WebCrypto takes). */
export type Bytes = Uint8Array<ArrayBuffer>;

/** SHA-256 of the parts, concatenated. */
export async function sha256(...parts: readonly Bytes[]): Promise<Bytes> {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const buf = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    buf.set(p, at);
    at += p.length;
  }
  return new Uint8Array(await crypto.subtle.digest('SHA-256', buf));
}

/** The RFC 6962 leaf hash: SHA-256(0x00 || data). */
export function leafHash(data: Bytes): Promise<Bytes> {
  return sha256(Uint8Array.of(0), data);
}

/** The RFC 6962 interior node hash: SHA-256(0x01 || left || right). */
export function nodeHash(left: Bytes, right: Bytes): Promise<Bytes> {
  return sha256(Uint8Array.of(1), left, right);
}

/** The root of the empty tree: SHA-256 of nothing. */
export function emptyRoot(): Promise<Bytes> {
  return sha256();
}

/**
 * Appends a leaf hash to a compact-range frontier of a tree of `size` leaves (the roots of the
 * perfect subtrees of size's binary decomposition, largest first) and returns the new frontier.
 */
export async function appendLeaf(frontier: readonly Bytes[], size: number, leaf: Bytes): Promise<Bytes[]> {
  const next = frontier.slice();
  let carry = leaf;
  // Every trailing 1 bit of `size` is a perfect subtree as high as `carry`: merge them.
  for (let rest = size; rest % 2 === 1; rest = (rest - 1) / 2) {
    const left = next.pop();
    if (left === undefined) throw new RangeError('frontier is shorter than its size requires');
    carry = await nodeHash(left, carry);
  }
  next.push(carry);
  return next;
}

/** MTH of the tree a frontier describes (RFC 9162 section 2.1.1). */
export async function rootFromFrontier(frontier: readonly Bytes[]): Promise<Bytes> {
  let root = frontier.at(-1);
  if (root === undefined) return emptyRoot();
  // Fold right to left: the smallest subtree is the rightmost child at every level.
  for (let i = frontier.length - 2; i >= 0; i--) root = await nodeHash(frontier[i] as Bytes, root);
  return root;
}

/**
 * Checks an inclusion proof (RFC 9162 section 2.1.3.2). False, never a throw, for malformed
 * input. Size and root must come together from one verified checkpoint.
 */
export async function verifyInclusion(
  leaf: Bytes,
  index: number,
  treeSize: number,
  proof: readonly Bytes[],
  root: Bytes,
): Promise<boolean> {
  if (!isSize(index) || !isSize(treeSize) || index >= treeSize) return false;
  if (leaf.length !== HASH_SIZE || root.length !== HASH_SIZE || !proof.every((p) => p.length === HASH_SIZE))
    return false;
  let fn = index;
  let sn = treeSize - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = await nodeHash(p, r);
      // A right-edge node with no sibling at this level: climb until it has one.
      while (fn % 2 === 0 && fn !== 0) {
        fn = fn / 2;
        sn = Math.floor(sn / 2);
      }
    } else {
      r = await nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && toHex(r) === toHex(root);
}

function isSize(n: unknown): n is number {
  return Number.isSafeInteger(n) && (n as number) >= 0;
}

export function toHex(bytes: Bytes): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

/** Bytes of a hex string; undefined when it is not hex of even length. */
export function fromHex(hex: string): Bytes | undefined {
  if (!/^([0-9a-f]{2})*$/i.test(hex)) return undefined;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}
