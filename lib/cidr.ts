/** CIDR blocks as users type them, parsed. Pure: used by the validation module and the swarm's address pool. */

/** An IPv4 or IPv6 CIDR block, parsed. */
export interface ParsedCidr {
  readonly version: 4 | 6;
  readonly prefixLength: number;
  /** IPv4 only: the network address as an unsigned 32-bit number (host bits may be set). */
  readonly address?: number;
}

/** Parses `cidr`, or returns why it is not a CIDR block. */
export function parseCidr(cidr: string): ParsedCidr | string {
  const slash = cidr.indexOf('/');
  if (slash < 0) return 'it has no prefix length (/n)';
  const [ip, prefixText] = [cidr.slice(0, slash), cidr.slice(slash + 1)];
  if (!/^\d{1,3}$/.test(prefixText)) return `its prefix length '${prefixText}' is not a number`;
  // Leading zeros are refused: some parsers read them as octal, Go's (Docker's) refuses them.
  if (/^0\d/.test(prefixText)) return `its prefix length '${prefixText}' has a leading zero`;
  const prefixLength = Number(prefixText);
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (v4) {
    if (v4.slice(1).some((o) => /^0\d/.test(o))) return 'an octet has a leading zero';
    const octets = v4.slice(1).map(Number);
    if (octets.some((o) => o > 255)) return 'an octet is above 255';
    if (prefixLength > 32) return `its prefix length /${prefixLength} is above /32`;
    return { version: 4, prefixLength, address: octets.reduce((a, o) => a * 256 + o, 0) };
  }
  if (/^[0-9a-fA-F:]+$/.test(ip) && ip.includes(':') && (ip.match(/::/g) ?? []).length <= 1) {
    const groups = ip.split(':').filter((g) => g !== '');
    if (groups.some((g) => g.length > 4) || groups.length > 8 || (!ip.includes('::') && groups.length !== 8)) return 'it is not an IPv6 address';
    if (prefixLength > 128) return `its prefix length /${prefixLength} is above /128`;
    return { version: 6, prefixLength };
  }
  return 'it is not an IPv4 or IPv6 address with a prefix length';
}

/** A CIDR block as a range of addresses: the numbers are exact for both versions (bigint). */
export interface CidrRange {
  readonly version: 4 | 6;
  readonly prefixLength: number;
  /** The address as written (host bits may be set). */
  readonly address: bigint;
  /** The first address of the block (host bits cleared). */
  readonly first: bigint;
  /** The last address of the block. */
  readonly last: bigint;
}

const WIDTH = { 4: 32n, 6: 128n } as const;

/** `cidr` as a range of addresses, or why it is not a CIDR block. */
export function cidrRange(cidr: string): CidrRange | string {
  const parsed = parseCidr(cidr);
  if (typeof parsed === 'string') return parsed;
  const ip = cidr.slice(0, cidr.indexOf('/'));
  const address = parsed.version === 4 ? BigInt(parsed.address!) : ipv6Value(ip);
  const hostBits = WIDTH[parsed.version] - BigInt(parsed.prefixLength);
  const first = (address >> hostBits) << hostBits;
  return { version: parsed.version, prefixLength: parsed.prefixLength, address, first, last: first + (1n << hostBits) - 1n };
}

/** The network a CIDR block with host bits set stands for (`203.0.113.7/24` → `203.0.113.0/24`), or undefined when none are set. */
export function cidrWithHostBitsCleared(cidr: string): string | undefined {
  const range = cidrRange(cidr);
  if (typeof range === 'string' || range.address === range.first) return undefined;
  return `${formatAddress(range.version, range.first)}/${range.prefixLength}`;
}

/**
 * Whether the blocks of one version together cover every address of that version (`0.0.0.0/1` and `128.0.0.0/1`
 * admit the whole IPv4 internet as surely as `0.0.0.0/0`). Blocks that do not parse are ignored.
 */
export function cidrsCoverEverything(cidrs: readonly string[], version: 4 | 6): boolean {
  const ranges = cidrs.map(cidrRange).filter((r): r is CidrRange => typeof r !== 'string' && r.version === version)
    .sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
  let next = 0n;
  for (const r of ranges) {
    if (r.first > next) return false;
    if (r.last + 1n > next) next = r.last + 1n;
  }
  return next === 1n << WIDTH[version];
}

/** An IPv6 address (already checked by parseCidr) as a 128-bit number. */
function ipv6Value(ip: string): bigint {
  const [head, tail] = ip.includes('::') ? ip.split('::') : [ip, undefined];
  const groups = (text: string) => text.split(':').filter((g) => g !== '');
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const all = [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
  return all.reduce((acc, g) => (acc << 16n) + BigInt(parseInt(g, 16)), 0n);
}

/** An address in its usual text form: dotted IPv4, or compressed IPv6 (RFC 5952: the longest run of zero groups is `::`). */
function formatAddress(version: 4 | 6, value: bigint): string {
  if (version === 4) return [24n, 16n, 8n, 0n].map((s) => ((value >> s) & 255n).toString()).join('.');
  const groups = Array.from({ length: 8 }, (_, i) => ((value >> BigInt(112 - 16 * i)) & 0xffffn).toString(16));
  let best = { start: -1, length: 1 };
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > best.length) best = { start: i, length: j - i };
    i = j === i ? i + 1 : j;
  }
  if (best.start < 0) return groups.join(':');
  return `${groups.slice(0, best.start).join(':')}::${groups.slice(best.start + best.length).join(':')}`;
}
