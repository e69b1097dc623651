// Snapshot tests of synthesized CloudFormation that survive releases: asset hashes, asset parameters and the
// bootstrap-version check become stable placeholders, and nothing else changes. Pure: no CDK imports.

/** A content hash as CDK writes it for an asset (SHA-256, lower-case hex), not preceded by `sha256:` (an image digest). */
const ASSET_HASH = /(?<![0-9a-f]|sha256:)[0-9a-f]{64}(?![0-9a-f])/g;

/**
 * Where CDK writes asset hashes, and only there (a user's own 64-hex value, a config checksum or an image tag that is
 * a SHA-256, is a value and stays visible): a file asset's key or URL (`<hash>.zip`, `/<hash>.json`), an asset folder
 * (`asset.<hash>`), an image asset's tag in the bootstrap's container-assets repository, the legacy synthesizer's
 * parameter descriptions, a bare hash under an asset-only key.
 */
const ASSET_PLACE = /(?:^|\/)[0-9a-f]{64}\.(?:zip|json)$|(?:^|[/.])asset\.[0-9a-f]{64}|container-assets.*:[0-9a-f]{64}$|for asset (?:version )?"[0-9a-f]{64}"$/;
const ASSET_KEYS = new Set(['S3Key', 'aws:asset:path', 'aws:asset:property', 'aws:asset:dockerfile-path', 'ArtifactHash', 'assetHash', 'sourceHash']);

/** The legacy synthesizer's asset parameters: `AssetParameters<hash>S3Bucket<8 hex of the hash>`. */
const LEGACY_PARAMETER = /AssetParameters([0-9a-f]{64})(S3Bucket|S3VersionKey|ArtifactHash)[0-9A-F]{8}/g;

/** The placeholder of the n-th distinct asset of a template, in the order the template first names it. */
function placeholder(n: number): string {
  return `[asset ${n}]`;
}

/**
 * A copy of `template` fit for a snapshot: every asset hash where CDK writes one (Lambda code `S3Key`, nested-stack
 * `TemplateURL`, image asset tags, `aws:asset:*` metadata, the legacy synthesizer's asset parameters) becomes `[asset N]`,
 * numbered by first appearance, so the same asset keeps one placeholder and two different assets never share one;
 * the bootstrap-version rule and the CDK metadata resource's analytics (both move with aws-cdk-lib releases) become
 * fixed strings. Everything else is kept exactly, so a changed image, port, count or policy still changes the
 * snapshot. Image digests (`@sha256:…`) and 64-hex values of the user's own (a checksum in an environment variable, an
 * image tag) are values, not asset hashes, and are kept.
 *
 * TypeScript only; from other languages use `SnapshotNormalizer.normalizeTemplate`.
 *
 * @jsii ignore
 */
export function normalizeTemplate(template: any): any {
  const seen = new Map<string, string>();
  const name = (hash: string) => {
    let p = seen.get(hash);
    if (p === undefined) {
      p = placeholder(seen.size + 1);
      seen.set(hash, p);
    }
    return p;
  };
  const text = (s: string, key?: string) => {
    const legacy = s.replace(LEGACY_PARAMETER, (_, hash: string, kind: string) => `AssetParameters${name(hash)}${kind}`);
    return (key !== undefined && ASSET_KEYS.has(key)) || ASSET_PLACE.test(legacy) ? legacy.replace(ASSET_HASH, (hash) => name(hash)) : legacy;
  };
  const walk = (value: any, key?: string): any => {
    if (typeof value === 'string') return text(value, key);
    if (Array.isArray(value)) return value.map((v) => walk(v, key));
    if (value === null || typeof value !== 'object') return value;
    const out: Record<string, any> = {};
    for (const [k, v] of Object.entries(value)) out[text(k)] = walk(v, k);
    return out;
  };
  const out = walk(template);
  if (isObject(out?.Rules) && 'CheckBootstrapVersion' in out.Rules) {
    out.Rules = { ...out.Rules, CheckBootstrapVersion: '[bootstrap version check]' };
  }
  if (isObject(out?.Conditions) && 'CDKMetadataAvailable' in out.Conditions) {
    out.Conditions = { ...out.Conditions, CDKMetadataAvailable: '[regions with CDK metadata]' };
  }
  if (isObject(out?.Resources)) {
    for (const [id, resource] of Object.entries<any>(out.Resources)) {
      if (resource?.Type === 'AWS::CDK::Metadata' && isObject(resource.Properties)) {
        out.Resources[id] = { ...resource, Properties: { ...resource.Properties, Analytics: '[construct versions]' } };
      }
    }
  }
  return out;
}

/** Whether `value` looks like a CloudFormation template (an object with a `Resources` object). */
export function isTemplate(value: unknown): boolean {
  return isObject(value) && isObject((value as any).Resources);
}

function isObject(value: unknown): value is Record<string, any> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
