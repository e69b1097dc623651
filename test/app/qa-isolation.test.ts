import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../../bin/environments';
import { qaStackName } from '../../lib/environments/qa';
import { unitTestApp } from '../support/app';
import { testSealingKey } from '../secrets/keys';

const SEALING_KEY_ARN = 'arn:aws:kms:eu-west-1:493827162534:key/5b7e2c19-3f4a-4d8e-b1c6-9a0f2e7d4c31';

/** Every template of a stack and its nested stacks. */
function templatesOf(app: App, stack: Stack): any[] {
  const dir = app.synth().directory;
  return fs.readdirSync(dir).filter((f) => f.startsWith(stack.artifactId) && f.endsWith('.template.json'))
    .map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')));
}
const rolesOf = (templates: any[]) => templates.flatMap((t) => Object.values<any>(t.Resources ?? {})).filter((r) => r.Type === 'AWS::IAM::Role');

describe('QA deployed apart from production (issue 19): -c qaQualifier, -c qaPermissionsBoundary, sealing environment', () => {
  let dir: string;
  let app: App;
  const branch = 'feature/x';
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qa-isolation-'));
    fs.writeFileSync(path.join(dir, 'compose.yaml'), 'services:\n  db:\n    image: mariadb:11\n    secrets: [root]\nsecrets:\n  root:\n    file: ./root.txt\n');
    fs.writeFileSync(path.join(dir, 'root.txt'), 'qa-root-pw-91c2');
    fs.writeFileSync(path.join(dir, 'sealing.pub'), testSealingKey().publicKeyBase64Der);
    app = unitTestApp({ context: {
      branch, composeFile: path.join(dir, 'compose.yaml'), sealingKeyArn: SEALING_KEY_ARN, sealingPublicKey: path.join(dir, 'sealing.pub'),
      qaQualifier: 'qa', qaPermissionsBoundary: 'qa-deploy-boundary',
    } });
    buildApp(app);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const qa = () => app.node.findChild(qaStackName(branch)) as Stack;
  const production = () => app.node.findChild('Production') as Stack;

  test('QA deploys through the qa bootstrap roles; production keeps the default bootstrap', () => {
    const assembly = app.synth();
    expect(assembly.getStackArtifact(qa().artifactId).assumeRoleArn).toMatch(/:role\/cdk-qa-deploy-role-/);
    expect(assembly.getStackArtifact(qa().artifactId).cloudFormationExecutionRoleArn).toMatch(/:role\/cdk-qa-cfn-exec-role-/);
    expect(assembly.getStackArtifact(production().artifactId).assumeRoleArn).toMatch(/:role\/cdk-hnb659fds-deploy-role-/);
  });

  test('every role the QA stack creates, nested stacks included, carries the boundary; production\'s do not', () => {
    const roles = rolesOf(templatesOf(app, qa()));
    expect(roles.length).toBeGreaterThan(3);
    for (const role of roles) expect(JSON.stringify(role.Properties.PermissionsBoundary)).toContain(':policy/qa-deploy-boundary');
    const prod = rolesOf(templatesOf(app, production()));
    expect(prod.length).toBeGreaterThan(0);
    for (const role of prod) expect(role.Properties.PermissionsBoundary).toBeUndefined();
  });

  test('a branch stack opens values sealed for environment Qa only, the seals every branch shares', () => {
    Template.fromStack(qa()).hasResourceProperties('Custom::FleetSealedSecret', { KeyArn: SEALING_KEY_ARN, Environment: 'Qa' });
    expect(Object.keys(JSON.parse(fs.readFileSync(path.join(dir, 'root.txt.sealed.json'), 'utf8')).seals)).toEqual([expect.stringMatching(/^Qa:[0-9a-f]{64}$/)]);
  });

  test.each([
    [{ qaQualifier: 'QA' }, /qaQualifier 'QA' is not a bootstrap qualifier\. Fix: give the 1 to 10 lower-case letters/],
    [{ qaQualifier: 'qualifier-too-long' }, /qaQualifier 'qualifier-too-long' is not a bootstrap qualifier/],
    [{ qaPermissionsBoundary: 'arn:aws:iam::493827162534:policy/qa' }, /qaPermissionsBoundary 'arn:aws:iam::493827162534:policy\/qa' is not an IAM policy name\. Fix: give the name \(not the ARN\)/],
  ])('%j is refused', (context, message) => {
    expect(() => buildApp(unitTestApp({ context }))).toThrow(message);
  });
});
