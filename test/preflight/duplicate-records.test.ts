import { DUPLICATE_SIMPLE_RECORD, normalizeRecordName } from '../../lib/preflight/rules/duplicate-records';
import { TemplateSet } from '../../lib/preflight/template-set';
import { oneStack, stackTemplate } from './support';

const record = (name: string, props: Record<string, unknown> = {}) => ({
  Type: 'AWS::Route53::RecordSet',
  Properties: { HostedZoneId: 'Z06181913LDV9Q2SJR3RF', Name: name, Type: 'A', AliasTarget: { DNSName: 'lb', HostedZoneId: 'Z32O12XQLNTSW2' }, ...props },
});
const regions = (props: (region: string) => Record<string, unknown>) => new TemplateSet(['eu-west-1', 'us-east-1'].map((region) =>
  stackTemplate(`Production-${region}`, { Endpoint: record('app.example.com', props(region)) }, { region })));

describe('Preflight-DuplicateSimpleRecord', () => {
  test('finds the same simple record created by two regional stacks, on both, naming the other', () => {
    const findings = DUPLICATE_SIMPLE_RECORD.check(regions(() => ({})));
    expect(findings.map((f) => f.templateFile)).toEqual(['Production-eu-west-1.template.json', 'Production-us-east-1.template.json']);
    expect(findings[0].message).toMatch(/simple record app\.example\.com\. A is also created by Production-us-east-1 Endpoint/);
    expect(findings[0].fix).toMatch(/SetIdentifier/);
  });

  test('passes latency records with a SetIdentifier per region', () => {
    expect(DUPLICATE_SIMPLE_RECORD.check(regions((region) => ({ SetIdentifier: region, Region: region })))).toEqual([]);
  });

  test('finds a simple record beside a routed record of the same name and type', () => {
    const set = oneStack({ Simple: record('app.example.com.'), Routed: record('app.example.com.', { SetIdentifier: 'eu', Region: 'eu-west-1' }) });
    expect(DUPLICATE_SIMPLE_RECORD.check(set).map((f) => f.logicalId)).toEqual(['Simple', 'Routed']);
  });

  test('passes the same name with different types, or in different zones', () => {
    expect(DUPLICATE_SIMPLE_RECORD.check(oneStack({ A: record('app.example.com'), Aaaa: record('app.example.com', { Type: 'AAAA' }) }))).toEqual([]);
    expect(DUPLICATE_SIMPLE_RECORD.check(oneStack({ A: record('app.example.com'), B: record('app.example.com', { HostedZoneId: 'Z2FDTNDATAQYW2' }) }))).toEqual([]);
  });

  test('matches names case-insensitively with or without the trailing dot, and zones created in the app', () => {
    const set = oneStack({
      Zone: { Type: 'AWS::Route53::HostedZone', Properties: { Name: 'qa.example.internal' } },
      One: record('Login.qa.example.internal', { HostedZoneId: { Ref: 'Zone' } }),
      Two: record('login.qa.example.internal.', { HostedZoneId: { Ref: 'Zone' } }),
    });
    expect(DUPLICATE_SIMPLE_RECORD.check(set)).toHaveLength(2);
  });

  test('reads the records of a RecordSetGroup', () => {
    const group = { Type: 'AWS::Route53::RecordSetGroup', Properties: { HostedZoneName: 'example.com.', RecordSets: [{ Name: 'www.example.com', Type: 'CNAME' }, { Name: 'www.example.com', Type: 'CNAME' }] } };
    expect(DUPLICATE_SIMPLE_RECORD.check(oneStack({ Group: group })).map((f) => f.location)).toEqual(['Properties.RecordSets.0', 'Properties.RecordSets.1']);
  });

  test('sees the record an AsgDnsRecord\'s updater writes: beside a CloudFormation record of the same name, one would overwrite the other', () => {
    const set = oneStack({
      Zone: { Type: 'AWS::Route53::HostedZone', Properties: { Name: 'qa.example.internal' } },
      Alias: record('instances.qa.example.internal', { HostedZoneId: { Ref: 'Zone' } }),
      Updater: { Type: 'Custom::AsgDnsRecord', Properties: { DomainMeta: { 'Fn::Join': ['', [{ Ref: 'Zone' }, ':instances.qa.example.internal']] }, DomainMetaOptions: 'ttl=60,address=private,whenEmpty=keep' } },
      Ipv6: { Type: 'Custom::AsgDnsRecord', Properties: { DomainMeta: { 'Fn::Join': ['', [{ Ref: 'Zone' }, ':instances.qa.example.internal']] }, DomainMetaOptions: 'ttl=60,address=ipv6,whenEmpty=keep' } },
      Elsewhere: { Type: 'Custom::AsgDnsRecord', Properties: { DomainMeta: 'Z06181913LDV9Q2SJR3RF:instances.qa.example.internal', DomainMetaOptions: 'ttl=60,address=private' } },
    });
    const findings = DUPLICATE_SIMPLE_RECORD.check(set);
    // The IPv6 updater writes AAAA, and the literal zone id is another zone: neither collides.
    expect(findings.map((f) => [f.logicalId, f.location])).toEqual([['Alias', 'Properties'], ['Updater', 'Properties.DomainMeta']]);
    expect(findings[1].message).toMatch(/the record an AsgDnsRecord writes, instances.qa.example.internal. A is also created by .*Alias.*silently overwrites/);
  });

  test('groups that share an updater and a record name (blue/green) are one record; two updaters on one name are not', () => {
    const updater = (token: string) => ({ Type: 'Custom::AsgDnsRecord', Properties: {
      ServiceToken: { 'Fn::GetAtt': [token, 'Arn'] }, DomainMeta: 'Z06181913LDV9Q2SJR3RF:app.example.com', DomainMetaOptions: 'ttl=60,address=private' } });
    expect(DUPLICATE_SIMPLE_RECORD.check(oneStack({ Blue: updater('Updater'), Green: updater('Updater') }))).toEqual([]);
    expect(DUPLICATE_SIMPLE_RECORD.check(oneStack({ Blue: updater('Updater'), Other: updater('OtherUpdater') })).map((f) => f.logicalId)).toEqual(['Blue', 'Other']);
  });

  test('normalizeRecordName() lowercases and adds the trailing dot', () => {
    expect(normalizeRecordName('App.Example.com')).toBe('app.example.com.');
  });
});
