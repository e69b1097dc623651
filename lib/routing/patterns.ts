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
