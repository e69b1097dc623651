import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import { Composer, CST, Document, isAlias, isMap, isPair, isScalar, isSeq, LineCounter, Node, Parser, visit, YAMLParseError } from 'yaml';
import { interpolate, InterpolationError, VariableLookup } from './interpolate';
import { checkDocument, checkSyntaxDepth, checkTextSize, ComposeLimitError, expandAliases, formatCount, MAX_COMPOSE_CHARS, MAX_COMPOSE_FILE_BYTES, MAX_COMPOSE_SERVICES, positionAt } from './limits';

/**
 * Reading a compose file: YAML (1.2 core schema, with YAML 1.1 `<<` merge keys as Compose accepts them),
 * variable interpolation of every string value, then validation against the official Compose Specification
 * JSON schema (vendored in compose-spec.schema.json) with ajv. Every failure names the file, line and column.
 * The file is untrusted input (it may come from any git branch): every step is bounded by the limits of
 * limits.ts and takes time linear in the file's size, so any file is answered within seconds.
 * Pure apart from the schema import: no CDK, no file system access.
 */

/** A position in a compose file, 1-based like editors show it. */
export interface SourcePosition {
  readonly line: number;
  readonly column: number;
}

/** Something a compose file says that cannot be honoured as written: becomes a CDK warning annotation. */
export interface ComposeWarning {
  /** The compose key concerned (e.g. `container_name`, `ports`), used in the warning id. */
  readonly key: string;
  /** What is dropped or changed, and what was done instead. */
  readonly message: string;
  /** The service concerned, if any. */
  readonly service?: string;
}

/**
 * Thrown for invalid YAML, a failed interpolation or a schema violation: the message starts with `file:line:column`.
 *
 * TypeScript only as a type (jsii classes cannot extend `Error`); from other languages it is the exception whose
 * message starts with `file:line:column`.
 *
 * @jsii ignore
 */
export class ComposeFileError extends Error {
  constructor(
    public readonly file: string,
    public readonly position: SourcePosition | undefined,
    public readonly problem: string,
    public readonly fix: string,
  ) {
    super(`${file}${position ? `:${position.line}:${position.column}` : ''}: ${problem}`);
    this.name = 'ComposeFileError';
  }
}

/** A path into the compose model: map keys and sequence indexes. */
export type ModelPath = ReadonlyArray<string | number>;

/** A loaded, interpolated and schema-valid compose file. */
export interface LoadedCompose {
  /** The file name used in messages. */
  readonly file: string;
  /** The compose model as plain data (after interpolation), valid against the Compose Specification schema. */
  readonly model: ComposeModel;
  /** Warnings raised while loading (unset variables). */
  readonly warnings: ComposeWarning[];
  /** Where a value of the model is written in the file (the key's position when `key` is true). */
  locate(path: ModelPath, key?: boolean): SourcePosition | undefined;
}

/** The top level of a compose file (only the parts this library reads are typed). */
export interface ComposeModel {
  readonly name?: string;
  readonly version?: string;
  readonly services?: Record<string, Record<string, any>>;
  readonly volumes?: Record<string, Record<string, any> | null>;
  readonly networks?: Record<string, Record<string, any> | null>;
  readonly secrets?: Record<string, Record<string, any>>;
  readonly configs?: Record<string, Record<string, any>>;
  readonly include?: unknown[];
  readonly [extension: string]: unknown;
}

/** Options of {@link loadCompose}. */
export interface LoadOptions {
  /** File name for messages. */
  readonly file: string;
  /** Variables for interpolation; `undefined` means unset. */
  readonly lookup: VariableLookup;
}

let validator: ValidateFunction | undefined;

/** The compiled schema validator, built once per process (compiling takes ~100 ms). */
export function composeSchemaValidator(): ValidateFunction {
  if (!validator) {
    // strict: false because the official schema uses `type: [object, string]` with `properties`,
    // and `deprecated`; allErrors so the report can pick the most specific finding of a `oneOf`.
    const ajv = new Ajv({ allErrors: true, strict: false, validateSchema: false });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    validator = ajv.compile(require('./compose-spec.schema.json'));
  }
  return validator;
}

