import { CST, Document, isAlias, isCollection, isMap, isScalar, isSeq, Node } from 'yaml';

/**
 * How much one compose file may make the import do. A compose file can come from any git branch, so it is
 * untrusted input: each limit bounds the time and memory of reading it, and answers within seconds with a
 * `file:line:column` error instead of stalling CI or overflowing the stack. Every limit is far above what real
 * compose files use (docs/compose.md, "Size and depth limits", gives the measurements). Pure: no CDK, no I/O.
 */

/**
 * Largest compose file read, in bytes (UTF-8): 1 MiB. The largest file of the awesome-compose corpus is 1.6 KB and
 * one of the largest real compose files we know, getsentry/self-hosted's (57 services), is 34.5 KB: 1 MiB is 30
 * times that, and a file just under it still loads in about 1.5 s (bench/compose.ts).
 */
export const MAX_COMPOSE_FILE_BYTES = 1024 * 1024;

/**
 * Largest `.env` or `env_file` read, in bytes (UTF-8): 1 MiB, as for compose files. Real ones hold a few dozen
 * variables (getsentry/self-hosted's .env is 2.6 KB), and an ECS task definition, where an env_file ends up,
 * is at most 64 KiB anyway (ECS's task definition size quota).
 */
export const MAX_ENV_FILE_BYTES = 1024 * 1024;

/**
 * Most YAML nodes (keys, values, mappings and sequences, each alias counted as the nodes it stands for): 100,000.
 * getsentry/self-hosted's file has 4,307 with its aliases expanded; the generated 100-service benchmark file 3,902.
 * The bound holds the schema validation and the translation, which see every alias expanded, to about a second.
 */
export const MAX_COMPOSE_NODES = 100_000;

/**
 * Deepest nesting of mappings and sequences, aliases expanded: 64. The Compose Specification's deepest paths are
 * 6 levels (`services.web.deploy.resources.limits.cpus`), x- extensions rarely add more than a few; the YAML
 * reader, the schema validator and the translation recurse once per level; the composer overflowed the stack near 800.
 */
export const MAX_COMPOSE_DEPTH = 64;

/**
 * Most characters of all keys and values together, after variable substitution and with aliases expanded:
 * 8 Mi (8,388,608). It stops a small file from growing to gigabytes through aliases (billion laughs) or through
 * `${VAR}` repeated with a large VAR; the values end in CloudFormation templates, of at most 1 MB each (its quota
 * for a template in S3).
 */
export const MAX_COMPOSE_CHARS = 8 * 1024 * 1024;

/**
 * Deepest nesting of `${...}` inside a default, message or replacement (`${A:-${B:-x}}` is 2): 16. Real files
 * nest two or three; interpolation recurses once per level.
 */
export const MAX_INTERPOLATION_DEPTH = 16;

/**
 * Most services in one compose file: 250. getsentry/self-hosted, one of the largest real files, has 57; the
 * 100-service benchmark (bench/compose.ts) synthesizes in seconds. Each service becomes an ECS service, task
 * definition, roles, log group and Service Connect entries (about 20 ms of synth each, and its start order is
 * computed against every other service), and CloudFormation's 500 resources per stack make thousands impossible
 * anyway: without a bound, a 490 KB file of 24,000 one-line services passed every other limit and ran for minutes.
 */
export const MAX_COMPOSE_SERVICES = 250;

/** A limit or YAML structure check failed at `offset` (characters into the text); the caller adds the file and position. */
export class ComposeLimitError extends Error {
  constructor(public readonly offset: number, public readonly problem: string, public readonly fix: string) {
    super(problem);
    this.name = 'ComposeLimitError';
  }
}

/** `1,048,576` */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** `text` cut to `max` characters, so a message never repeats a megabyte of input. */
export function shorten(text: string, max = 60): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** `text` quoted for a message, cut to `max` characters. */
export function quoteForMessage(text: string, max = 60): string {
  return `'${shorten(text, max)}'`;
}

/**
 * The character offset of the first character of `text` that does not fit in `maxBytes` of UTF-8, or undefined
 * when all of it fits. Linear, and stops at the limit.
 */
export function utf8Overflow(text: string, maxBytes: number): number | undefined {
  if (text.length * 3 <= maxBytes) return undefined;
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const pair = c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
    bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : pair ? 4 : 3;
    if (bytes > maxBytes) return i;
    if (pair) i++;
  }
  return undefined;
}

/** Throws when `text` is larger than `maxBytes` of UTF-8, at the first character past the limit. */
export function checkTextSize(text: string, maxBytes: number, what: string): void {
  const over = utf8Overflow(text, maxBytes);
  if (over === undefined) return;
  throw new ComposeLimitError(over, `${what} is ${formatCount(Buffer.byteLength(text, 'utf8'))} bytes, more than the ${formatCount(maxBytes)} bytes (${maxBytes / 1024 / 1024} MiB) allowed; the limit is crossed here`,
    `split the file, or move large values out of it (configs and secrets can name files)`);
}

