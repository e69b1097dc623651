import { Annotations, Duration, Token } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { cidrRange, cidrsCoverEverything, cidrWithHostBitsCleared } from './cidr';
import { fleetError } from './errors';

export { cidrRange, cidrsCoverEverything, cidrWithHostBitsCleared, parseCidr } from './cidr';
export type { CidrRange, ParsedCidr } from './cidr';

/**
 * Token-aware checks of the values users type, shared by every construct so that each bad value fails the same way:
 * `<construct path>: <name> <value> is not valid. Fix: use <what is allowed>.` A value that is still a token (a
 * parameter, an imported value) cannot be judged at synth and passes.
 */

/** A whole-number range; `max` open when absent. */
export interface WholeNumberRange {
  readonly min: number;
  readonly max?: number;
  /** What the number counts, for the message: `'CPU units (1,024 = one vCPU)'`, `'instances'`. @default - none */
  readonly unit?: string;
}

/** Why `value` is not a whole number in `range`, or undefined when it is (or is a token). */
export function wholeNumberProblem(value: number, range: WholeNumberRange): string | undefined {
  if (Token.isUnresolved(value)) return undefined;
  if (Number.isInteger(value) && value >= range.min && (range.max === undefined || value <= range.max)) return undefined;
  const unit = range.unit ? ` ${range.unit}` : '';
  return range.max === undefined ? `a whole number, ${range.min} or more${unit}` : `a whole number from ${range.min} to ${range.max}${unit}`;
}

/** Throws when `value` (if given) is not a whole number in `range`. */
export function checkWholeNumber(scope: Construct, name: string, value: number | undefined, range: WholeNumberRange): void {
  if (value === undefined) return;
  const allowed = wholeNumberProblem(value, range);
  if (allowed) throw fleetError(scope, `${name} ${value} is not valid`, `use ${allowed}`);
}

/** Throws when `value` (if given) is not a whole percentage from `min` to `max`. */
export function checkPercent(scope: Construct, name: string, value: number | undefined, min = 0, max = 100): void {
  if (value === undefined || Token.isUnresolved(value)) return;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw fleetError(scope, `${name} ${value} is not valid`, `use a whole percentage from ${min} to ${max}`);
  }
}

/** A duration range, inclusive; `max` open when absent. */
export interface DurationRange {
  readonly min: Duration;
  readonly max?: Duration;
  /** The whole unit the duration must be a multiple of. @default - any number of seconds */
  readonly wholeUnit?: 'seconds' | 'minutes';
  /** Why the range, for the message: `'the lifecycle hook heartbeat range'`. @default - none */
  readonly why?: string;
}

/** Throws when `value` (if given and resolved) is outside `range` or not a multiple of its whole unit. */
export function checkDuration(scope: Construct, name: string, value: Duration | undefined, range: DurationRange): void {
  if (value === undefined || value.isUnresolved()) return;
  const seconds = value.toSeconds({ integral: false });
  const whole = range.wholeUnit === 'minutes' ? seconds % 60 === 0 : range.wholeUnit === 'seconds' ? Number.isInteger(seconds) : true;
  if (whole && seconds >= range.min.toSeconds({ integral: false }) && (range.max === undefined || seconds <= range.max.toSeconds({ integral: false }))) return;
  const span = range.max === undefined ? `${range.min.toHumanString()} or more` : `${range.min.toHumanString()} to ${range.max.toHumanString()}`;
  const unit = range.wholeUnit ? `whole ${range.wholeUnit}, ` : '';
  throw fleetError(scope, `${name} ${value.toHumanString()} is not valid`, `use ${unit}${span}${range.why ? ` (${range.why})` : ''}`);
}

/** Options of {@link checkCidrs}. */
export interface CidrListOptions {
  /** Allow an empty list. @default false: an empty list of allowed ranges would admit nobody (or, worse, be read as everybody) */
  readonly allowEmpty?: boolean;
  /** Allow /0 (the whole internet), or ranges that together cover it (`0.0.0.0/1` and `128.0.0.0/1`). @default true */
  readonly allowAnywhere?: boolean;
  /** What the ranges are for, for the message. @default 'address ranges' */
  readonly what?: string;
}

/**
 * Throws when `cidrs` (if given) holds a value that is not a CIDR block, or breaks `options`; warns about a block with
 * host bits set (`203.0.113.7/24`), which AWS reads as its network (`203.0.113.0/24`) while the user often meant the
 * one address. Tokens pass.
 */
export function checkCidrs(scope: Construct, name: string, cidrs: readonly string[] | undefined, options: CidrListOptions = {}): void {
  if (cidrs === undefined || Token.isUnresolved(cidrs)) return;
  if (cidrs.length === 0 && !options.allowEmpty) {
    throw fleetError(scope, `${name} is empty`, `list the ${options.what ?? 'address ranges'} to admit, e.g. ['203.0.113.0/24'], or leave ${name} out for the default`);
  }
  const known = cidrs.filter((cidr) => !Token.isUnresolved(cidr));
  for (const cidr of known) {
    const parsed = cidrRange(cidr);
    if (typeof parsed === 'string') {
      throw fleetError(scope, `${name} holds '${cidr}', which is not a CIDR block: ${parsed}`, "write an address range such as '203.0.113.0/24' or '2001:db8::/32'");
    }
    if (parsed.prefixLength === 0 && options.allowAnywhere === false) {
      throw fleetError(scope, `${name} holds ${cidr}, which admits the whole internet`, `list only the ${options.what ?? 'address ranges'} that should reach it`);
    }
    const network = cidrWithHostBitsCleared(cidr);
    if (network !== undefined) {
      const single = parsed.version === 4 ? 32 : 128;
      Annotations.of(scope).addWarningV2('@cdk-container-fleet/validation:cidrHostBits',
        `${name} holds ${cidr}, which has host bits set: it admits the whole network ${network}, not only ${cidr.slice(0, cidr.indexOf('/'))}. `
        + `Write '${network}' if you mean that network, or '${cidr.slice(0, cidr.indexOf('/'))}/${single}' for the one address`);
    }
  }
  if (options.allowAnywhere === false) {
    for (const version of [4, 6] as const) {
      if (!cidrsCoverEverything(known, version)) continue;
      const together = known.filter((c) => (cidrRange(c) as { version: number }).version === version);
      throw fleetError(scope, `${name} holds ${together.join(', ')}, which together admit the whole ${version === 4 ? 'IPv4' : 'IPv6'} internet`,
        `list only the ${options.what ?? 'address ranges'} that should reach it`);
    }
  }
}
