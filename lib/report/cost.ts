/**
 * A monthly cost estimate of one stack from its model and the shipped price table. Every assumption is a field of
 * {@link CostAssumptions} and is printed with the estimate: a reviewer can see what the figure rests on.
 */
import { StackModel } from './model';
import { FALLBACK_REGION, GLOBAL_PRICES, REGION_PRICES } from './prices';

/** What the estimate assumes where the template cannot say. */
export interface CostAssumptions {
  /**
   * Hours in a month.
   *
   * @default 730
   */
  readonly hoursPerMonth?: number;
  /**
   * Average load-balancer capacity units per load balancer (LCU for ALB, NLCU for NLB).
   *
   * @default 1
   */
  readonly lcuPerLoadBalancer?: number;
  /**
   * GB each NAT gateway processes per month.
   *
   * @default 10
   */
  readonly natGbPerMonth?: number;
  /**
   * GB ingested per month per log group.
   *
   * @default 1
   */
  readonly logGbPerGroup?: number;
  /**
   * GB stored per EFS file system.
   *
   * @default 10
   */
  readonly efsGbPerFileSystem?: number;
}

export const DEFAULT_ASSUMPTIONS: Required<CostAssumptions> = {
  hoursPerMonth: 730,
  lcuPerLoadBalancer: 1,
  natGbPerMonth: 10,
  logGbPerGroup: 1,
  efsGbPerFileSystem: 10,
};

/** The assumptions given, the defaults for the rest. */
export function withDefaults(assumptions: CostAssumptions = {}): Required<CostAssumptions> {
  const out: Record<string, number> = { ...DEFAULT_ASSUMPTIONS };
  for (const [key, value] of Object.entries(assumptions)) if (value !== undefined) out[key] = value;
  return out as Required<CostAssumptions>;
}

/** One line of an estimate. */
export interface CostLine {
  readonly item: string;
  /** How it was computed, in words a reviewer can check. */
  readonly basis: string;
  readonly usdPerMonth: number;
}

export interface CostEstimate {
  readonly stack: string;
  /** The region whose prices were used. */
  readonly pricedAs: string;
  /** Set when the stack's region is unknown or not in the table. */
  readonly regionNote?: string;
  readonly lines: CostLine[];
  readonly totalUsdPerMonth: number;
  /** Instance types the table has no price for (priced at 0, named here). */
  readonly unpriced: string[];
}

const round = (n: number) => Math.round(n * 100) / 100;

