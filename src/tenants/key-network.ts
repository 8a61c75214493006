// The networks a key may be used from: a CIDR list checked against the client address on every
// request (from the in-memory directory, so no store round trip). Pure; node:net only.
import { BlockList, isIP } from 'node:net';

/** A parsed CIDR: family, network address and prefix length. */
export interface Cidr {
  readonly family: 'ipv4' | 'ipv6';
  readonly address: string;
  readonly prefix: number;
}

/** Parses "10.0.0.0/8", "2001:db8::/32" or a bare address (its own /32 or /128); null if invalid. */
export function parseCidr(text: string): Cidr | null {
  const [address = '', prefixText, extra] = text.split('/');
  if (extra !== undefined) return null;
  const v = isIP(address);
  if (v === 0) return null;
  const max = v === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? max : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max) return null;
  return { family: v === 4 ? 'ipv4' : 'ipv6', address, prefix };
}

/** Whether `ip` lies in one of `cidrs` (an empty list allows every address). */
export function addressAllowed(cidrs: readonly string[], ip: string | undefined): boolean {
  if (cidrs.length === 0) return true;
  if (ip === undefined) return false;
  // NOTE: an IPv4 client seen on a dual-stack socket arrives as ::ffff:a.b.c.d.
  const plain = ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
  const family = isIP(plain) === 4 ? 'ipv4' : isIP(plain) === 6 ? 'ipv6' : undefined;
  if (family === undefined) return false;
  const list = new BlockList();
  for (const text of cidrs) {
    const c = parseCidr(text);
    if (c) list.addSubnet(c.address, c.prefix, c.family);
  }
  return list.check(plain, family);
}
