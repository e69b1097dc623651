import * as fs from 'fs';
import * as path from 'path';
import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { customResourceServiceTimeout, fleetHandlerFunction, handlerBundleDir } from '../lib/handler-function';
import { unitTestApp } from './support/app';

describe('fleetHandlerFunction', () => {
  test('loads the pre-bundled handler from dist/handlers: no bundling at synth', () => {
    const dir = handlerBundleDir('clean-slate');
    expect(dir).toBe(path.join(__dirname, '..', 'dist', 'handlers', 'clean-slate'));
    expect(fs.existsSync(path.join(dir, 'index.js'))).toBe(true);
    // Shipped as JavaScript only: a .ts beside it would be preferred by ts-node --prefer-ts-exts.
    expect(fs.readdirSync(dir)).toEqual(['index.js']);
  });

  test('a function on the latest Node.js runtime whose role may write only to its own log group', () => {
    const stack = new Stack(unitTestApp(), 'S');
    fleetHandlerFunction(stack, 'Fn', { handler: 'clean-slate', description: 'test' });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x', Handler: 'index.handler', LoggingConfig: { LogGroup: { Ref: Match.stringLikeRegexp('^FnLogs') } },
    });
    t.hasResource('AWS::Logs::LogGroup', { DeletionPolicy: 'Delete', Properties: { RetentionInDays: 30 } });
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: [{ Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Effect: 'Allow', Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^FnLogs'), 'Arn'] } }] },
    });
    const role = Object.values(t.findResources('AWS::IAM::Role'))[0] as any;
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
  });

  test('a handler that was never bundled fails with the command that builds it', () => {
    const stack = new Stack(unitTestApp(), 'S');
    expect(() => fleetHandlerFunction(stack, 'Fn', { handler: 'no-such-handler' })).toThrow(/pre-bundled handler 'no-such-handler' is missing.*npm run build:handlers/);
  });
});

describe('customResourceServiceTimeout', () => {
  test('the function\'s timeout and a margin, capped at the hour CloudFormation allows', () => {
    const stack = new Stack(unitTestApp(), 'S');
    const short = fleetHandlerFunction(stack, 'Short', { handler: 'clean-slate', timeout: Duration.minutes(3) });
    const long = fleetHandlerFunction(stack, 'Long', { handler: 'clean-slate', timeout: Duration.minutes(15) });
    expect(customResourceServiceTimeout(short).toSeconds()).toBe(300);
    expect(customResourceServiceTimeout(long, Duration.minutes(50)).toSeconds()).toBe(3600);
  });
});
