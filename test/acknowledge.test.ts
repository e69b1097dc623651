import * as fs from 'fs';
import * as path from 'path';
import { App, Aws, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { acknowledgeFinding } from '../lib/acknowledge';
import { nagResourceName } from '../lib/nag';
import { unitTestApp } from './support/app';

const env = { account: '210987654321', region: 'eu-west-1' };
const reason = 'the handler reads only its own objects';

/** What aws-cdk-lib before 2.269.0 throws for an id with more than one `::` (2.263.0, core/lib/validation/validations.js). */
function olderRefusal(id: string): Error {
  return new Error(`Invalid validation rule ID '${id}'. The '::' delimiter is reserved for separating the prefix from the rule name (e.g. 'prefix::RuleName').`);
}

/** The acknowledged-rules metadata on a construct, without stack traces. */
function acknowledgements(c: IConstruct): unknown[] {
  return c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY).map((m) => ({ type: m.type, data: m.data }));
}

/** A role whose one statement is a cdk-nag AwsSolutions-IAM5 finding with a granular id holding several `::`. */
function roleWithWildcard(app: App): { role: iam.Role; id: string } {
  const stack = new Stack(app, 'Objects', { env });
  const role = new iam.Role(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  const objects = `arn:${Aws.PARTITION}:s3:::reports-210987654321/*`;
  role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [objects] }));
  return { role, id: `AwsSolutions-IAM5[Resource::${nagResourceName(role, objects)}]` };
}

/** The cdk-nag violations of a synthesized app. */
function nagViolations(app: App): any[] {
  const dir = app.synth().directory;
  const report = JSON.parse(fs.readFileSync(path.join(dir, 'validation-report.json'), 'utf8'));
  return report.pluginReports.filter((p: any) => p.pluginName !== 'Construct Annotations').flatMap((p: any) => p.violations);
}

afterEach(() => jest.restoreAllMocks());

describe('acknowledgeFinding', () => {
  test('acknowledges through Validations.acknowledge when aws-cdk-lib accepts the id', () => {
    const app = unitTestApp();
    const { role, id } = roleWithWildcard(app);
    const spy = jest.spyOn(Validations.prototype, 'acknowledge');
    acknowledgeFinding(role, { id, reason });
    expect(spy).toHaveBeenCalledWith({ id, reason });
    expect(acknowledgements(role)).toEqual([{ type: Validations.ACKNOWLEDGED_RULES_METADATA_KEY, data: { [`Annotation::${id}`]: reason } }]);
  });

  test('when an older aws-cdk-lib refuses the id for its "::", records the same metadata Validations.acknowledge records', () => {
    const app = unitTestApp();
    const { role, id } = roleWithWildcard(app);
    const other = new iam.Role(Stack.of(role), 'Other', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    Validations.of(other).acknowledge({ id, reason });

    jest.spyOn(Validations.prototype, 'acknowledge').mockImplementation(() => { throw olderRefusal(id); });
    acknowledgeFinding(role, { id, reason });
    expect(acknowledgements(role)).toEqual(acknowledgements(other));
    expect(acknowledgements(role)).toHaveLength(1);
  });

  test('cdk-nag treats a finding acknowledged on the fallback path as acknowledged, and reports it when it is not', () => {
    const unacknowledged = unitTestApp();
    Validations.of(unacknowledged).addPlugins(new AwsSolutionsChecks(unacknowledged));
    const { id } = roleWithWildcard(unacknowledged);
    expect(JSON.stringify(synthOrError(unacknowledged))).toContain(id);

    const app = unitTestApp();
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    const { role } = roleWithWildcard(app);
    jest.spyOn(Validations.prototype, 'acknowledge').mockImplementation(() => { throw olderRefusal(id); });
    acknowledgeFinding(role, { id, reason });
    jest.restoreAllMocks();
    expect(nagViolations(app)).toEqual([]);
  });

  test('rethrows any other refusal: another error, or an id whose "::" is not inside brackets', () => {
    const role = roleWithWildcard(unitTestApp()).role;
    jest.spyOn(Validations.prototype, 'acknowledge').mockImplementation(() => { throw new Error('something else'); });
    expect(() => acknowledgeFinding(role, { id: 'AwsSolutions-IAM5[Resource::a::b]', reason })).toThrow(/something else/);

    const topLevel = 'my-plugin::Rule::Other';
    jest.spyOn(Validations.prototype, 'acknowledge').mockImplementation(() => { throw olderRefusal(topLevel); });
    expect(() => acknowledgeFinding(role, { id: topLevel, reason })).toThrow(/delimiter is reserved/);
    expect(acknowledgements(role)).toEqual([]);
  });
});

/** The violations of an app, or the message its synthesis fails with. */
function synthOrError(app: App): unknown {
  try {
    return nagViolations(app);
  } catch (e) {
    return String(e);
  }
}
