import { Stack } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * A value as cdk-nag spells it in a granular finding id such as `AwsSolutions-IAM5[Resource::<id>]`:
 * the resolved string with references rendered as `<LogicalId>` / `<AWS::Region>`.
 */
export function nagResourceName(scope: IConstruct, value: string): string {
  const render = (v: unknown): string => {
    if (typeof v === 'string') return v;
    if (v && typeof v === 'object') {
      const o = v as Record<string, any>;
      if ('Ref' in o) return `<${o.Ref}>`;
      if ('Fn::GetAtt' in o) return `<${o['Fn::GetAtt'].join('.')}>`;
      if ('Fn::Join' in o) return (o['Fn::Join'][1] as unknown[]).map(render).join(o['Fn::Join'][0]);
    }
    return JSON.stringify(v);
  };
  return render(Stack.of(scope).resolve(value));
}
