/**
 * The shape of a Docker image reference (`[registry[:port]/]path[:tag][@algorithm:hex]`), as Docker's reference
 * grammar (distribution/reference) accepts it, so a reference left broken by an unset variable (`nginx:${TAG}` →
 * `nginx:`) fails at synth with its position instead of at deployment in ECS. Pure, no CDK.
 */

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^\w[\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-fA-F0-9]{32,}$/;
const DOMAIN = /^(?:\[[0-9a-fA-F:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*)(?::\d+)?$/;

/** What is wrong with image reference `ref`, or undefined when Docker would accept it. */
export function imageReferenceProblem(ref: string): string | undefined {
  if (ref === '') return 'it is empty';
  if (/\s/.test(ref)) return 'it contains white space';
  let rest = ref;
  const at = rest.indexOf('@');
  if (at >= 0) {
    const digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (digest === '') return "it ends with '@' (an empty digest)";
    if (!DIGEST.test(digest)) return `digest '${digest}' is not <algorithm>:<hex>`;
  }
  const slash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > slash) {
    const tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (tag === '') return "it ends with ':' (an empty tag)";
    if (!TAG.test(tag)) return `tag '${tag}' is not valid (letters, digits, '_', '.' and '-', at most 128, not starting with '.' or '-')`;
  }
  if (rest === '') return 'the repository name is empty';
  const parts = rest.split('/');
  // Docker reads the first component as a registry when it has '.' or ':', is localhost, or has upper-case letters.
  if (parts.length > 1 && (/[.:]/.test(parts[0]) || parts[0] === 'localhost' || parts[0] !== parts[0].toLowerCase())) {
    const domain = parts.shift()!;
    if (!DOMAIN.test(domain)) return `registry '${domain}' is not a host name with an optional port`;
  }
  for (const part of parts) {
    if (part === '') return `repository '${rest}' has an empty path component`;
    if (part !== part.toLowerCase()) return `repository '${rest}' must be lower-case`;
    if (!COMPONENT.test(part)) return `repository '${rest}' has an invalid component '${part}' (lower-case letters and digits, separated by '.', '_', '__' or '-')`;
  }
  return undefined;
}
