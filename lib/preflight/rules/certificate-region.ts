import { acknowledgeHint, finding, PreflightFinding, IPreflightRule } from '../rule';
import { asArray, isKnown, printable, ResourceRef, TemplateSet } from '../template-set';

const ID = 'Preflight-CertificateRegion';

/** The region field of an ACM certificate ARN as far as it is known, or undefined (not an ACM ARN, or a deploy-time region). */
export function acmCertificateRegion(arn: string): string | undefined {
  const parts = arn.split(':');
  if (parts.length < 6 || parts[0] !== 'arn' || parts[2] !== 'acm') return undefined;
  return isKnown(parts[3]) && parts[3] !== '' ? parts[3] : undefined;
}

/**
 * ACM certificates are regional: a load balancer listener needs a certificate from its own region, a CloudFront
 * distribution one from us-east-1 ("To use a certificate with Elastic Load Balancing for the same fully qualified
 * domain name … in more than one AWS region, you must request or import a certificate for each region").
 */
export const CERTIFICATE_REGION: IPreflightRule = {
  id: ID,
  summary: 'ACM certificates used in a region other than their own (listeners: the stack region; CloudFront: us-east-1)',
  check(templates: TemplateSet): PreflightFinding[] {
    const findings: PreflightFinding[] = [];
    const check = (ref: ResourceRef, location: string, expr: unknown, expected: string | undefined, where: string) => {
      if (!expected) return;
      const rendered = templates.render(ref.template, expr);
      const region = typeof rendered === 'string' ? acmCertificateRegion(rendered) : undefined;
      if (!region || region === expected) return;
      findings.push(finding(ID, ref, location,
        `certificate ${printable(rendered as string)} is in ${region} but ${where} ${expected}; ACM certificates are regional and the deployment fails`,
        `Use a certificate from ${expected}: request it there (e.g. new acm.Certificate with DNS validation in this stack) ` +
        `or pass a per-region certificate ARN. ${acknowledgeHint(ID)}`));
    };
    for (const ref of templates.resourcesOfType('AWS::ElasticLoadBalancingV2::Listener', 'AWS::ElasticLoadBalancingV2::ListenerCertificate')) {
      asArray(ref.resource.Properties?.Certificates).forEach((cert, i) => {
        check(ref, `Properties.Certificates.${i}.CertificateArn`, cert?.CertificateArn, ref.template.region, 'the load balancer is in');
      });
    }
    for (const ref of templates.resourcesOfType('AWS::CloudFront::Distribution')) {
      const expr = ref.resource.Properties?.DistributionConfig?.ViewerCertificate?.AcmCertificateArn;
      check(ref, 'Properties.DistributionConfig.ViewerCertificate.AcmCertificateArn', expr, 'us-east-1', 'CloudFront requires');
    }
    return findings;
  },
};
