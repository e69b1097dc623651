/**
 * Custom resource: the id of an AWS-managed prefix list, by name (`com.amazonaws.<region>.route53-healthchecks`).
 * AWS-managed prefix list ids differ per region and account partition, and synthesis does no lookups, so the id is
 * read at deploy time. Create and Update answer `Data.PrefixListId`; Delete has nothing to delete.
 */
import { DescribeManagedPrefixListsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { backoffRetryStrategy, log } from '../shared/aws';
import { cloudFormation, respondToCloudFormation } from '../shared/custom-resource';

let ec2: EC2Client | undefined;
const ec2Client = () => (ec2 ??= new EC2Client({ retryStrategy: backoffRetryStrategy(500) }));

/** Test seam: how a custom resource answers CloudFormation. */
export { cloudFormation };

export async function handler(event: any): Promise<{ result: string }> {
  const name: string = event.ResourceProperties?.PrefixListName;
  let status: 'SUCCESS' | 'FAILED' = 'SUCCESS';
  let reason = 'nothing to do';
  let data: Record<string, string> = {};
  if (event.RequestType !== 'Delete') {
    try {
      const found = await ec2Client().send(new DescribeManagedPrefixListsCommand({ Filters: [{ Name: 'prefix-list-name', Values: [name] }] }));
      const id = found.PrefixLists?.find((p) => p.PrefixListName === name)?.PrefixListId;
      if (!id) throw new Error(`no managed prefix list named ${name} in this region`);
      data = { PrefixListId: id };
      reason = `${name} is ${id}`;
    } catch (error) {
      status = 'FAILED';
      reason = `could not find the prefix list ${name}: ${(error as Error).message}`;
    }
    log(status === 'SUCCESS' ? 'INFO' : 'ERROR', reason);
  }
  await respondToCloudFormation(event, { status, reason, physicalResourceId: event.PhysicalResourceId ?? `prefix-list-${name}`, data });
  return { result: `${status}: ${reason}` };
}
