import * as fs from 'fs';
import { buildApp } from '../../bin/environments';
import { unitTestApp } from '../support/app';

/**
 * Issue 22 item 1: with a public zone every production region's stack grants the conductor's named role its own health
 * check. An inline policy name is unique per role, so two stacks declaring the same name on the same role make
 * CloudFormation refuse the second region (and before it checked, each deploy overwrote the other regions' grant).
 */
describe('the example app with -c domain (every region grants the conductor its health check)', () => {
  const app = unitTestApp({ context: { domain: 'example.com', hostedZoneId: 'Z1D633PJN98FT9' } });
  buildApp(app);
  const assembly = app.synth();
  // Every AWS::IAM::Policy on a role given by name (a literal, not a reference to a role of the same stack).
  const declared: Array<{ template: string; role: string; policyName: string }> = [];
  for (const file of fs.readdirSync(assembly.directory).filter((f) => f.endsWith('.template.json'))) {
    const resources = JSON.parse(fs.readFileSync(`${assembly.directory}/${file}`, 'utf8')).Resources as Record<string, any>;
    for (const r of Object.values(resources).filter((x) => x.Type === 'AWS::IAM::Policy')) {
      for (const role of r.Properties.Roles ?? []) {
        if (typeof role === 'string') declared.push({ template: file, role, policyName: r.Properties.PolicyName });
      }
    }
  }

  test('each production region declares one policy on the conductor role', () => {
    const onConductor = declared.filter((d) => d.role === 'production-fleet-conductor');
    expect(onConductor.map((d) => d.template).sort()).toEqual(['Production-ap-southeast-2.template.json', 'Production-us-east-1.template.json', 'Production.template.json']);
  });

  test('no two stacks declare the same PolicyName on the same named role', () => {
    const seen = new Map<string, string>();
    for (const d of declared) {
      const key = `${d.role}/${d.policyName}`;
      expect([key, seen.get(key)]).toEqual([key, undefined]);
      seen.set(key, d.template);
    }
  });
});
