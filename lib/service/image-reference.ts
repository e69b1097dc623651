/**
 * Docker image references as Docker reads them (the grammar of github.com/distribution/reference, which the Docker
 * engine and the ECS agent use): `[host[:port]/]path[:tag][@digest]`. ECS registers a task definition whose image
 * Docker would refuse (`Nginx:1.27`: "repository name must be lowercase"), so the mistake surfaces only when a task
 * fails to start; this catches it at synth. Pure: no CDK imports, shared by FleetService and the compose translation.
 */

/** An image reference, split into its parts. */
export interface ImageReference {
  /** Registry host with optional port (`ghcr.io`, `localhost:5000`), when the reference names one. */
  readonly registry?: string;
  /** The repository path within the registry (`library/nginx` is written `nginx`). */
  readonly repository: string;
  /** The tag, when given. */
  readonly tag?: string;
  /** The digest (`sha256:…`), when given. */
  readonly digest?: string;
}

/** Most characters of a name (registry and repository), as Docker allows (`NameTotalLengthMax`). */
export const IMAGE_NAME_MAX_LENGTH = 255;

const ALPHA_NUMERIC = '[a-z0-9]+';
const SEPARATOR = '(?:[._]|__|[-]+)';
const PATH_COMPONENT = new RegExp(`^${ALPHA_NUMERIC}(?:${SEPARATOR}${ALPHA_NUMERIC})*$`);
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const HOST = new RegExp(`^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?$`);
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;

/** `reference` split into registry, repository, tag and digest, or why Docker would refuse it. */
export function parseImageReference(reference: string): ImageReference | string {
  if (reference === '') return 'it is empty';
  if (/\s/.test(reference)) return 'it contains whitespace';
  let rest = reference;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    const problem = digestProblem(digest);
    if (problem) return `its digest '${digest}' ${problem}`;
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (tag === '') return 'its tag is empty (the reference ends in \':\'; was a variable in it left unset?)';
    if (!TAG.test(tag)) return `its tag '${tag}' is not valid (letters, digits, _, . and -, starting with a letter, digit or _, at most 128 characters)`;
  }
  if (rest === '') return 'it has no repository name';
  if (rest.length > IMAGE_NAME_MAX_LENGTH) return `its name is ${rest.length} characters long; Docker allows ${IMAGE_NAME_MAX_LENGTH}`;
  const components = rest.split('/');
  let registry: string | undefined;
  // Docker reads the first component as a registry when it looks like a host: a '.', a ':' or 'localhost'.
  if (components.length > 1 && (/[.:]/.test(components[0]) || components[0] === 'localhost')) {
    registry = components.shift()!;
    if (!HOST.test(registry)) return `its registry '${registry}' is not a host name or address with an optional port`;
  }
  for (const component of components) {
    if (component === '') return "its repository has an empty path component (a leading, trailing or doubled '/')";
    if (component !== component.toLowerCase() && PATH_COMPONENT.test(component.toLowerCase())) {
      return `its repository '${components.join('/')}' has upper-case letters; Docker needs repository names in lower case`;
    }
    if (!PATH_COMPONENT.test(component)) {
      return `its repository path component '${component}' is not valid (lowercase letters and digits, separated by one '.', one or two '_', or '-'s)`;
    }
  }
  const repository = components.join('/');
  if (registry === undefined && /^[a-f0-9]{64}$/.test(repository)) return 'its name is 64 hexadecimal characters, which Docker reads as an image id, not a repository';
  return { registry, repository, tag, digest };
}

/** Hex digits of the digests Docker can verify (go-digest's registered algorithms), lower case. */
const DIGEST_HEX_LENGTH: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };

function digestProblem(digest: string): string | undefined {
  if (!DIGEST.test(digest)) return "is not an algorithm and a hex value such as 'sha256:' and 64 hex digits";
  const [algorithm, hex] = digest.split(':');
  const length = DIGEST_HEX_LENGTH[algorithm];
  if (length === undefined) return `uses ${algorithm}; Docker verifies sha256, sha384 and sha512 digests`;
  if (!new RegExp(`^[a-f0-9]{${length}}$`).test(hex)) return `is not ${length} lower-case hex digits after '${algorithm}:'`;
  return undefined;
}

/** Why Docker would refuse `reference`, or undefined when it is a valid image reference. */
export function imageReferenceProblem(reference: string): string | undefined {
  const parsed = parseImageReference(reference);
  return typeof parsed === 'string' ? parsed : undefined;
}

/** Why `name` cannot be an environment variable name of a container, or undefined when it can. */
export function environmentNameProblem(name: string): string | undefined {
  if (name === '') return 'is empty';
  if (name.includes('=')) return "contains '=' (Docker would split the name there)";
  if (name.includes('\0')) return 'contains a NUL character';
  return undefined;
}

/** `reference` written back from its parts: `[registry/]repository[:tag][@digest]`. */
export function formatImageReference(reference: ImageReference): string {
  return `${reference.registry ? `${reference.registry}/` : ''}${reference.repository}${reference.tag !== undefined ? `:${reference.tag}` : ''}${reference.digest !== undefined ? `@${reference.digest}` : ''}`;
}

/**
 * `reference` with its name (registry and repository) in lower case, for the fix of an upper-case repository:
 * `Nginx:1.27` → `nginx:1.27`. The tag and digest keep their case (tags are case-sensitive).
 */
export function withLowerCaseName(reference: string): string {
  const at = reference.indexOf('@');
  const [named, digest] = at >= 0 ? [reference.slice(0, at), reference.slice(at)] : [reference, ''];
  const colon = named.lastIndexOf(':');
  const nameEnd = colon > named.lastIndexOf('/') ? colon : named.length;
  return `${named.slice(0, nameEnd).toLowerCase()}${named.slice(nameEnd)}${digest}`;
}
