// Snapshot tests of synthesized CloudFormation that survive releases: asset hashes, asset parameters and the
// bootstrap-version check become stable placeholders, and nothing else changes. Pure: no CDK imports.

/** A content hash as CDK writes it for an asset (SHA-256, lower-case hex), not preceded by `sha256:` (an image digest). */
const ASSET_HASH = /(?<![0-9a-f]|sha256:)[0-9a-f]{64}(?![0-9a-f])/g;

/** The legacy synthesizer's asset parameters: `AssetParameters<hash>S3Bucket<8 hex of the hash>`. */
const LEGACY_PARAMETER = /AssetParameters([0-9a-f]{64})(S3Bucket|S3VersionKey|ArtifactHash)[0-9A-F]{8}/g;

/** The placeholder of the n-th distinct asset of a template, in the order the template first names it. */
function placeholder(n: number): string {
  return `[asset ${n}]`;
}

/**
 * A copy of `template` fit for a snapshot: every asset hash (Lambda code `S3Key`, nested-stack `TemplateURL`,
 * container image tags, `aws:asset:*` metadata, the legacy synthesizer's asset parameters) becomes `[asset N]`,
 * numbered by first appearance, so the same asset keeps one placeholder and two different assets never share one;
 * the bootstrap-version rule and the CDK metadata resource's analytics (both move with aws-cdk-lib releases) become
 * fixed strings. Everything else is kept exactly, so a changed image, port, count or policy still changes the
 * snapshot. Image digests (`@sha256:…`) are values, not asset hashes, and are kept.
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
  const text = (s: string) => s
    .replace(LEGACY_PARAMETER, (_, hash: string, kind: string) => `AssetParameters${name(hash)}${kind}`)
    .replace(ASSET_HASH, (hash) => name(hash));
  const walk = (value: any): any => {
    if (typeof value === 'string') return text(value);
    if (Array.isArray(value)) return value.map(walk);
    if (value === null || typeof value !== 'object') return value;
    const out: Record<string, any> = {};
    for (const [key, v] of Object.entries(value)) out[text(key)] = walk(v);
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