/** Parses, interpolates and validates compose file `text`. */
export function loadCompose(text: string, options: LoadOptions): LoadedCompose {
  const { file } = options;
  const lineCounter = new LineCounter();
  const at = (offset: number | undefined): SourcePosition | undefined => {
    if (offset === undefined) return undefined;
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const limited = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (e) {
      if (e instanceof ComposeLimitError) throw new ComposeFileError(file, at(e.offset), e.problem, e.fix);
      throw e;
    }
  };

  try {
    checkTextSize(text, MAX_COMPOSE_FILE_BYTES, 'the compose file');
  } catch (e) {
    // Before parsing, so the line counter knows no lines yet.
    if (e instanceof ComposeLimitError) throw new ComposeFileError(file, positionAt(text, e.offset), e.problem, e.fix);
    throw e;
  }
  const doc = limited(() => parseYaml(text, lineCounter));
  if (doc.errors.length > 0) {
    const first = doc.errors[0];
    throw new ComposeFileError(file, at(first.pos[0]), `invalid YAML: ${firstLine(first.message)}`, 'correct the YAML syntax at that position');
  }
  limited(() => checkDocument(doc, (offset) => {
    const pos = at(offset)!;
    return `line ${pos.line}, column ${pos.column}`;
  }));

  const warnings: ComposeWarning[] = [];
  const unsetReported = new Set<string>();
  // Each value may grow to the whole allowance; the running total stops a file whose values together pass it
  // before more work is done (expandAliases then counts them exactly, with aliases expanded).
  let interpolated = 0;
  interpolateDocument(doc, (node, isKey) => {
    if (isKey || typeof node.value !== 'string') return;
    try {
      node.value = interpolate(node.value, options.lookup, (name) => {
        if (unsetReported.has(name)) return;
        unsetReported.add(name);
        const pos = at(node.range?.[0]);
        warnings.push({
          key: 'interpolation',
          message: `${file}${pos ? `:${pos.line}:${pos.column}` : ''}: variable ${name} is not set; an empty string is used instead (pass it in 'variables' or a .env file)`,
        });
      });
    } catch (e) {
      if (!(e instanceof InterpolationError)) throw e;
      throw new ComposeFileError(file, at(node.range?.[0]), e.message,
        e.variable ? `set ${e.variable} in 'variables' or in a .env file beside the compose file` : 'correct the ${...} expression, or shorten the variables it substitutes');
    }
    interpolated += (node.value as string).length;
    if (interpolated > MAX_COMPOSE_CHARS) {
      throw new ComposeFileError(file, at(node.range?.[0]), `this value brings the file's values past the ${formatCount(MAX_COMPOSE_CHARS)} characters allowed after variable substitution`,
        'shorten the values or the variables substituted into them');
    }
  });
  limited(() => expandAliases(doc));

  // No aliases are left (expandAliases replaced them), so yaml's own alias count check has nothing to count.
  const model = (doc.toJS() ?? {}) as ComposeModel;
  const locate = (path: ModelPath, key = false): SourcePosition | undefined => {
    const found = findNode(doc, path);
    const node = key ? found?.key ?? found?.value : found?.value;
    return at(node?.range?.[0]);
  };

  if (typeof model !== 'object' || Array.isArray(model)) {
    throw new ComposeFileError(file, { line: 1, column: 1 }, 'the file is not a mapping of top-level keys', "start the file with 'services:'");
  }
  const services = model.services;
  if (services !== null && typeof services === 'object' && !Array.isArray(services) && Object.keys(services).length > MAX_COMPOSE_SERVICES) {
    throw new ComposeFileError(file, locate(['services'], true), `the file defines ${formatCount(Object.keys(services).length)} services, more than the ${MAX_COMPOSE_SERVICES} allowed in one compose file`,
      'split the project into several compose files (one ComposeProject each), or leave out services with profiles');
  }
  const validate = composeSchemaValidator();
  if (!validate(model)) {
    const error = mostSpecific(validate.errors ?? []);
    const path = pointerToPath(error.instancePath);
    const extra = error.keyword === 'additionalProperties' ? (error.params as { additionalProperty: string }).additionalProperty : undefined;
    const position = extra !== undefined ? locate([...path, extra], true) : locate(path, false);
    throw new ComposeFileError(file, position, describe(error, path, extra), fixFor(error, path, extra));
  }
  if (!model.services || Object.keys(model.services).length === 0) {
    throw new ComposeFileError(file, locate(['services'], true) ?? { line: 1, column: 1 }, 'the file defines no services', "declare at least one service under 'services:'");
  }
  return { file, model, warnings, locate };
}

/**
 * The first YAML document of `text`, as `parseDocument` would compose it, with the syntax tree's depth checked
 * first (the composer recurses per level). Duplicate keys are left to checkDocument: yaml's `uniqueKeys`
 * compares each key with every key before it in its mapping.
 */
function parseYaml(text: string, lineCounter: LineCounter): Document {
  const tokens: CST.Token[] = Array.from(new Parser(lineCounter.addNewLine).parse(text));
  checkSyntaxDepth(tokens);
  const composer = new Composer({ merge: true, uniqueKeys: false });
  let doc: Document | undefined;
  for (const next of composer.compose(tokens, true, text.length)) {
    if (!doc) {
      doc = next;
    } else {
      doc.errors.push(new YAMLParseError(next.range.slice(0, 2) as [number, number], 'MULTIPLE_DOCS', 'Source contains multiple documents; please use YAML.parseAllDocuments()'));
      break;
    }
  }
  return doc!;
}

