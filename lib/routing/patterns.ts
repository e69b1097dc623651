/**
 * Checks of ALB condition values, so a typo fails at synth instead of at deploy
 * (Elastic Load Balancing User Guide, "Listener rules": path and host conditions).
 * Each function returns a description of what is wrong, or undefined when the value is valid.
 */

const MAX_LENGTH = 128;
const PATH_CHARS = /^[A-Za-z0-9_\-.$/~"'@:+&*?]+$/;
const HOST_CHARS = /^[A-Za-z0-9\-.*?]+$/;

/** Problems with an ALB path pattern, or undefined. */
export function pathPatternProblem(path: string): string | undefined {
  if (path.length === 0) return 'it is empty';
  if (path.length > MAX_LENGTH) return `it is ${path.length} characters long; ALB allows ${MAX_LENGTH}`;
  if (!path.startsWith('/')) return "it does not start with '/'";
  if (!PATH_CHARS.test(path)) return 'it holds characters ALB does not accept in a path pattern (allowed: A-Z a-z 0-9 _ - . $ / ~ " \' @ : + & * ?)';
  return undefined;
}

/** Problems with an ALB host header pattern, or undefined. */
export function hostPatternProblem(host: string): string | undefined {
  if (host.length === 0) return 'it is empty';
  if (host.length > MAX_LENGTH) return `it is ${host.length} characters long; ALB allows ${MAX_LENGTH}`;
  if (!HOST_CHARS.test(host)) return 'it holds characters ALB does not accept in a host pattern (allowed: A-Z a-z 0-9 - . * ?)';
  if (!host.includes('.')) return "it has no '.'; ALB host conditions need a domain such as app.example.com";
  if (!/[A-Za-z*?]+$/.test(host.substring(host.lastIndexOf('.') + 1))) return 'it does not end in an alphabetic top-level domain';
  return undefined;
}

/** The HTTP codes an ALB health check may count as healthy (ELB API Reference, "Matcher": 200 to 499). */
const HEALTHY_CODES = { min: 200, max: 499 };

/**
 * Problems with an ALB `healthyHttpCodes` matcher, or undefined: codes from 200 to 499, given as one code (`200`), a
 * comma list (`200,202`), a range (`200-299`), or a comma list of codes and ranges.
 */
export function healthyHttpCodesProblem(codes: string): string | undefined {
  if (codes.length === 0) return 'it is empty';
  for (const item of codes.split(',')) {
    const m = /^(\d{3})(?:-(\d{3}))?$/.exec(item);
    if (!m) return `'${item}' is not an HTTP code or a range of codes`;
    const low = Number(m[1]);
    const high = m[2] === undefined ? low : Number(m[2]);
    for (const code of new Set([low, high])) {
      if (code < HEALTHY_CODES.min || code > HEALTHY_CODES.max) return `${code} is outside the ${HEALTHY_CODES.min} to ${HEALTHY_CODES.max} an ALB health check accepts`;
    }
    if (low > high) return `the range ${item} runs backwards`;
  }
  return undefined;
}
