import { idsIn, placeholderReason, PLACEHOLDER_IDS } from '../../lib/preflight/rules/placeholders';
import { oneStack } from './support';

describe('placeholderReason', () => {
  test.each([
    ['Z0123456789ABCDEFGHIJ', /sequence "012345"/],
    ['Z3M3LMPEXAMPLE', /EXAMPLE/],
    ['Z11111112222222333333', /repeats "1"/],
    ['Z000000000000', /repeats "0"/],
    ['123456789012', /documentation example account/],
    ['111122223333', /documentation example account/],
    ['12345678-1234-1234-1234-123456789012', /sequence "123456"/],
  ])('calls %s a placeholder', (id, reason) => {
    expect(placeholderReason(id)).toMatch(reason);
  });

  test.each(['Z2FDTNDATAQYW2', 'Z32O12XQLNTSW2', 'Z06181913LDV9Q2SJR3RF', '210987654321', '8f2c1a7e-5b7d-4c1e-9a3b-6d0e2f4a1c9b'])('calls %s real', (id) => {
    expect(placeholderReason(id)).toBeUndefined();
  });
});

describe('idsIn', () => {
  test('finds zone ids in HostedZoneId values, hostedzone/ ARNs and <zone>:<name> tags', () => {
    expect(idsIn('Z0123456789', 'HostedZoneId')).toEqual([{ kind: 'hosted zone id', id: 'Z0123456789' }]);
    expect(idsIn(':route53:::hostedzone/ZABCDEFGH', 'Resource')).toEqual([{ kind: 'hosted zone id', id: 'ZABCDEFGH' }]);
    expect(idsIn('Z0123456789ABCDEFGHIJ:app.example.com', 'Value')).toEqual([{ kind: 'hosted zone id', id: 'Z0123456789ABCDEFGHIJ' }]);
  });

  test('finds certificate ids and ARN account ids, also in the literal parts of a Fn::Join', () => {
    expect(idsIn(':acm:eu-west-1:123456789012:certificate/abc-def', 'CertificateArn')).toEqual([
      { kind: 'certificate id', id: 'abc-def' },
      { kind: 'account id in an ARN', id: '123456789012' },
    ]);
  });

  test('finds documentation CIDRs in CIDR properties only', () => {
    expect(idsIn('203.0.113.0/24', 'CidrIp')).toEqual([expect.objectContaining({ kind: 'CIDR', id: '203.0.113.0/24' })]);
    expect(idsIn('2001:db8::/32', 'CidrIpv6')).toHaveLength(1);
    expect(idsIn('10.0.0.0/16', 'CidrIp')).toEqual([]);
    expect(idsIn('203.0.113.0/24', 'Description')).toEqual([]);
  });

  test('ignores a plain word in a HostedZoneId-free property', () => {
    expect(idsIn('Z0123456789', 'Description')).toEqual([]);
  });
});

describe('Preflight-PlaceholderIds', () => {
  const record = (zone: unknown) => ({ Type: 'AWS::Route53::RecordSet', Properties: { HostedZoneId: zone, Name: 'app.example.com.', Type: 'A', TTL: '60', ResourceRecords: ['192.0.2.1'] } });

  test('finds a placeholder hosted zone id on a record, naming the id and the fix', () => {
    const [f, ...rest] = PLACEHOLDER_IDS.check(oneStack({ Record: record('Z0123456789ABCDEFGHIJ') }));
    expect(rest).toEqual([]);
    expect(f).toMatchObject({ ruleId: 'Preflight-PlaceholderIds', logicalId: 'Record', location: 'Properties.HostedZoneId' });
    expect(f.message).toMatch(/hosted zone id "Z0123456789ABCDEFGHIJ" looks like a placeholder/);
    expect(f.fix).toMatch(/real hosted zone id/);
  });

  test('passes a real-looking zone id and a zone created in the app', () => {
    expect(PLACEHOLDER_IDS.check(oneStack({ Record: record('Z06181913LDV9Q2SJR3RF') }))).toEqual([]);
    expect(PLACEHOLDER_IDS.check(oneStack({ Zone: { Type: 'AWS::Route53::HostedZone' }, Record: record({ Ref: 'Zone' }) }))).toEqual([]);
  });

  test('finds a placeholder certificate ARN on a listener', () => {
    const listener = { Type: 'AWS::ElasticLoadBalancingV2::Listener', Properties: { Certificates: [{ CertificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/12345678-1234-1234-1234-123456789012' }] } };
    expect(PLACEHOLDER_IDS.check(oneStack({ Listener: listener })).map((f) => f.message)).toEqual([
      expect.stringMatching(/certificate id "12345678-1234-1234-1234-123456789012"/),
      expect.stringMatching(/account id in an ARN "123456789012"/),
    ]);
  });

  test('finds a placeholder zone in an IAM policy once per resource', () => {
    const arn = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':route53:::hostedzone/Z0123456789ABCDEFGHIJ']] };
    const policy = { Type: 'AWS::IAM::Policy', Properties: { PolicyDocument: { Statement: [{ Resource: arn }, { Resource: arn }] } } };
    expect(PLACEHOLDER_IDS.check(oneStack({ Policy: policy }))).toHaveLength(1);
  });

  test('finds a load balancer security group that admits only a documentation range', () => {
    const sg = { Type: 'AWS::EC2::SecurityGroup', Properties: { SecurityGroupIngress: [{ CidrIp: '203.0.113.0/24', IpProtocol: 'tcp', FromPort: 80, ToPort: 80 }] } };
    const [f] = PLACEHOLDER_IDS.check(oneStack({ LbSg: sg }));
    expect(f).toMatchObject({ logicalId: 'LbSg', location: 'Properties.SecurityGroupIngress.0.CidrIp' });
    expect(f.message).toMatch(/CIDR "203\.0\.113\.0\/24" is in a range reserved for documentation/);
  });
});
