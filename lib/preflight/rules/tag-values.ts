import { acknowledgeHint, finding, PreflightFinding, IPreflightRule } from '../rule';
import { isObject, jsonOf, printable, ResourceRef, TemplateSet } from '../template-set';

const ID = 'Preflight-TagValues';

/** Types whose services accept any characters in tags (EC2 and Auto Scaling); the rule leaves them alone. */
const ANY_CHARACTER_TYPES = /^AWS::(EC2|AutoScaling)::/;

/**
 * Why most AWS services reject a tag key or value ("letters, numbers, and spaces representable in UTF-8, and the
 * following characters: _ . : / = + - @"; keys up to 128 characters, values up to 256; keys not starting with
 * `aws:`), or undefined.
 *
 * TypeScript only; from other languages use `PreflightRules.tagProblem`.
 *
 * @jsii ignore
 */
export function tagProblem(key: string, value: string): string | undefined {
  const bad = (s: string) => [...new Set(s.replace(/[\p{L}\p{N}\p{Z}_.:/=+\-@]/gu, ''))].join('');
  if (key.length === 0 || key.length > 128) return `key "${key}" has ${key.length} characters (1 to 128)`;
  if (/^aws:/i.test(key)) return `key "${key}" starts with the reserved prefix aws:`;
  if (bad(key)) return `key "${key}" contains ${JSON.stringify(bad(key))}`;
  if (value.length > 256) return `value of "${key}" has ${value.length} characters (at most 256)`;
  if (bad(value)) return `value "${value}" of "${key}" contains ${JSON.stringify(bad(value))}`;
  return undefined;
}

/**
 * Tag keys and values with characters most services reject (IAM, Lambda, ECS, S3, SQS, Logs, …): a tag added to a
 * whole stack (`Tags.of(stack).add('qa-branch', 'fix#12')`) reaches every taggable resource, and the first one whose
 * service rejects it fails the deployment.
 */
export const TAG_VALUES: IPreflightRule = {
  id: ID,
  summary: 'tag keys and values with characters most AWS services reject (allowed: letters, digits, spaces, _ . : / = + - @)',
  check(templates: TemplateSet): PreflightFinding[] {
    const findings: PreflightFinding[] = [];
    for (const template of templates.templates) {
      for (const [logicalId, resource] of Object.entries(jsonOf(template).Resources ?? {})) {
        const tags = resource.Properties?.Tags;
        if (tags === undefined || ANY_CHARACTER_TYPES.test(resource.Type)) continue;
        const ref: ResourceRef = { template, logicalId, resource };
        const pairs: Array<[unknown, unknown, string]> = Array.isArray(tags)
          ? tags.map((t, i) => [t?.Key, t?.Value, `Properties.Tags.${i}`])
          : isObject(tags) ? Object.entries(tags).map(([k, v]) => [k, v, `Properties.Tags.${k}`]) : [];
        const seen = new Set<string>();
        for (const [keyExpr, valueExpr, location] of pairs) {
          const key = templates.literal(template, keyExpr);
          const value = templates.literal(template, valueExpr);
          if (typeof key !== 'string' || value === undefined) continue;
          const problem = tagProblem(key, String(value));
          if (!problem || seen.has(problem)) continue;
          seen.add(problem);
          findings.push(finding(ID, ref, location, `tag ${printable(problem)}; ${resource.Type} rejects it and the deployment fails`,
            `Sanitize the value where it is made (e.g. replace other characters with -), keeping only letters, digits, spaces and _ . : / = + - @. ${acknowledgeHint(ID)}`));
        }
      }
    }
    return findings;
  },
};
