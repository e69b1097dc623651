/**
 * The address pool of a swarm's overlay networks (`docker swarm init --default-addr-pool`). Docker's default pool is
 * 10.0.0.0/8 in /24s and the ingress network takes 10.0.0.0/24 — inside a default VPC (10.0.0.0/16), where it hides
 * the VPC resolver at .2 and every VPC host in the overlapping ranges from containers (moby/moby#27399). Pure
 * functions, no CDK imports.
 */
import { parseCidr } from '../cidr';

/** An IPv4 CIDR block as numbers. */
export interface Ipv4Block {
  /** First address, as an unsigned 32-bit number. */
  readonly start: number;
  /** Prefix length, 0–32. */
  readonly prefix: number;
}

/** Parses `a.b.c.d/n`; undefined when it is not an IPv4 CIDR block whose address is the block's first address. */
export function parseIpv4Block(cidr: string): Ipv4Block | undefined {
  // Not trimmed: the pool reaches `docker swarm init` exactly as given.
  const parsed = parseCidr(cidr);
  if (typeof parsed === 'string' || parsed.version !== 4 || parsed.address === undefined) return undefined;
  if (parsed.address % 2 ** (32 - parsed.prefixLength) !== 0) return undefined;
  return { start: parsed.address, prefix: parsed.prefixLength };
}

/** Whether two blocks share an address. */
export function overlaps(a: Ipv4Block, b: Ipv4Block): boolean {
  const aEnd = a.start + 2 ** (32 - a.prefix);
  const bEnd = b.start + 2 ** (32 - b.prefix);
  return a.start < bEnd && b.start < aEnd;
}

/**
 * The pool when the VPC's CIDR blocks are not known at synth (an imported VPC whose CIDR is a token): outside
 * RFC 1918, so it cannot overlap a 10/8, 172.16/12 or 192.168/16 VPC or peer, and at the far end of the shared
 * address space 100.64.0.0/10, which AWS accepts as a VPC range but which deployments number from its start
 * (100.64.0.0/16 for EKS pod subnets, for example).
 */
export const UNKNOWN_VPC_POOL = '100.127.0.0/16';

/**
 * The default pool of a VPC: the highest /16 of 10.0.0.0/8 that overlaps none of the VPC's CIDR blocks
 * (10.255.0.0/16 for every VPC outside it), room for 256 overlay networks of /24.
 */
export function defaultAddressPool(vpcCidrs: string[]): string {
  const blocks = vpcCidrs.map(parseIpv4Block).filter((b): b is Ipv4Block => b !== undefined);
  for (let second = 255; second >= 0; second--) {
    const candidate = { start: ((10 << 24) | (second << 16)) >>> 0, prefix: 16 };
    if (!blocks.some((b) => overlaps(b, candidate))) return `10.${second}.0.0/16`;
  }
  return UNKNOWN_VPC_POOL;
}

/** Problems with a pool and its network size, judged against the VPC's known CIDR blocks. */
export function addressPoolProblems(pool: string, maskLength: number, vpcCidrs: string[]): string[] {
  const block = parseIpv4Block(pool);
  if (!block) return [`overlayAddressPool '${pool}' is not an IPv4 CIDR block (a.b.c.d/n, the address being the first of the block)`];
  const problems: string[] = [];
  if (block.prefix < 8 || block.prefix > 28) problems.push(`overlayAddressPool '${pool}' has a /${block.prefix} prefix; Docker's pools are /8 to /28`);
  if (!Number.isInteger(maskLength) || maskLength < block.prefix || maskLength > 29) {
    problems.push(`overlayAddressPoolMaskLength ${maskLength} does not fit the pool: use a whole number from ${block.prefix} to 29`);
  }
  for (const vpc of vpcCidrs) {
    const v = parseIpv4Block(vpc);
    if (v && overlaps(v, block)) problems.push(`overlayAddressPool '${pool}' overlaps the VPC's CIDR block ${vpc}: containers on overlay networks could not reach those VPC addresses (the VPC resolver included)`);
  }
  return problems;
}
