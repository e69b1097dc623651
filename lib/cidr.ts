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
