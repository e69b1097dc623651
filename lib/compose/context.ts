import { ComposeFileError, ComposeModel, ComposeWarning, LoadedCompose, ModelPath } from './load';
import { parseSizeMiB } from './parse';
import { TranslateOptions } from './plan';

/**
 * What every per-concern translation function of one compose service needs: the service's keys, where they are
 * in the file, and how to warn or fail. Pure, no CDK.
 */
export interface ServiceContext {
  /** The compose service name. */
  readonly name: string;
  /** The service's keys (interpolated, schema-valid). */
  readonly svc: Record<string, any>;
  /** File name for messages. */
  readonly file: string;
  readonly model: ComposeModel;
  readonly options: TranslateOptions;
  /** Variables (for `environment: [KEY]` and build args without a value). */
  readonly lookup: (name: string) => string | undefined;
  /** Warnings collected for this service. */
  readonly warnings: ComposeWarning[];
  /** A path under this service: `at('ports', 0)` → `services.<name>.ports[0]`. */
  at(...rest: Array<string | number>): ModelPath;
  /** Adds a warning `<file>: service <name>: <key>: <text>`. */
  warn(key: string, text: string): void;
  /** Throws a {@link ComposeFileError} at `path` (the key's position when `key` is true). */
  fail(path: ModelPath, problem: string, fix: string, key?: boolean): never;
}

/** Builds the context of service `name` of a loaded file. */
export function serviceContext(loaded: LoadedCompose, name: string, options: TranslateOptions): ServiceContext {
  const warnings: ComposeWarning[] = [];
  const file = loaded.file;
  return {
    name,
    svc: loaded.model.services?.[name] ?? {},
    file,
    model: loaded.model,
    options,
    lookup: options.lookup ?? (() => undefined),
    warnings,
    at: (...rest) => ['services', name, ...rest],
    warn: (key, text) => warnings.push({ key, service: name, message: `${file}: service ${name}: ${key}: ${text}` }),
    fail: (p, problem, fix, key = false) => {
      throw new ComposeFileError(file, loaded.locate(p, key), problem, fix);
    },
  };
}

/** A compose memory size in MiB (at least 6, Docker's minimum), or undefined when not given; an error when malformed. */
export function sizeOf(ctx: ServiceContext, value: unknown, p: ModelPath, min = 6): number | undefined {
  if (value === undefined || value === null) return undefined;
  const mib = parseSizeMiB(value as string | number);
  if (mib === undefined || mib < min) ctx.fail(p, `'${value}' is not a memory size of at least ${min} MiB`, "write a size such as '512m' or '1.5g'");
  return mib;
}

/** A whole number of 0 or more; an error otherwise. */
export function integerOf(ctx: ServiceContext, value: unknown, p: ModelPath, what: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) ctx.fail(p, `${what} '${value}' is not a whole number`, 'give a whole number, 0 or more');
  return n;
}

/** Compose booleans: YAML booleans, or the strings Compose accepts. */
export function booleanOf(value: unknown): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'boolean') return value;
  return ['true', 'yes', '1', 'on'].includes(String(value).toLowerCase());
}

/** A finite number, or undefined when missing or not a number. */
export function numberOf(value: unknown): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}