/** 1-based line and column of character `offset` in `text`. */
export function positionAt(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, column: offset - start + 1 };
}

/**
 * Checks the nesting depth of the YAML syntax tree before it is composed into a document: the composer recurses
 * once per level and failed with a stack overflow near 800 levels (`[[[[...`, `- - - - ...`), which 2 bytes a
 * level reach in a small file. Iterative, so any depth is measured safely.
 */
export function checkSyntaxDepth(tokens: readonly CST.Token[], maxDepth = MAX_COMPOSE_DEPTH): void {
  const stack: Array<[CST.Token, number]> = tokens.map((t): [CST.Token, number] => [t, 0]).reverse();
  while (stack.length > 0) {
    const [token, depth] = stack.pop()!;
    if (token.type === 'document') {
      if (token.value) stack.push([token.value, depth]);
    } else if (token.type === 'block-map' || token.type === 'block-seq' || token.type === 'flow-collection') {
      if (depth + 1 > maxDepth) throw depthError(token.offset, maxDepth);
      for (let i = token.items.length - 1; i >= 0; i--) {
        const item = token.items[i] as CST.CollectionItem;
        if (item.value) stack.push([item.value, depth + 1]);
        if (item.key) stack.push([item.key, depth + 1]);
      }
    }
  }
}

function depthError(offset: number, maxDepth: number, alias?: string): ComposeLimitError {
  return new ComposeLimitError(offset,
    `${alias ? `alias *${alias} makes` : 'mappings and sequences are'} nested more than ${maxDepth} levels deep${alias ? ' when it is expanded' : ''}`,
    `flatten the structure; real compose files nest fewer than 10 levels`);
}

/** Limits of {@link checkDocument}; the defaults are the documented ones. */
export interface DocumentLimits {
  readonly maxNodes?: number;
  readonly maxDepth?: number;
}

/** Expanded size of a node: nodes it stands for, and its height in mappings and sequences. */
interface Measure {
  readonly nodes: number;
  readonly height: number;
}

/**
 * Checks a composed YAML document in one pass, in document order, in time linear in its size:
 * - duplicate keys in a mapping (a Set per mapping; yaml's own `uniqueKeys` check compares each key with every
 *   key before it, which takes 24 s for 40,000 keys). Keys are compared as the compose model will see them
 *   (`1` and `"1"` are the same key there);
 * - aliases: each must name an anchor before it and not one that contains it (a cycle);
 * - merge keys (`<<`) must take a mapping or a list of mappings;
 * - the node count and the nesting depth, with every alias expanded (memoized per anchor, so a billion laughs
 *   is measured without being expanded).
 * Recursion is bounded by `maxDepth`: it stops at the first node past it.
 */
export function checkDocument(doc: Document, where: (offset: number) => string, limits: DocumentLimits = {}): void {
  const maxNodes = limits.maxNodes ?? MAX_COMPOSE_NODES;
  const maxDepth = limits.maxDepth ?? MAX_COMPOSE_DEPTH;
  const anchors = new Map<string, Node>();
  const measured = new Map<Node, Measure | 'open'>();
  let total = 0;

  const count = (offset: number, n: number, alias?: string) => {
    total += n;
    if (total > maxNodes) {
      throw new ComposeLimitError(offset,
        alias
          ? `alias *${alias} expands to ${formatCount(n)} nodes, which brings the file past the ${formatCount(maxNodes)} keys and values allowed (aliases count as what they stand for)`
          : `the file has more than the ${formatCount(maxNodes)} keys and values allowed; the limit is crossed here`,
        alias ? 'use fewer aliases of large anchors' : 'split the file');
    }
  };

  const visit = (node: unknown, level: number): Measure => {
    if (node === null || node === undefined) return { nodes: 0, height: 0 };
    const offset = (node as Node).range?.[0] ?? 0;
    if (isAlias(node)) {
      const target = anchors.get(node.source);
      if (!target) {
        throw new ComposeLimitError(offset, `alias *${node.source} names no anchor before it`, `define &${node.source} before using *${node.source}`);
      }
      const m = measured.get(target);
      if (m === 'open' || m === undefined) {
        throw new ComposeLimitError(offset, `alias *${node.source} is inside its own anchor &${node.source}, so it would expand forever`, `move *${node.source} out of the value it names`);
      }
      if (level + m.height > maxDepth) throw depthError(offset, maxDepth, node.source);
      count(offset, m.nodes, node.source);
      return m;
    }
    const anchor = (node as Node).anchor;
    if (anchor) anchors.set(anchor, node as Node);
    if (!isCollection(node)) {
      count(offset, 1);
      const m = { nodes: 1, height: 0 };
      if (anchor) measured.set(node as Node, m);
      return m;
    }
    if (level + 1 > maxDepth) throw depthError(offset, maxDepth);
    count(offset, 1);
    measured.set(node as Node, 'open');
    let nodes = 1;
    let height = 0;
    const add = (m: Measure) => {
      nodes += m.nodes;
      height = Math.max(height, m.height);
    };
    if (isMap(node)) {
      const keys = new Map<string, number>();
      for (const pair of node.items) {
        const key = pair.key as Node | null;
        if (isScalar(key) && typeof key.value === 'symbol') {
          add(visit(key, level + 1));
          checkMergeSource(pair.value, anchors);
          add(visit(pair.value, level + 1));
          continue;
        }
        // An alias used as a key is the key it names; collection keys are rare and never compared (as in yaml).
        const keyNode = isAlias(key) ? anchors.get(key.source) : key;
        if (isScalar(keyNode)) {
          // As the compose model will see it: toJS turns keys into strings, null into ''.
          const name = keyNode.value === null || keyNode.value === undefined ? '' : String(keyNode.value);
          const first = keys.get(name);
          const at = key?.range?.[0] ?? offset;
          if (first !== undefined) {
            throw new ComposeLimitError(at, `invalid YAML: map keys must be unique, and ${quoteForMessage(name)} is already a key of this mapping (at ${where(first)})`,
              'remove one of the two, or rename it');
          }
          keys.set(name, at);
        }
        add(visit(key, level + 1));
        add(visit(pair.value, level + 1));
      }
    } else if (isSeq(node)) {
      for (const item of node.items) add(visit(item, level + 1));
    }
    const m = { nodes, height: height + 1 };
    measured.set(node as Node, m);
    return m;
  };

  visit(doc.contents, 0);
}