/** The estimate of one stack. */
export function estimateCost(model: StackModel, given: CostAssumptions = {}): CostEstimate {
  const assumptions = withDefaults(given);
  const known = model.region !== undefined && REGION_PRICES[model.region] !== undefined;
  const pricedAs = known ? model.region! : FALLBACK_REGION;
  const prices = REGION_PRICES[pricedAs];
  const h = assumptions.hoursPerMonth;
  const lines: CostLine[] = [];
  const unpriced: string[] = [];
  const add = (item: string, basis: string, usd: number) => { if (usd > 0) lines.push({ item, basis, usdPerMonth: round(usd) }); };
  const count = (type: string) => model.counts[type] ?? 0;

  for (const g of model.groups) {
    const n = g.desired ?? g.min;
    const rate = prices.instanceHour[g.instanceType];
    if (rate === undefined) unpriced.push(g.instanceType);
    add(`instances ${g.name}`, `${n} × ${g.instanceType} (${g.desired !== undefined ? 'desired' : 'minimum'} size) × ${h} h × $${rate ?? '?'}/h`, n * h * (rate ?? 0));
    add(`volumes ${g.name}`, `${n} × ${g.volumeGiB} GiB gp3 × $${prices.gp3GbMonth}/GB-month`, n * g.volumeGiB * prices.gp3GbMonth);
    if (g.publicIp) add(`public IPv4 ${g.name}`, `${n} × ${h} h × $${GLOBAL_PRICES.publicIpv4Hour}/h`, n * h * GLOBAL_PRICES.publicIpv4Hour);
  }
  // Fargate has no price in the table (a task is billed per vCPU- and GB-hour of its size, Spot at a varying discount):
  // named as unpriced, so the total never reads as if those tasks were free.
  for (const service of model.services) if (service.fargate) unpriced.push(`Fargate tasks of ${service.name}`);
  for (const lb of model.loadBalancers) {
    const [hour, lcu, unit] = lb.kind === 'network' ? [prices.nlbHour, prices.nlbLcuHour, 'NLCU'] : [prices.albHour, prices.albLcuHour, 'LCU'];
    add(`load balancer ${lb.name}`, `${h} h × ($${hour}/h + ${assumptions.lcuPerLoadBalancer} ${unit} × $${lcu}/${unit}-h)`, h * (hour + assumptions.lcuPerLoadBalancer * lcu));
    if (lb.internetFacing) {
      add(`public IPv4 ${lb.name}`, `${lb.subnets} addresses (one per subnet) × ${h} h × $${GLOBAL_PRICES.publicIpv4Hour}/h`, lb.subnets * h * GLOBAL_PRICES.publicIpv4Hour);
    }
  }
  const nat = count('AWS::EC2::NatGateway');
  add('NAT gateways', `${nat} × (${h} h × $${prices.natHour}/h + ${assumptions.natGbPerMonth} GB × $${prices.natGb}/GB)`, nat * (h * prices.natHour + assumptions.natGbPerMonth * prices.natGb));
  // NAT gateways' Elastic IPs are in use by the gateway; every EIP is billed as a public IPv4 address.
  const eips = count('AWS::EC2::EIP');
  add('Elastic IPs', `${eips} × ${h} h × $${GLOBAL_PRICES.publicIpv4Hour}/h`, eips * h * GLOBAL_PRICES.publicIpv4Hour);
  const logGroups = count('AWS::Logs::LogGroup');
  add('log ingestion', `${logGroups} log groups × ${assumptions.logGbPerGroup} GB × $${prices.logsGb}/GB`, logGroups * assumptions.logGbPerGroup * prices.logsGb);
  const efs = count('AWS::EFS::FileSystem');
  add('EFS', `${efs} × ${assumptions.efsGbPerFileSystem} GB × $${prices.efsGbMonth}/GB-month`, efs * assumptions.efsGbPerFileSystem * prices.efsGbMonth);
  const alarms = count('AWS::CloudWatch::Alarm');
  const metrics = model.alarmMetrics ?? alarms;
  add('alarms', `${alarms} alarms watching ${metrics} metrics × $${GLOBAL_PRICES.alarmMonth} per alarm metric`, metrics * GLOBAL_PRICES.alarmMonth);
  const dashboards = count('AWS::CloudWatch::Dashboard');
  add('dashboards', `${dashboards} × $${GLOBAL_PRICES.dashboardMonth} (an account's first three are free)`, dashboards * GLOBAL_PRICES.dashboardMonth);
  const zones = count('AWS::Route53::HostedZone');
  add('hosted zones', `${zones} × $${GLOBAL_PRICES.hostedZoneMonth}`, zones * GLOBAL_PRICES.hostedZoneMonth);
  const checks = count('AWS::Route53::HealthCheck');
  add('health checks', `${checks} × $${GLOBAL_PRICES.healthCheckMonth}`, checks * GLOBAL_PRICES.healthCheckMonth);
  const keys = count('AWS::KMS::Key');
  add('KMS keys', `${keys} × $${GLOBAL_PRICES.kmsKeyMonth}`, keys * GLOBAL_PRICES.kmsKeyMonth);
  const secrets = count('AWS::SecretsManager::Secret');
  add('secrets', `${secrets} × $${GLOBAL_PRICES.secretMonth}`, secrets * GLOBAL_PRICES.secretMonth);

  return {
    stack: model.stack,
    pricedAs,
    regionNote: known ? undefined : `${model.region === undefined ? 'no region (environment-agnostic stack)' : `no prices for ${model.region}`}: priced as ${FALLBACK_REGION}`,
    lines,
    totalUsdPerMonth: round(lines.reduce((sum, l) => sum + l.usdPerMonth, 0)),
    unpriced: [...new Set(unpriced)].sort(),
  };
}
