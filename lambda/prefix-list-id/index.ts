/**
 * Custom resource: the id of an AWS-managed prefix list, by name (`com.amazonaws.<region>.route53-healthchecks`).
 * AWS-managed prefix list ids differ per region and account partition, and synthesis does no lookups, so the id is
 * read at deploy time. Create and Update answer `Data.PrefixListId`; Delete has nothing to delete.
 *
 * With `CompareWith` (another region's list of the same kind, `{ region, name }`), Create and Update also check that
 * the local list holds every range of the other one. Route 53's health checkers run in a few regions and check
 * every endpoint from all of them, but a security group can only reference a prefix list of its own region: when the
 * local list lacked the other regions' checkers, most checkers could not reach the endpoint, every region would look
 * unhealthy and the conductor would halt every night. The deployment fails then, naming the missing ranges, instead.
 */
import { DescribeManagedPrefixListsCommand, EC2Client, GetManagedPrefixListEntriesCommand } from '@aws-sdk/client-ec2';
import { backoffRetryStrategy, log } from '../shared/aws';
import { cloudFormation, respondToCloudFormation } from '../shared/custom-resource';

const clients = new Map<string, EC2Client>();
/** One client per region (`''`: the function's own). */
const ec2Client = (region = '') => {
  let client = clients.get(region);
  if (!client) clients.set(region, client = new EC2Client({ retryStrategy: backoffRetryStrategy(500), ...(region ? { region } : {}) }));
  return client;
};

/** Test seam: how a custom resource answers CloudFormation. */
export { cloudFormation };

async function prefixListId(client: EC2Client, name: string, where: string): Promise<string> {
  const found = await client.send(new DescribeManagedPrefixListsCommand({ Filters: [{ Name: 'prefix-list-name', Values: [name] }] }));
  const id = found.PrefixLists?.find((p) => p.PrefixListName === name)?.PrefixListId;
  if (!id) throw new Error(`no managed prefix list named ${name} in ${where}`);
  return id;
}

async function entries(client: EC2Client, id: string): Promise<Set<string>> {
  const cidrs = new Set<string>();
  let token: string | undefined;
  do {
    const page = await client.send(new GetManagedPrefixListEntriesCommand({ PrefixListId: id, NextToken: token }));
    for (const e of page.Entries ?? []) if (e.Cidr) cidrs.add(e.Cidr);
    token = page.NextToken;
  } while (token);
  return cidrs;
}

/** The other region's ranges the local list lacks. */
export function missingRanges(local: ReadonlySet<string>, other: ReadonlySet<string>): string[] {
  return [...other].filter((c) => !local.has(c)).sort();
}

export async function handler(event: any): Promise<{ result: string }> {
  const name: string = event.ResourceProperties?.PrefixListName;
  const compareWith: { region?: string; name?: string } | undefined = event.ResourceProperties?.CompareWith;
  let status: 'SUCCESS' | 'FAILED' = 'SUCCESS';
  let reason = 'nothing to do';
  let data: Record<string, string> = {};
  if (event.RequestType !== 'Delete') {
    try {
      const id = await prefixListId(ec2Client(), name, 'this region');
      reason = `${name} is ${id}`;
      if (compareWith?.region && compareWith.name) {
        const otherClient = ec2Client(compareWith.region);
        const [local, other] = await Promise.all([entries(ec2Client(), id), prefixListId(otherClient, compareWith.name, compareWith.region).then((o) => entries(otherClient, o))]);
        const missing = missingRanges(local, other);
        if (missing.length) {
          throw new Error(`${name} lacks ${missing.length} of the ${other.size} ranges of ${compareWith.name} (${missing.join(', ')}): `
            + 'the health checkers of other regions could not reach the load balancer, so every region would look unhealthy. '
            + 'Admit the ranges of every health-checker region (ROUTE53_HEALTHCHECKS in ip-ranges.json) as client ranges instead (docs/rollout.md)');
        }
        reason += `, holding all ${other.size} ranges of ${compareWith.name}`;
      }
      data = { PrefixListId: id };
    } catch (error) {
      status = 'FAILED';
      reason = `prefix list ${name}: ${(error as Error).message}`;
    }
    log(status === 'SUCCESS' ? 'INFO' : 'ERROR', reason);
  }
  await respondToCloudFormation(event, { status, reason, physicalResourceId: event.PhysicalResourceId ?? `prefix-list-${name}`, data });
  return { result: `${status}: ${reason}` };
}
