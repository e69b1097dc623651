import { acmCertificateRegion, CERTIFICATE_REGION } from '../../lib/preflight/rules/certificate-region';
import { oneStack } from './support';

const listener = (certificateArn: unknown) => ({
  Type: 'AWS::ElasticLoadBalancingV2::Listener',
  Properties: { Port: 443, Protocol: 'HTTPS', Certificates: [{ CertificateArn: certificateArn }] },
});
const arn = (region: string) => `arn:aws:acm:${region}:210987654321:certificate/8f2c1a7e-5b7d-4c1e-9a3b-6d0e2f4a1c9b`;

describe('Preflight-CertificateRegion', () => {
  test('passes a listener certificate from the stack region', () => {
    expect(CERTIFICATE_REGION.check(oneStack({ Listener: listener(arn('eu-west-1')) }))).toEqual([]);
  });

  test('finds a listener certificate from another region, naming both regions', () => {
    const [f] = CERTIFICATE_REGION.check(oneStack({ Listener: listener(arn('us-east-1')) }));
    expect(f).toMatchObject({ logicalId: 'Listener', location: 'Properties.Certificates.0.CertificateArn' });
    expect(f.message).toMatch(/is in us-east-1 but the load balancer is in eu-west-1/);
  });

  test('reads the region of an ARN built with tokens for partition and account', () => {
    const joined = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':acm:us-west-2:', { Ref: 'AWS::AccountId' }, ':certificate/abc']] };
    expect(CERTIFICATE_REGION.check(oneStack({ Listener: listener(joined) }, { account: undefined }))).toHaveLength(1);
  });

  test('passes an ARN built with the stack\'s own region, and a certificate created in the stack', () => {
    const own = { 'Fn::Sub': 'arn:aws:acm:${AWS::Region}:${AWS::AccountId}:certificate/abc' };
    expect(CERTIFICATE_REGION.check(oneStack({ Listener: listener(own) }))).toEqual([]);
    expect(CERTIFICATE_REGION.check(oneStack({ Cert: { Type: 'AWS::CertificateManager::Certificate' }, Listener: listener({ Ref: 'Cert' }) }))).toEqual([]);
  });

  test('does not judge an environment-agnostic stack', () => {
    expect(CERTIFICATE_REGION.check(oneStack({ Listener: listener(arn('us-east-1')) }, { region: undefined }))).toEqual([]);
  });

  test('finds a listener certificate added with ListenerCertificate', () => {
    const set = oneStack({ Extra: { Type: 'AWS::ElasticLoadBalancingV2::ListenerCertificate', Properties: { Certificates: [{ CertificateArn: arn('ap-southeast-2') }] } } });
    expect(CERTIFICATE_REGION.check(set).map((f) => f.logicalId)).toEqual(['Extra']);
  });

  test('requires us-east-1 for CloudFront', () => {
    const distribution = (region: string) => ({ Type: 'AWS::CloudFront::Distribution', Properties: { DistributionConfig: { ViewerCertificate: { AcmCertificateArn: arn(region) } } } });
    expect(CERTIFICATE_REGION.check(oneStack({ Cdn: distribution('us-east-1') }))).toEqual([]);
    expect(CERTIFICATE_REGION.check(oneStack({ Cdn: distribution('eu-west-1') })).map((f) => f.message)).toEqual([expect.stringMatching(/CloudFront requires us-east-1/)]);
  });

  test('acmCertificateRegion() ignores non-ACM ARNs and unknown regions', () => {
    expect(acmCertificateRegion('arn:aws:iam::210987654321:server-certificate/x')).toBeUndefined();
    expect(acmCertificateRegion('arn:aws:acm:\u0000:1:certificate/x')).toBeUndefined();
    expect(acmCertificateRegion(arn('eu-central-1'))).toBe('eu-central-1');
  });
});
