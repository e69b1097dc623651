import { isTemplate, normalizeTemplate } from './normalize';

/**
 * The shape jest's `expect.addSnapshotSerializer` (and vitest's) takes: pretty-format's "old plugin" API, typed
 * here so the package needs no jest types.
 *
 * TypeScript and JavaScript only: snapshot serializers are a jest/vitest interface (with a printer callback, which
 * jsii cannot carry). Other languages call `SnapshotNormalizer.normalizeTemplate`.
 *
 * @jsii ignore
 */
export interface SnapshotSerializer {
  /** Whether this serializer prints `value`. */
  test(value: unknown): boolean;
  /** Prints `value` through jest's own printer, after normalising it. */
  serialize(value: any, config: unknown, indentation: string, depth: number, refs: unknown, printer: (...args: any[]) => string): string;
}

/** Templates this serializer has already normalised: the printer hands them back to `test`, which must let go. */
const normalised = new WeakSet<object>();

/**
 * A jest (or vitest) snapshot serializer for CloudFormation templates:
 * `expect.addSnapshotSerializer(fleetSnapshotSerializer)`, then `expect(Template.fromStack(stack).toJSON())
 * .toMatchSnapshot()`. Any object with a `Resources` object is printed through {@link normalizeTemplate}, so a
 * release that only changes a handler's code (or aws-cdk-lib's bootstrap requirements) leaves the snapshot as it
 * was, while a changed image, port, count or policy still breaks it.
 *
 * TypeScript and JavaScript only: snapshot serializers are a jest/vitest interface. Other languages call
 * `SnapshotNormalizer.normalizeTemplate`.
 *
 * @jsii ignore
 */
export const fleetSnapshotSerializer: SnapshotSerializer = {
  test: (value) => isTemplate(value) && !normalised.has(value as object),
  serialize: (value, config, indentation, depth, refs, printer) => {
    const out = normalizeTemplate(value);
    normalised.add(out);
    return printer(out, config, indentation, depth, refs);
  },
};

/** Snapshot normalisation for every CDK language (jsii: a static method rather than a module function). */
export class SnapshotNormalizer {
  /**
   * A copy of a synthesized CloudFormation template (for example `Template.fromStack(stack).toJSON()`) with asset
   * hashes, asset parameters and the bootstrap-version check replaced by stable placeholders; see
   * {@link normalizeTemplate}.
   */
  public static normalizeTemplate(template: any): any {
    return normalizeTemplate(template);
  }

  private constructor() {}
}