/** `<<` takes a mapping, an alias of one, or a list of those (yaml throws a bare Error later otherwise). */
function checkMergeSource(value: unknown, anchors: Map<string, Node>): void {
  const resolve = (v: unknown) => (isAlias(v) ? anchors.get(v.source) : v);
  const source = resolve(value);
  const items = isSeq(source) ? source.items : [value];
  for (const item of items) {
    if (isAlias(item) && !anchors.has(item.source)) continue; // reported as an unknown alias when visited
    if (!isMap(resolve(item))) {
      const offset = ((item as Node | null)?.range ?? (value as Node | null)?.range)?.[0] ?? 0;
      throw new ComposeLimitError(offset, "a merge key (<<) takes a mapping, an alias of one, or a list of those", 'merge a mapping (<<: *defaults) or move the value under a key of its own');
    }
  }
}

/**
 * Checks the characters of all strings (keys and values) with aliases expanded, after interpolation, then
 * replaces every alias by the node it names, so converting the document to data does not resolve aliases itself:
 * yaml's resolution scans the document once per alias (50,000 aliases took over 3 minutes). Must run after
 * {@link checkDocument} (every alias names an earlier anchor, no cycles). Linear: sizes are memoized per anchor.
 */
export function expandAliases(doc: Document, maxChars = MAX_COMPOSE_CHARS): void {
  const anchors = new Map<string, Node>();
  const sizes = new Map<Node, number>();
  let total = 0;
  const add = (offset: number, n: number, alias?: string) => {
    total += n;
    if (total > maxChars) {
      throw new ComposeLimitError(offset,
        `${alias ? `alias *${alias} expands to ${formatCount(n)} characters, which brings` : 'this value brings'} the file's keys and values past the ${formatCount(maxChars)} characters allowed`
        + ' (after variable substitution, with aliases expanded)',
        alias ? 'use fewer aliases of large anchors' : 'shorten the values or the variables substituted into them');
    }
  };
  // Returns the node to use in place of `node` and its size in characters.
  const visit = (node: unknown): [unknown, number] => {
    if (node === null || node === undefined) return [node, 0];
    const offset = (node as Node).range?.[0] ?? 0;
    if (isAlias(node)) {
      const target = anchors.get(node.source)!;
      const size = sizes.get(target)!;
      add(offset, size, node.source);
      return [target, size];
    }
    let size = 0;
    const anchor = (node as Node).anchor;
    if (anchor) anchors.set(anchor, node as Node);
    if (isScalar(node)) {
      size = typeof node.value === 'string' ? node.value.length : 0;
      add(offset, size);
    } else if (isMap(node)) {
      for (const pair of node.items) {
        const [key, keySize] = visit(pair.key);
        const [value, valueSize] = visit(pair.value);
        pair.key = key;
        pair.value = value;
        size += keySize + valueSize;
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        const [value, itemSize] = visit(item);
        node.items[i] = value;
        size += itemSize;
      });
    }
    sizes.set(node as Node, size);
    return [node, size];
  };
  doc.contents = visit(doc.contents)[0] as Document['contents'];
}
