/**
 * Acknowledging a validation finding (cdk-nag, the preflight checks) on every aws-cdk-lib the peer range accepts.
 * Not part of the public API (lib/index.ts does not export this file).
 */
import { Acknowledgment, Annotations, Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * The namespace aws-cdk-lib gives an id that names none (`Annotation::AwsSolutions-EC23`); cdk-nag and the preflight
 * plugin strip it when they read acknowledgements.
 */
const DEFAULT_NAMESPACE = 'Annotation';

/**
 * Acknowledges a finding on `scope` and everything below it: `Validations.of(scope).acknowledge(rule)`.
 *
 * aws-cdk-lib before 2.269.0 refuses an id with more than one `::`, which cdk-nag's granular ids have
 * (`AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:…]`). For such an id this records the acknowledgement the way
 * `acknowledge` does (2.263.0 and 2.276.0 alike): a `Validations.ACKNOWLEDGED_RULES_METADATA_KEY` metadata entry
 * `{ 'Annotation::<id>': reason }` on `scope`, which is what cdk-nag and the preflight plugin read, and the matching
 * `Annotations.acknowledgeWarning`. Any other refusal is rethrown.
 */
export function acknowledgeFinding(scope: IConstruct, rule: Acknowledgment): void {
  try {
    // eslint-disable-next-line no-restricted-syntax -- the one call, which the fallback below completes
    Validations.of(scope).acknowledge(rule);
  } catch (error) {
    if (!refusedForBracketedDelimiter(error, rule.id)) throw error;
    const qualifiedId = `${DEFAULT_NAMESPACE}::${rule.id}`;
    scope.node.addMetadata(Validations.ACKNOWLEDGED_RULES_METADATA_KEY, { [qualifiedId]: rule.reason });
    Annotations.of(scope).acknowledgeWarning(qualifiedId);
  }
}

/**
 * Whether `error` is an older aws-cdk-lib's refusal of `id` for its `::`, and every `::` of `id` sits inside brackets,
 * so a newer aws-cdk-lib reads the id as one rule name with no namespace.
 */
function refusedForBracketedDelimiter(error: unknown, id: string): boolean {
  if (!(error instanceof Error) || !error.message.includes('delimiter is reserved')) return false;
  let depth = 0;
  for (let i = 0; i < id.length; i++) {
    const c = id[i];
    if ('[({'.includes(c)) depth++;
    else if ('])}'.includes(c)) depth--;
    else if (c === ':' && id[i + 1] === ':') {
      if (depth <= 0) return false;
      i++;
    }
    if (depth < 0) return false;
  }
  return depth === 0;
}
