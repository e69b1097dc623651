import * as path from 'path';

/**
 * Where a compose bind mount's source lands on the instances. The policy (security-policy.ts) and the translation
 * (translate-storage.ts) both call {@link hostPathOf}, so the path that is checked is the path that is mounted: a
 * check on the source as written let `~/../../../..` through, which the translation then turned into `/`.
 * Pure, no CDK, no I/O.
 */

/** Whether a bind source is absolute on the instance (`/…`); everything else lands under the project's folder. */
export function isAbsoluteBindSource(source: string): boolean {
  return source.startsWith('/');
}

/**
 * The host path of a bind source: an absolute source stays where it is (normalised); any other (`./x`, `x`, `~/x`,
 * `C:\x`) is a path relative to `bindRoot`, the compose file's folder on the instances (`/opt/compose/<project>/…`):
 * `~` stands for `home` there, a drive letter for a folder of that name, `\` for `/`. `..` segments are resolved, so
 * the result says where the mount really is.
 */
export function hostPathOf(source: string, bindRoot: string): string {
  if (isAbsoluteBindSource(source)) return trimSlash(path.posix.normalize(source));
  const relative = source.startsWith('~') ? `home/${source.slice(1)}` : source;
  return trimSlash(path.posix.join(bindRoot, path.posix.normalize(relative.replace(/\\/g, '/'))));
}

/** The compose file's folder on the instances: the project's host root plus where the file lies in the project folder. */
export function bindRootOf(hostRoot: string, fromProject: string): string {
  return path.posix.join(hostRoot, fromProject);
}

/** Whether the host path `p` is `root` or lies under it (both absolute, normalised). */
export function isUnderHostRoot(root: string, p: string): boolean {
  const relative = path.posix.relative(root, p);
  return relative === '' || (relative !== '..' && !relative.startsWith('../') && !path.posix.isAbsolute(relative));
}

function trimSlash(p: string): string {
  // path.posix.normalize leaves `//x` (POSIX lets implementations give it a meaning; Linux reads it as `/x`) and one
  // trailing slash. Trimmed by hand: /(.)\/+$/ backtracks quadratically over a long run of slashes.
  let start = 0;
  while (start + 1 < p.length && p[start] === '/' && p[start + 1] === '/') start++;
  let end = p.length;
  while (end - start > 1 && p[end - 1] === '/') end--;
  return p.slice(start, end);
}