function firstLine(s: string): string {
  return s.split('\n')[0].trim();
}

/** Visits every scalar of the document once (aliases share their anchor's node), telling keys from values. */
function interpolateDocument(doc: Document, fn: (node: { value: unknown; range?: [number, number, number] | null }, isKey: boolean) => void): void {
  visit(doc, {
    Scalar(key, node) {
      fn(node, key === 'key');
    },
  });
}

/** Finds the pair (key and value nodes) or item at `path`, following aliases and merge keys. */
function findNode(doc: Document, path: ModelPath): { key?: Node; value?: Node } | undefined {
  let current: unknown = doc.contents;
  let key: Node | undefined;
  for (const segment of path) {
    while (isAlias(current)) current = current.resolve(doc);
    if (isMap(current)) {
      const pair = findPair(doc, current, String(segment));
      if (!pair) return undefined;
      key = pair.key as Node;
      current = pair.value;
    } else if (isSeq(current)) {
      current = current.items[Number(segment)];
      key = undefined;
    } else {
      return undefined;
    }
  }
  while (isAlias(current)) current = current.resolve(doc);
  return { key, value: current as Node | undefined };
}

function findPair(doc: Document, map: { items: unknown[] }, segment: string): { key: unknown; value: unknown } | undefined {
  for (const pair of map.items) {
    if (!isPair(pair)) continue;
    if (isScalar(pair.key) && typeof pair.key.value === 'symbol') continue;
    const k = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
    if (k === segment) return pair;
  }
  // Merge keys (`<<: *defaults`): look in the merged maps too.
  for (const pair of map.items) {
    // With `merge: true`, yaml represents the `<<` key by a Symbol value (source '<<').
    if (!isPair(pair) || !isScalar(pair.key) || (pair.key.source ?? String(pair.key.value)) !== '<<') continue;
    const sources = isSeq(pair.value) ? pair.value.items : [pair.value];
    for (let source of sources) {
      while (isAlias(source)) source = source.resolve(doc);
      if (isMap(source)) {
        const found = findPair(doc, source, segment);
        if (found) return found;
      }
    }
  }
  return undefined;
}

function pointerToPath(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** `services.web.ports[0]` */
export function formatPath(path: ModelPath): string {
  return path.map((s, i) => (typeof s === 'number' || /^\d+$/.test(String(s)) ? `[${s}]` : `${i === 0 ? '' : '.'}${s}`)).join('') || '(top level)';
}

/**
 * ajv reports every failed branch of a `oneOf`; the user needs the one that says what is wrong:
 * the deepest location first, then an unknown key, a missing key or a bad value before a type mismatch.
 */
function mostSpecific(errors: ErrorObject[]): ErrorObject {
  const rank = (e: ErrorObject) => ({ additionalProperties: 0, required: 1, enum: 2, pattern: 3 } as Record<string, number>)[e.keyword] ?? 5;
  const candidates = errors.filter((e) => e.keyword !== 'oneOf' && e.keyword !== 'anyOf');
  const pool = candidates.length > 0 ? candidates : errors;
  return [...pool].sort((a, b) => depth(b) - depth(a) || rank(a) - rank(b))[0];
}

function depth(e: ErrorObject): number {
  return e.instancePath.split('/').length + (e.keyword === 'additionalProperties' ? 1 : 0);
}

function describe(error: ErrorObject, path: string[], extra: string | undefined): string {
  const where = formatPath(path);
  switch (error.keyword) {
    case 'additionalProperties':
      if (path.length === 0) return `'${extra}' is not a top-level key of the Compose Specification`;
      if (path.length === 2 && path[0] === 'services') return `service '${path[1]}': '${extra}' is not a service key of the Compose Specification`;
      return `${where}: '${extra}' is not allowed here by the Compose Specification`;
    case 'required':
      return `${where}: '${(error.params as { missingProperty: string }).missingProperty}' is required`;
    case 'enum':
      return `${where}: must be one of ${(error.params as { allowedValues: unknown[] }).allowedValues.map((v) => `'${v}'`).join(', ')}`;
    default:
      return `${where}: ${error.message}`;
  }
}

function fixFor(error: ErrorObject, path: string[], extra: string | undefined): string {
  if (error.keyword === 'additionalProperties' && path.length === 0 && extra !== undefined) {
    return "a version 1 file (services at the top level) must move its services under 'services:'; other top-level keys are "
      + "version, name, include, services, networks, volumes, secrets, configs, models and x-* extensions";
  }
  if (error.keyword === 'additionalProperties') return `remove or rename '${extra}' (extensions must start with 'x-')`;
  return 'change the value to what the Compose Specification allows (https://github.com/compose-spec/compose-spec)';
}
